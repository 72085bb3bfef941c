"""Digests and briefs to send: one row per (kind, therapist, period), claimed like check-ins.

The unique key makes each digest and brief happen once across restarts and workers; the
claim (a conditional update under a lease) makes only one worker send it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult

from storage.database import Database
from storage.tables import DeliveryRow, TherapistRow

#: Period keys per ``IN (...)`` list: well under every database's limit on parameters.
_KEYS_PER_QUERY = 500


class Kind(StrEnum):
    """What is delivered."""

    DIGEST = "digest"
    BRIEF = "brief"


class State(StrEnum):
    """The life of one delivery."""

    PENDING = "pending"  # waiting to be sent (again)
    SENDING = "sending"  # claimed by a worker under a lease
    SENT = "sent"
    FAILED = "failed"  # the therapist's chat refuses messages
    SKIPPED = "skipped"  # a newer digest replaced it, or its moment passed


@dataclass(frozen=True)
class EnrolledTherapist:
    """A therapist with a linked chat, still in the config."""

    code: str
    chat_id: int
    enrolled_at: datetime


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what is needed to build and send it."""

    id: int
    kind: Kind
    therapist_code: str
    chat_id: int
    period_key: str
    client_code: str | None
    session_start: datetime | None
    attempts: int
    parts_sent: int
    unknown_sends: int = 0  # earlier sends whose fate is unknown


class Deliveries:
    """Intent-named queries over digests and briefs; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def enrolled_therapists(self) -> list[EnrolledTherapist]:
        """Therapists who can receive digests, by code."""
        query = (
            select(TherapistRow.code, TherapistRow.chat_id, TherapistRow.enrolled_at)
            .where(
                TherapistRow.chat_id.is_not(None),
                TherapistRow.enrolled_at.is_not(None),
                TherapistRow.in_config,
            )
            .order_by(TherapistRow.code)
        )
        with self._db.transaction() as s:
            return [
                EnrolledTherapist(code, chat_id, at)
                for code, chat_id, at in s.execute(query)
                if chat_id is not None and at is not None
            ]

    def digests_missing(
        self, period_key: str, slot: datetime, therapist_codes: Iterable[str]
    ) -> list[str]:
        """Those of ``therapist_codes`` enrolled by ``slot`` (with a chat, in the config) whose
        digest of ``period_key`` is not recorded yet, by code.

        The database does the comparing: on most ticks every digest is recorded and no row
        comes back, where reading every enrolled therapist and every recorded digest cost a
        tick a few milliseconds per hundred therapists.
        """
        recorded = (
            select(DeliveryRow.id)
            .where(
                DeliveryRow.kind == Kind.DIGEST,
                DeliveryRow.therapist_id == TherapistRow.id,
                DeliveryRow.period_key == period_key,
            )
            .exists()
        )
        query = select(TherapistRow.code).where(
            TherapistRow.chat_id.is_not(None),
            TherapistRow.enrolled_at <= slot,
            TherapistRow.in_config,
            ~recorded,
        )
        with self._db.transaction() as s:
            missing = set(s.scalars(query))  # usually none: no list of codes to send
        return sorted(missing.intersection(therapist_codes))

    def recorded(self, kind: Kind, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (therapist code, period key) deliveries of ``kind`` exist already.

        One indexed query per few hundred period keys: a tick asks this about every
        therapist's digest and every brief due, instead of one ``ensure`` each.
        """
        wanted = set(keys)
        periods = sorted({period for _, period in wanted})
        found: set[tuple[str, str]] = set()
        with self._db.transaction() as s:
            for start in range(0, len(periods), _KEYS_PER_QUERY):
                rows = s.execute(
                    select(TherapistRow.code, DeliveryRow.period_key)
                    .join(TherapistRow, TherapistRow.id == DeliveryRow.therapist_id)
                    .where(
                        DeliveryRow.kind == kind,
                        DeliveryRow.period_key.in_(periods[start : start + _KEYS_PER_QUERY]),
                    )
                )
                found.update((code, period) for code, period in rows)
        return found & wanted

    def ensure(
        self,
        kind: Kind,
        therapist_code: str,
        period_key: str,
        due_at: datetime,
        expires_at: datetime,
        *,
        client_code: str | None = None,
        session_start: datetime | None = None,
    ) -> bool:
        """Record a delivery unless its (kind, therapist, period) exists; True if new.

        A new digest replaces older digests of the same therapist still waiting, so after
        downtime only the latest one is sent.
        """
        insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
        with self._db.transaction() as s:
            therapist_id = s.scalar(
                select(TherapistRow.id).where(TherapistRow.code == therapist_code)
            )
            if therapist_id is None:
                return False
            known = s.scalar(
                select(DeliveryRow.id).where(
                    DeliveryRow.kind == kind,
                    DeliveryRow.therapist_id == therapist_id,
                    DeliveryRow.period_key == period_key,
                )
            )
            if known is not None:  # the usual case on every tick: a read, not a write
                return False
            result = s.execute(
                insert(DeliveryRow)
                .values(
                    kind=kind,
                    therapist_id=therapist_id,
                    period_key=period_key,
                    client_code=client_code,
                    session_start=session_start,
                    due_at=due_at,
                    expires_at=expires_at,
                    status=State.PENDING,
                    attempts=0,
                    parts_sent=0,
                )
                .on_conflict_do_nothing(index_elements=["kind", "therapist_id", "period_key"])
                .returning(DeliveryRow.id)
            )
            inserted = result.first() is not None
            if inserted and kind is Kind.DIGEST:
                s.execute(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.kind == kind,
                        DeliveryRow.therapist_id == therapist_id,
                        DeliveryRow.period_key != period_key,
                        DeliveryRow.status == State.PENDING,
                    )
                    .values(status=State.SKIPPED, last_error="Superseded")
                )
            return inserted

    def tidy(self, now: datetime) -> int:
        """Give back lapsed claims and skip deliveries whose moment has passed."""
        with self._db.transaction() as s:
            released = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == State.SENDING, DeliveryRow.claimed_until <= now)
                .values(status=State.PENDING, claimed_until=None)
            )
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == State.PENDING, DeliveryRow.expires_at <= now)
                .values(status=State.SKIPPED, last_error="Expired")
            )
            return _rowcount(released)

    def claim_due(self, now: datetime, lease: timedelta) -> Job | None:
        """Claim the oldest due delivery to a therapist with a chat, or None."""
        with self._db.transaction() as s:
            query = (
                select(DeliveryRow.id)
                .join(TherapistRow, TherapistRow.id == DeliveryRow.therapist_id)
                .where(
                    DeliveryRow.status == State.PENDING,
                    DeliveryRow.due_at <= now,
                    DeliveryRow.expires_at > now,
                    func.coalesce(DeliveryRow.next_attempt_at, DeliveryRow.due_at) <= now,
                    TherapistRow.chat_id.is_not(None),
                    TherapistRow.in_config,
                )
                .order_by(DeliveryRow.due_at, DeliveryRow.id)
                .limit(1)
            )
            if self._db.is_postgresql:
                query = query.with_for_update(skip_locked=True, of=DeliveryRow)
            delivery_id = s.scalar(query)
            if delivery_id is None:
                return None
            claimed = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.status == State.PENDING)
                .values(
                    status=State.SENDING,
                    claimed_until=now + lease,
                    attempts=DeliveryRow.attempts + 1,
                )
            )
            if _rowcount(claimed) != 1:
                return None
            row, therapist = s.execute(
                select(DeliveryRow, TherapistRow)
                .join(TherapistRow, TherapistRow.id == DeliveryRow.therapist_id)
                .where(DeliveryRow.id == delivery_id)
            ).one()
            assert therapist.chat_id is not None
            return Job(
                id=row.id,
                kind=Kind(row.kind),
                therapist_code=therapist.code,
                chat_id=therapist.chat_id,
                period_key=row.period_key,
                client_code=row.client_code,
                session_start=row.session_start,
                attempts=row.attempts,
                parts_sent=row.parts_sent,
                unknown_sends=row.unknown_sends,
            )

    def finish(
        self,
        job_id: int,
        state: State,
        now: datetime,
        error: str | None = None,
        *,
        unknown: bool = False,
    ) -> None:
        """Record that a claimed delivery was sent, failed for good, or was not needed;
        ``unknown``: its last send may have arrived."""
        with self._db.transaction() as s:
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == job_id, DeliveryRow.status == State.SENDING)
                .values(
                    status=state,
                    sent_at=now if state is State.SENT else None,
                    claimed_until=None,
                    last_error=error,
                    unknown_sends=DeliveryRow.unknown_sends + int(unknown),
                )
            )

    def retry_later(
        self, job_id: int, at: datetime, error: str, parts_sent: int, *, unknown: bool = False
    ) -> None:
        """Give a claimed delivery back; the parts already sent are not sent again.
        ``unknown``: the failed send may have arrived, and counts towards the bound."""
        with self._db.transaction() as s:
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == job_id, DeliveryRow.status == State.SENDING)
                .values(
                    status=State.PENDING,
                    next_attempt_at=at,
                    claimed_until=None,
                    last_error=error,
                    parts_sent=parts_sent,
                    unknown_sends=DeliveryRow.unknown_sends + int(unknown),
                )
            )

    def state(self, kind: Kind, therapist_code: str, period_key: str) -> State | None:
        """Where one delivery stands, if it exists."""
        with self._db.transaction() as s:
            status = s.scalar(
                select(DeliveryRow.status)
                .join(TherapistRow, TherapistRow.id == DeliveryRow.therapist_id)
                .where(
                    DeliveryRow.kind == kind,
                    TherapistRow.code == therapist_code,
                    DeliveryRow.period_key == period_key,
                )
            )
            return None if status is None else State(status)


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount
