"""Erasure and the purge after notes were shown and discussed, on SQLite and PostgreSQL.

A shared note that appeared in a digest, a brief or /history has a concern row (its
Discussed button); a note quoted to a therapist has records of those messages. Erasure and
the purge must remove them with the note, and one client whose rows cannot be removed must
not stop the purge for anyone else.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text, update

from core.audit import Actor, AuditKind
from core.clinic import ClinicConfig
from core.clock import FixedClock
from storage.audit import Audit
from storage.client_data import ClientData, Erased
from storage.database import Database
from storage.history import Discussion, Histories
from storage.retention import PurgeFailure
from storage.tables import AnswerRow, ConcernRow, NoteRow, TherapistMessageRow
from storage.therapist_messages import TherapistMessages
from tests.storage.test_client_rights import WEDNESDAY_EVENING, answer_all, enrol

LATER = WEDNESDAY_EVENING + timedelta(days=400)
CUT_OFF = WEDNESDAY_EVENING + timedelta(seconds=1)


def shown_and_discussed(database: Database, config: ClinicConfig, clock: FixedClock) -> None:
    """Both clients answered with a shared note; the digest showed them (concerns), C101's
    was tapped Discussed, and two messages quoting them are recorded."""
    enrol(database, config, clock.now())
    answer_all(database, config, WEDNESDAY_EVENING)
    with database.transaction() as s:
        s.execute(update(NoteRow).values(shared=True))
    histories = Histories(database)
    shown = histories.for_therapist("T01", 8)
    tokens = {h.code: h.points[-1].note.token for h in shown if h.points[-1].note}
    assert set(tokens) == {"C101", "C102"}
    assert histories.discuss(tokens["C101"] or "", "T01", WEDNESDAY_EVENING) is Discussion.MARKED
    messages = TherapistMessages(database)
    messages.record(3001, 10, ["C101", "C102"], WEDNESDAY_EVENING)  # a digest part
    messages.record(3001, 11, ["C101"], WEDNESDAY_EVENING + timedelta(hours=1))  # /history


def count(database: Database, table: type[object]) -> int:
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_erasure_after_a_digest_and_a_discussed_tap_removes_the_concern_too(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    shown_and_discussed(database, config, clock)
    assert count(database, ConcernRow) == 2

    erased = ClientData(database).erase("C101", LATER)

    assert erased == Erased(answers=4, notes=1)
    assert (count(database, AnswerRow), count(database, NoteRow)) == (4, 1)
    assert count(database, ConcernRow) == 1  # C102's stays
    assert not ClientData(database).erase("C101", LATER)  # nothing more to erase


def test_a_clinic_erasure_is_audited_with_the_clinic_as_actor(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    shown_and_discussed(database, config, clock)

    ClientData(database).erase("C102", LATER, actor=Actor.CLINIC, via="alliance erase")

    deleted = [e for e in Audit(database).entries("C102") if e.kind == AuditKind.DELETED]
    assert [(e.actor, e.via) for e in deleted] == [("clinic", "alliance erase")]


def test_quoting_messages_are_listed_per_client_and_forgotten_for_that_client_only(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    shown_and_discussed(database, config, clock)
    messages = TherapistMessages(database)

    quoting = messages.for_client("C101")

    assert [(m.chat_id, m.message_id) for m in quoting] == [(3001, 10), (3001, 11)]
    assert quoting[0].sent_at == WEDNESDAY_EVENING
    assert messages.forget("C101") == 2
    assert messages.for_client("C101") == []
    assert [m.message_id for m in messages.for_client("C102")] == [10]


def test_the_purge_removes_shown_and_discussed_notes_and_their_records(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    shown_and_discussed(database, config, clock)

    purged = ClientData(database).purge(CUT_OFF, LATER, dry_run=False, via="test")

    assert (purged.answers, purged.notes, purged.failed) == (8, 2, ())
    assert count(database, ConcernRow) == 0
    assert count(database, TherapistMessageRow) == 1  # the /history reply is after the cut-off


def test_one_client_whose_notes_cannot_go_does_not_stop_the_purge_for_the_others(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    shown_and_discussed(database, config, clock)
    # A row that refers to C102's note without cascading: deleting that note must fail.
    with database.transaction() as s:
        s.execute(text("CREATE TABLE blocker (note_id INTEGER REFERENCES notes (id))"))
        s.execute(
            text(
                "INSERT INTO blocker SELECT n.id FROM notes n JOIN checkins c"
                " ON c.id = n.checkin_id JOIN clients p ON p.id = c.client_id"
                " WHERE p.code = 'C102'"
            )
        )

    purged = ClientData(database).purge(CUT_OFF, LATER, dry_run=False, via="test")

    assert (purged.answers, purged.notes) == (4, 1)
    assert purged.failed == (PurgeFailure("C102", "IntegrityError"),)
    assert (count(database, AnswerRow), count(database, NoteRow)) == (4, 1)  # C102's only
    assert count(database, ConcernRow) == 1  # C102's concern is untouched: all or nothing
    (entry,) = [e for e in Audit(database).entries() if e.kind == AuditKind.PURGED]
    assert entry.detail == (
        "before 2026-11-25: 4 answers, 1 notes, 0 estimates, 0 follow-ups; 1 clients failed"
    )
