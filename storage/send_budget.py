"""Telegram's sending budget, shared by every worker on one PostgreSQL database.

Turns lie on timelines kept in ``send_slots``: one overall (``global``) and one per
private chat. A worker takes the next free turn with one atomic statement, GCRA-style: the
turn is the row's ``next_at`` (or now, if that has passed, or the end of a hold after a
``429``), and ``next_at`` moves one interval past it. Nothing is saved up while idle, so
workers together never send faster than one turn an interval, whichever of them sends.
Turns are an ideal timeline: a worker that sends a little after its turn (a busy event loop,
a thread hop) brings its send closer to the next ones. So, as the one-process pacer does,
each send is also stamped just before it goes out (``stamp``): the ``global`` row keeps when
the last sends really went out, and one more may go only if the send that many back went
out over a window ago.
Turns are on the database's clock (``clock_timestamp()``), so workers on several machines
agree on them without agreeing on the time; a test injects its own clock.

PostgreSQL only: a SQLite database serves one process, which paces alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ARRAY, Connection, DateTime, bindparam, text

from storage.database import Database

# Each statement reads the time once, in ``t``: the injected clock's, or the database's.
#: Lock the chat's row (made on first use, free at once) and read when it is free.
_CHAT = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "INSERT INTO send_slots AS s (key, next_at) SELECT :chat, t.now FROM t "
    "ON CONFLICT (key) DO UPDATE SET next_at = s.next_at "
    "RETURNING s.next_at AS at, (SELECT now FROM t) AS now"
)
#: Take the next overall turn unless it is more than ``:max_wait`` away (or held), and
#: keep the chat (if any) busy for ``:spacing`` after it.
_TAKE = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now), "
    "g AS ("
    "INSERT INTO send_slots AS s (key, next_at) SELECT 'global', t.now + :interval FROM t "
    "ON CONFLICT (key) DO UPDATE SET next_at = "
    "greatest(s.next_at + :interval, s.hold_until + :interval, excluded.next_at) "
    "WHERE greatest(s.next_at + :interval, s.hold_until + :interval, excluded.next_at) "
    "<= excluded.next_at + :max_wait "
    "RETURNING s.next_at - :interval AS at"
    "), c AS (UPDATE send_slots SET next_at = g.at + :spacing FROM g WHERE key = :chat) "
    "SELECT g.at, t.now FROM g, t"
)
#: Keep a chat (whose row ``_CHAT`` locked and found free) busy for ``:spacing`` from now.
_CHAT_TAKE = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "UPDATE send_slots SET next_at = t.now + :spacing FROM t WHERE key = :chat"
)
#: When the next overall turn would be, without taking it.
_NEXT = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "SELECT greatest(s.next_at, s.hold_until, t.now) AS at, t.now "
    "FROM t LEFT JOIN send_slots AS s ON s.key = 'global'"
)
#: Lock the ``global`` row (made if missing) and read when the last sends went out.
_SENT = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "INSERT INTO send_slots AS s (key, next_at) SELECT 'global', t.now FROM t "
    "ON CONFLICT (key) DO UPDATE SET next_at = s.next_at "
    "RETURNING s.sent, (SELECT now FROM t) AS now"
)
_STAMP = text("UPDATE send_slots SET sent = :sent WHERE key = 'global'").bindparams(
    bindparam("sent", type_=ARRAY(DateTime(timezone=True)))
)
_HOLD = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "INSERT INTO send_slots AS s (key, next_at, hold_until) "
    "SELECT 'global', t.now, t.now + :seconds FROM t "
    "ON CONFLICT (key) DO UPDATE SET hold_until = greatest(s.hold_until, excluded.hold_until)"
)
_HOLD_LEFT = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "SELECT coalesce(s.hold_until, t.now) AS at, t.now "
    "FROM t LEFT JOIN send_slots AS s ON s.key = 'global'"
)
_FORGET = text(
    "WITH t AS (SELECT coalesce(CAST(:now AS timestamptz), clock_timestamp()) AS now) "
    "DELETE FROM send_slots USING t WHERE key <> 'global' AND next_at < t.now - :keep"
)
#: The longest wait asked about (an interval has no infinity).
_FOREVER = timedelta(days=1)


class TurnStatus(StrEnum):
    """What a reservation got."""

    GRANTED = "granted"  # the turn is this send's: send once ``wait`` has passed
    CHAT_BUSY = "chat busy"  # nothing taken: the chat is busy, ask again after ``wait``
    TOO_FAR = "too far"  # nothing taken: the next turn is ``wait`` away, beyond ``max_wait``


@dataclass(frozen=True)
class Turn:
    """A reservation's answer: its status, the seconds from now it is about, and the
    instant on the shared clock."""

    status: TurnStatus
    wait: float
    at: datetime


class SendSlots:
    """Reserving turns on the shared timelines of one PostgreSQL database.

    ``interval``: seconds between overall turns; ``chat_spacing``: seconds a private chat
    stays busy after a turn for it; ``clock``: the shared time (default: the database's).
    """

    def __init__(
        self,
        database: Database,
        interval: float,
        chat_spacing: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not database.is_postgresql:
            raise ValueError("a shared send budget needs PostgreSQL")
        self._database = database
        self._interval = timedelta(seconds=interval)
        self._spacing = timedelta(seconds=chat_spacing)
        self._clock = clock

    def reserve(self, chat_id: int | None, max_wait: float = float("inf")) -> Turn:
        """Take the next overall turn, and for a private chat also the chat's turn, in one
        short transaction; take nothing when the chat is busy or the turn too far away."""
        now, chat = self._now(), None if chat_id is None else str(chat_id)
        with self._database.connection() as c:
            if chat is not None:
                row = c.execute(_CHAT, {"now": now, "chat": chat}).one()
                if row.at > row.now:
                    return _turn(TurnStatus.CHAT_BUSY, row.at, row.now)
            taken = c.execute(
                _TAKE,
                {
                    "now": now,
                    "chat": chat,
                    "interval": self._interval,
                    "spacing": self._spacing,
                    "max_wait": _FOREVER
                    if max_wait >= _FOREVER.total_seconds()
                    else timedelta(seconds=max(max_wait, 0.0)),
                },
            ).first()
            if taken is None:
                return self._too_far(c, now)
            return _turn(TurnStatus.GRANTED, taken.at, taken.now)

    def reserve_chat(self, chat_id: int) -> Turn:
        """Take a private chat's turn alone, now, for a send out of line (a reply to what a
        person just did: the overall timeline's queue is not its to wait for); take
        nothing when another send to the chat is less than the spacing ago."""
        now, chat = self._now(), str(chat_id)
        with self._database.connection() as c:
            row = c.execute(_CHAT, {"now": now, "chat": chat}).one()
            if row.at > row.now:
                return _turn(TurnStatus.CHAT_BUSY, row.at, row.now)
            c.execute(_CHAT_TAKE, {"now": now, "chat": chat, "spacing": self._spacing})
        return _turn(TurnStatus.GRANTED, row.now, row.now)

    @staticmethod
    def _too_far(c: Connection, now: datetime | None) -> Turn:
        row = c.execute(_NEXT, {"now": now}).one()
        return _turn(TurnStatus.TOO_FAR, row.at, row.now)

    def stamp(self, per_window: int, window: float) -> float:
        """Count a send going out now, unless ``per_window`` sends already went out (from
        any worker) in the last ``window`` seconds: then count nothing and say how many
        seconds until one of them leaves the window."""
        with self._database.connection() as c:
            row = c.execute(_SENT, {"now": self._now()}).one()
            sent: list[datetime] = list(row.sent or ())[-per_window:]
            if len(sent) == per_window:
                wait = _seconds(sent[0] + timedelta(seconds=window), row.now)
                if wait > 0:
                    return wait
            c.execute(_STAMP, {"sent": [*sent, row.now][-per_window:]})
        return 0.0

    def hold(self, seconds: float) -> None:
        """Give no overall turn for the next ``seconds``, to any worker (after a ``429``)."""
        with self._database.connection() as c:
            c.execute(_HOLD, {"now": self._now(), "seconds": timedelta(seconds=seconds)})

    def hold_left(self) -> float:
        """Seconds until a hold ends (0 when none is on)."""
        with self._database.connection() as c:
            row = c.execute(_HOLD_LEFT, {"now": self._now()}).one()
        return _seconds(row.at, row.now)

    def forget(self, older_than: float = 60.0) -> int:
        """Delete the rows of chats not sent to for ``older_than`` seconds; how many went."""
        with self._database.connection() as c:
            gone = c.execute(_FORGET, {"now": self._now(), "keep": timedelta(seconds=older_than)})
        return gone.rowcount

    def _now(self) -> datetime | None:
        return self._clock() if self._clock else None


def _turn(status: TurnStatus, at: datetime, now: datetime) -> Turn:
    return Turn(status, _seconds(at, now), at)


def _seconds(at: datetime, now: datetime) -> float:
    """Seconds from ``now`` to ``at``; 0 when it has passed."""
    return max(0.0, (at - now).total_seconds())
