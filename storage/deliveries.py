"""Digests and briefs to send: one row per (kind, therapist, period), claimed like check-ins.

The unique key makes each digest and brief happen once across restarts and workers; the
claim (a conditional update under a lease) makes only one worker send it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Row, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.database import Database
from storage.lease_queue import Leased, LeaseQueue, Statuses
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


def _claimed_job(row: Row[Any]) -> Job:
    """The job of a delivery row just claimed: one more attempt."""
    fields = row._asdict()
    return Job(**fields | {"kind": Kind(fields["kind"]), "attempts": fields["attempts"] + 1})


#: Deliveries waiting to be sent, claimed under a lease; due ones to a therapist with a chat.
_QUEUE = LeaseQueue(
    cast(Table, DeliveryRow.__table__),
    select(
        DeliveryRow.id,
        DeliveryRow.kind,
        TherapistRow.code.label("therapist_code"),
        TherapistRow.chat_id,
        DeliveryRow.period_key,
        DeliveryRow.client_code,
        DeliveryRow.session_start,
        DeliveryRow.attempts,
        DeliveryRow.parts_sent,
        DeliveryRow.unknown_sends,
    ).join(TherapistRow, TherapistRow.id == DeliveryRow.therapist_id),
    _claimed_job,
    Statuses(
        waiting=State.PENDING,
        claimed=State.SENDING,
        given_up=State.FAILED,
        expiring={State.PENDING: State.SKIPPED},  # its moment passed
    ),
    due_when=(TherapistRow.chat_id.is_not(None), TherapistRow.in_config),
    expired_values={"last_error": "Expired"},
)


class Deliveries(Leased[Job]):
    """Intent-named queries over digests and briefs; each call is one short transaction.

    Sending goes through the lease queue (``Leased``), as for check-ins: ``tidy`` (expired
    ones are ``skipped``), ``claim_due``, then ``finish``, ``retry_later`` or ``give_up``
    (``failed``).
    """

    def __init__(self, database: Database) -> None:
        super().__init__(database, _QUEUE)

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
        with self._db.transaction() as s:
            therapist_id = s.scalar(
                select(TherapistRow.id).where(TherapistRow.code == therapist_code)
            )
            if therapist_id is None or _recorded(s, kind, therapist_id, period_key):
                return False  # the usual case on every tick: a read, not a write
            insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
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
                _supersede_digests(s, therapist_id, period_key)
            return inserted

    def finish(self, job_id: int, state: State, now: datetime, error: str | None = None) -> None:
        """Record that a claimed delivery was sent, failed for good (the chat refuses
        messages), or was not needed (``skipped``)."""
        statement = self._queue.claimed_row.values(
            status=state,
            sent_at=now if state is State.SENT else None,
            claimed_until=None,
            last_error=error,
        )
        self._run(statement, {"b_id": job_id})

    def retry_later(
        self,
        item_id: int,
        at: datetime,
        error: str,
        *,
        unknown: bool = False,
        parts_sent: int | None = None,
    ) -> None:
        """Give a claimed delivery back to be tried again at ``at``; ``parts_sent`` (if
        given) are not sent again. ``unknown``: the failed send may have arrived, and counts
        towards the bound on such sends."""
        also = {} if parts_sent is None else {"parts_sent": parts_sent}
        self._retry(item_id, at, error, unknown, **also)

    def give_back(self, item_id: int, until: datetime, *, parts_sent: int | None = None) -> bool:
        """``Leased.give_back``; ``parts_sent`` (if given) are not sent again: a report cut
        short between its parts by a stopping process resumes where it stopped."""
        statement = self._queue.give_back
        if parts_sent is not None:
            statement = statement.values(parts_sent=parts_sent)
        return self._run(statement, {"b_id": item_id, "b_until": until}) == 1

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


def _recorded(s: Session, kind: Kind, therapist_id: int, period_key: str) -> bool:
    """Whether this (kind, therapist, period) already has a delivery."""
    found = s.scalar(
        select(DeliveryRow.id).where(
            DeliveryRow.kind == kind,
            DeliveryRow.therapist_id == therapist_id,
            DeliveryRow.period_key == period_key,
        )
    )
    return found is not None


def _supersede_digests(s: Session, therapist_id: int, period_key: str) -> None:
    """Skip the therapist's older digests still waiting: only the latest is worth sending."""
    s.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.kind == Kind.DIGEST,
            DeliveryRow.therapist_id == therapist_id,
            DeliveryRow.period_key != period_key,
            DeliveryRow.status == State.PENDING,
        )
        .values(status=State.SKIPPED, last_error="Superseded")
    )
