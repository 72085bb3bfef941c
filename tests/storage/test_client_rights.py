"""Pausing, stopping, erasing, purging and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit import AuditKind
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.flow import ItemAnswer, NoteText, apply
from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from scheduler.planning import plan_all
from storage.audit import Audit
from storage.checkins import Checkins
from storage.client_data import ClientData
from storage.database import Database
from storage.participation import Participation
from storage.people import People
from storage.reminders import Reminders
from storage.tables import AnswerRow, CheckinRow, ConsentRow, NoteRow

CHATS = {"C101": 7001, "C102": 7002}
LEASE = timedelta(minutes=5)
#: A day after the Tuesday sessions: both clients' check-ins are due.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def enrol(database: Database, config: ClinicConfig, now: datetime) -> People:
    people = People(database)
    people.sync(config)
    for code, chat in CHATS.items():
        invite = new_invite(now, timedelta(days=14))
        people.create_invite(code, Role.CLIENT, invite, now)
        people.redeem(invite.token_hash, chat, now)
        people.decide_consent(chat, True, CONSENT_VERSION, now)
    return people


def answer_all(database: Database, config: ClinicConfig, now: datetime) -> None:
    """Every due check-in answered with 5s and a note."""
    checkins = Checkins(database)
    plan_all(config, checkins, now - timedelta(days=3))
    while (claimed := checkins.claim_due(now, LEASE)) is not None:
        checkins.mark_sent(claimed.id, claimed.chat_id or 0, 1, now)
        checkin = checkins.by_token(claimed.token)
        assert checkin is not None
        for step in range(len(DEFAULT_QUESTIONNAIRE.items)):
            decision = apply(DEFAULT_QUESTIONNAIRE, step, ItemAnswer(step, 5))
            assert not isinstance(decision, str)
            checkins.advance(checkin, decision, now, done=False)
            checkin = checkins.by_token(claimed.token)
            assert checkin is not None
        decision = apply(
            DEFAULT_QUESTIONNAIRE, checkin.step, NoteText(f"note of {claimed.client_code}")
        )
        assert not isinstance(decision, str)
        checkins.advance(checkin, decision, now, done=False, risk=claimed.client_code == "C101")


def rows(database: Database, table: type[AnswerRow] | type[NoteRow]) -> int:
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_a_pause_stops_claims_and_its_end_brings_them_back(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = enrol(database, config, clock.now())
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    until = WEDNESDAY_EVENING + timedelta(hours=1)

    change = Participation(database).pause(CHATS["C101"], until, clock.now())

    assert change.changed
    assert change.before is not None
    assert change.before.status is ClientStatus.ACTIVE
    claimed = checkins.claim_due(WEDNESDAY_EVENING, LEASE)
    assert claimed is not None
    assert claimed.client_code == "C102"  # C101's is due too, but C101 is paused
    assert checkins.claim_due(WEDNESDAY_EVENING, LEASE) is None
    assert people.end_due_pauses(until - timedelta(seconds=1)) == 0
    assert people.end_due_pauses(until) == 1
    again = checkins.claim_due(until, LEASE)
    assert again is not None
    assert again.client_code == "C101"


def test_paused_and_stopped_clients_get_no_reminders(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    enrol(database, config, clock.now())
    checkins, reminders, participation = (
        Checkins(database),
        Reminders(database),
        Participation(database),
    )
    plan_all(config, checkins, clock.now())
    remind_at = WEDNESDAY_EVENING + timedelta(hours=24)
    first = checkins.claim_due(WEDNESDAY_EVENING, LEASE)
    second = checkins.claim_due(WEDNESDAY_EVENING, LEASE)
    assert first is not None
    assert second is not None
    paused, stopped = sorted((first, second), key=lambda c: c.client_code)
    checkins.mark_sent(paused.id, CHATS[paused.client_code], 1, WEDNESDAY_EVENING, remind_at)
    participation.pause(CHATS[paused.client_code], None, WEDNESDAY_EVENING)
    # The stop comes while the other check-in is still being sent; the send then succeeds.
    participation.stop(CHATS[stopped.client_code], WEDNESDAY_EVENING)
    checkins.mark_sent(stopped.id, CHATS[stopped.client_code], 2, WEDNESDAY_EVENING, remind_at)

    assert reminders.claim_due(remind_at, LEASE) is None

    participation.resume(CHATS[paused.client_code], remind_at)
    resumed = reminders.claim_due(remind_at, LEASE)
    assert resumed is not None
    assert resumed.client_code == paused.client_code
    assert reminders.claim_due(remind_at, LEASE) is None  # never the stopped client's


def test_pause_resume_and_stop_change_only_from_the_status_they_fit(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    enrol(database, config, clock.now())
    participation, chat, now = Participation(database), CHATS["C101"], clock.now()

    assert not participation.resume(chat, now).changed  # not paused
    assert participation.pause(chat, None, now).changed
    assert participation.pause(chat, now + timedelta(weeks=2), now).changed  # a new end
    assert participation.resume(chat, now).changed
    assert participation.stop(chat, now).changed
    assert not participation.stop(chat, now).changed
    assert not participation.pause(chat, None, now).changed
    assert not participation.resume(chat, now).changed
    unknown = participation.stop(999, now)
    assert not unknown.changed
    assert unknown.before is None
    kinds = [e.kind for e in Audit(database).entries("C101")]
    assert kinds == [
        AuditKind.ENROLLED,
        AuditKind.CONSENT_GIVEN,
        AuditKind.PAUSED,
        AuditKind.PAUSED,
        AuditKind.RESUMED,
        AuditKind.STOPPED,
        AuditKind.CONSENT_WITHDRAWN,
    ]


def test_stop_withdraws_consent_with_its_version_and_closes_open_checkins(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    enrol(database, config, clock.now())
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    claimed = checkins.claim_due(WEDNESDAY_EVENING, LEASE)
    assert claimed is not None
    checkins.mark_sent(claimed.id, CHATS[claimed.client_code], 1, WEDNESDAY_EVENING)

    Participation(database).stop(CHATS[claimed.client_code], WEDNESDAY_EVENING)

    with database.transaction() as s:
        status = s.scalar(select(CheckinRow.status).where(CheckinRow.id == claimed.id))
        consents = s.execute(
            select(ConsentRow.version, ConsentRow.given, ConsentRow.event).order_by(ConsentRow.id)
        ).all()
    assert status == CheckinStatus.EXPIRED
    theirs = [tuple(c) for c in consents][-1]
    assert theirs == (CONSENT_VERSION, False, "withdrawn")


def test_erasure_removes_one_clients_answers_and_notes_only(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    enrol(database, config, clock.now())
    answer_all(database, config, WEDNESDAY_EVENING)
    data = ClientData(database)
    assert rows(database, AnswerRow) == 8
    copy = data.copy("C101")
    assert copy is not None
    assert copy.checkins[0].note is not None
    assert copy.checkins[0].note.text == "note of C101"
    assert copy.checkins[0].note.risk

    removed = data.erase("C101", WEDNESDAY_EVENING)

    assert (removed.answers, removed.notes) == (4, 1)
    assert rows(database, AnswerRow) == 4
    assert rows(database, NoteRow) == 1
    after = data.copy("C101")
    assert after is not None
    assert after.checkins == ()
    assert [c.event for c in after.consents] == ["given"]
    assert data.latest("C101") is None
    latest = data.latest("C102")
    assert latest is not None
    assert latest.note is not None
    assert latest.note.text == "note of C102"
    assert not data.erase("C101", WEDNESDAY_EVENING)
    deleted = [e for e in Audit(database).entries("C101") if e.kind == AuditKind.DELETED]
    assert [(e.actor, e.via, e.detail) for e in deleted] == [("client", "/delete", None)] * 2
    assert not data.erase("C999", WEDNESDAY_EVENING)
    assert data.copy("C999") is None


def test_the_purge_removes_only_what_is_older_than_the_cut_off(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    enrol(database, config, clock.now())
    answer_all(database, config, WEDNESDAY_EVENING)
    data = ClientData(database)
    later = WEDNESDAY_EVENING + timedelta(days=400)

    kept = data.purge(WEDNESDAY_EVENING, later, dry_run=False, via="test")
    counted = data.purge(WEDNESDAY_EVENING + timedelta(seconds=1), later, dry_run=True, via="test")
    assert (rows(database, AnswerRow), rows(database, NoteRow)) == (8, 2)
    purged = data.purge(WEDNESDAY_EVENING + timedelta(seconds=1), later, dry_run=False, via="test")

    assert (kept.answers, kept.notes) == (0, 0)
    assert (counted.answers, counted.notes) == (8, 2)
    assert (purged.answers, purged.notes) == (8, 2)
    assert (rows(database, AnswerRow), rows(database, NoteRow)) == (0, 0)
    entries = [e for e in Audit(database).entries() if e.kind == AuditKind.PURGED]
    assert [e.detail for e in entries] == [
        "before 2026-11-25: 0 answers, 0 notes, 0 estimates, 0 follow-ups",
        "before 2026-11-25: 8 answers, 2 notes, 0 estimates, 0 follow-ups",
    ]


def test_enrolment_and_consent_are_audited_for_clients_and_therapists(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = enrol(database, config, clock.now())
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite("T01", Role.THERAPIST, invite, clock.now())
    people.redeem(invite.token_hash, 9001, clock.now())

    entries = Audit(database).entries()

    assert [(e.kind, e.client_code, e.therapist_code) for e in entries[-1:]] == [
        ("enrolled", None, "T01")
    ]
    consent = [e for e in entries if e.kind == AuditKind.CONSENT_GIVEN]
    assert [(e.client_code, e.detail) for e in consent] == [
        ("C101", CONSENT_VERSION),
        ("C102", CONSENT_VERSION),
    ]


def test_the_audit_log_refuses_changes_on_postgresql(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    if not database.is_postgresql:
        pytest.skip("the trigger is PostgreSQL's; on SQLite no code path changes the log")
    enrol(database, config, clock.now())
    for statement in (
        "UPDATE audit_log SET detail = 'changed'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), database.transaction() as s:
            s.execute(text(statement))
    assert len(Audit(database).entries()) == 4
