"""A lease queue: rows waiting to be sent, each claimed by one worker at a time under a lease.

Check-ins and deliveries (digests, briefs) are both such queues. A row waits until it is
due (``due_at``, and ``next_attempt_at`` after a failed try) and not past ``expires_at``; a
worker claims it by moving it to the claimed status until ``claimed_until``, sends it, and
records the outcome: sent (the store's own), tried again later, deferred, or given up. A
worker that dies leaves its claim to lapse; the next ``tidy`` gives the row back.

``LeaseQueue`` builds one queue's statements once (a tick claims for every batch);
``Leased`` is the base of a store over such a queue and names what it does, the same for
every queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnExpressionArgument,
    Row,
    Select,
    Table,
    bindparam,
    func,
    update,
)
from sqlalchemy.engine import CursorResult

from storage.database import Database

T = TypeVar("T")
#: The time a statement runs at, bound per call.
_NOW: BindParameter[Any] = bindparam("b_now")


def rowcount(result: object) -> int:
    """How many rows an UPDATE changed."""
    assert isinstance(result, CursorResult)
    return result.rowcount


@dataclass(frozen=True)
class Statuses:
    """The values a queue's status column takes on the way through the queue."""

    waiting: str  # to be sent (again) once due
    claimed: str  # being sent by a worker under a lease
    given_up: str  # its sends were of unknown fate too often
    #: status before -> status after, for rows past ``expires_at`` (the waiting ones at least)
    expiring: Mapping[str, str]


@dataclass(frozen=True)
class Tidied:
    """What ``tidy`` did: claims given back, and rows closed past expiry by their new status."""

    released: int
    closed: dict[str, int]


class LeaseQueue(Generic[T]):
    """The statements of one queue over ``table``, built once.

    ``view`` selects what a claimed item is made of (``to_claimed`` makes it, from the row as
    read before the claim); ``due_when`` adds the queue's own conditions to being due
    (say, a client who consents); ``expired_values`` are set on rows closed past expiry.
    """

    def __init__(
        self,
        table: Table,
        view: Select[*tuple[Any, ...]],
        to_claimed: Callable[[Row[Any]], T],
        statuses: Statuses,
        due_when: Iterable[ColumnExpressionArgument[bool]] = (),
        expired_values: Mapping[str, Any] | None = None,
    ) -> None:
        c, self.statuses, self.to_claimed = table.c, statuses, to_claimed
        self.due = (
            view.where(
                c.status == statuses.waiting,
                c.due_at <= _NOW,
                c.expires_at > _NOW,
                func.coalesce(c.next_attempt_at, c.due_at) <= _NOW,
                *due_when,
            )
            .order_by(c.due_at, c.id)
            .limit(bindparam("b_limit"))
        )
        #: The same, skipping rows another worker has locked (PostgreSQL).
        self.due_locked = self.due.with_for_update(skip_locked=True, of=table)
        #: Claim the rows found, unless another worker got there first.
        self.claim = (
            update(table)
            .where(c.id.in_(bindparam("b_ids", expanding=True)), c.status == statuses.waiting)
            .values(
                status=statuses.claimed,
                claimed_until=bindparam("b_until"),
                attempts=c.attempts + 1,
            )
            .returning(c.id)
        )
        self.release = (
            update(table)
            .where(c.status == statuses.claimed, c.claimed_until <= _NOW)
            .values(status=statuses.waiting, claimed_until=None)
        )
        self.expire = [
            (
                after,
                update(table)
                .where(c.status == before, c.expires_at <= _NOW)
                .values(status=after, **(expired_values or {})),
            )
            for before, after in statuses.expiring.items()
        ]
        self._give_back(table)

    def _give_back(self, table: Table) -> None:
        """The statements that change a claimed row: keep, retry, give back, defer, give up."""
        c, statuses = table.c, self.statuses
        #: Any change to a row still claimed; the caller adds the values.
        self.claimed_row = update(table).where(
            c.id == bindparam("b_id"), c.status == statuses.claimed
        )
        #: Keep a claim for one more send, only while it is still this worker's (its lease
        #: has not lapsed and been taken over): ``claimed_until`` is the one it set.
        mine = self.claimed_row.where(c.claimed_until == bindparam("b_until"))
        self.hold = mine.values(claimed_until=bindparam("b_new_until"))
        self.retry = self.claimed_row.values(
            status=statuses.waiting,
            next_attempt_at=bindparam("b_at"),
            claimed_until=None,
            last_error=bindparam("b_error"),
            unknown_sends=c.unknown_sends + bindparam("b_unknown"),
        )
        #: Given back untried, at once (the round ran out of time, or the process is
        #: stopping), while the claim is still this worker's: not a try either.
        self.give_back = mine.values(
            status=statuses.waiting, claimed_until=None, attempts=c.attempts - 1
        )
        #: Not a try: the attempt the claim counted is taken back.
        self.defer = self.claimed_row.values(
            status=statuses.waiting,
            next_attempt_at=bindparam("b_at"),
            claimed_until=None,
            attempts=c.attempts - 1,
        )
        self.give_up = self.claimed_row.values(
            status=statuses.given_up,
            claimed_until=None,
            last_error=bindparam("b_error"),
            unknown_sends=c.unknown_sends + 1,
        )


class Leased(Generic[T]):
    """A store over a lease queue: the steps every queue shares, each one short transaction."""

    def __init__(self, database: Database, queue: LeaseQueue[T]) -> None:
        self._db = database
        self._queue = queue

    def tidy(self, now: datetime) -> Tidied:
        """Give back claims whose worker stopped before recording the outcome, then close
        the rows past their expiry (a claim given back past it too)."""
        q = self._queue
        with self._db.connection() as connection:
            released = rowcount(connection.execute(q.release, {"b_now": now}))
            closed = {
                after: rowcount(connection.execute(expire, {"b_now": now}))
                for after, expire in q.expire
            }
        return Tidied(released, closed)

    def claim_due(self, now: datetime, lease: timedelta) -> T | None:
        """Claim the oldest due item, or None when none is due."""
        claimed = self.claim_due_batch(now, lease, 1)
        return claimed[0] if claimed else None

    def claim_due_batch(self, now: datetime, lease: timedelta, limit: int) -> list[T]:
        """Claim up to ``limit`` of the oldest due items, oldest first.

        One short transaction: a ``SELECT`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
        concurrent workers take disjoint rows) and one conditional ``UPDATE``; a row another
        worker claimed in between is left out. Claimed but unsent rows are no duplicates if
        the worker dies: their lease runs out and they are sent once. The claims hold until
        ``now + lease`` (see ``hold``).
        """
        q = self._queue
        due = q.due_locked if self._db.is_postgresql else q.due
        with self._db.connection() as connection:
            found = {
                row.id: row for row in connection.execute(due, {"b_now": now, "b_limit": limit})
            }
            if not found:
                return []
            claimed = connection.execute(q.claim, {"b_ids": list(found), "b_until": now + lease})
            won = set(claimed.scalars())
            return [q.to_claimed(row) for row in found.values() if row.id in won]

    def hold(self, item_id: int, until: datetime, new_until: datetime) -> bool:
        """Whether this worker's claim (it ends at ``until``) still holds; if so it is kept
        until ``new_until``.

        A worker checks this before each send of its batch: once its lease lapsed, another
        worker may have taken the item over (``until`` is then another's), and only that
        worker sends it.
        """
        values = {"b_id": item_id, "b_until": until, "b_new_until": new_until}
        return self._run(self._queue.hold, values) == 1

    def retry_later(self, item_id: int, at: datetime, error: str, *, unknown: bool = False) -> None:
        """Give a claimed item back to be tried again at ``at``; ``unknown``: the failed send
        may have arrived, and counts towards the bound on such sends."""
        self._retry(item_id, at, error, unknown)

    def give_back(self, item_id: int, until: datetime) -> bool:
        """Give an item claimed until ``until`` back unsent, due again at once (not a try):
        the round that claimed it ran out of time or is stopping. A claim that lapsed and
        was taken over by another worker is left alone; whether this one was given back."""
        values = {"b_id": item_id, "b_until": until}
        return self._run(self._queue.give_back, values) == 1

    def defer(self, item_id: int, at: datetime) -> None:
        """Give a claimed item back unsent, to go out at ``at`` (after quiet hours)."""
        self._run(self._queue.defer, {"b_id": item_id, "b_at": at})

    def give_up(self, item_id: int, error: str) -> None:
        """Close a claimed item as never delivered: its sends failed in ways of unknown fate
        too often (this one counted)."""
        self._run(self._queue.give_up, {"b_id": item_id, "b_error": error})

    def _retry(self, item_id: int, at: datetime, error: str, unknown: bool, **also: Any) -> None:
        """``retry_later``, setting ``also`` on the row too."""
        statement = self._queue.retry.values(**also) if also else self._queue.retry
        values = {"b_id": item_id, "b_at": at, "b_error": error, "b_unknown": int(unknown)}
        self._run(statement, values)

    def _run(self, statement: Any, values: Mapping[str, Any]) -> int:
        """Run one prebuilt statement in its own transaction; how many rows it changed."""
        with self._db.connection() as connection:
            return rowcount(connection.execute(statement, values))
