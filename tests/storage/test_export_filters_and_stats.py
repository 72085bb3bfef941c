"""Export filters, answered check-ins and the facts behind ``alliance stats``, on both databases."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE as Q
from storage import export_rows as export
from storage import stats
from storage.database import Database
from storage.export_rows import ExportFilter
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow, TherapistRow

#: 23:30 UTC on 30 November is already 1 December in Tokyo, still 30 November in New York.
LATE_NOVEMBER = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def _client(database: Database, code: str, zone: str, status: ClientStatus) -> int:
    with database.transaction() as s:
        row = ClientRow(
            code=code, therapist_code="T01", timezone=zone, language="en", status=status
        )
        s.add(row)
        s.flush()
        return row.id


def _checkin(
    database: Database,
    client_id: int,
    session_start: datetime,
    status: CheckinStatus,
    answers: dict[str, int | None],
    note: tuple[str, bool | None] | None = None,
    questionnaire: tuple[str, str] = (Q.key, Q.version),
) -> None:
    sent = session_start + timedelta(days=1)
    with database.transaction() as s:
        row = CheckinRow(
            client_id=client_id,
            token=secrets.token_urlsafe(8),
            questionnaire=questionnaire[0],
            questionnaire_version=questionnaire[1],
            session_start=session_start,
            session_end=session_start + timedelta(minutes=50),
            due_at=sent,
            expires_at=sent + timedelta(hours=72),
            status=status,
            sent_at=sent if status is not CheckinStatus.PLANNED else None,
            completed_at=sent + timedelta(hours=2) if status is CheckinStatus.COMPLETED else None,
        )
        s.add(row)
        s.flush()
        for minutes, (key, value) in enumerate(answers.items(), start=5):
            at = sent + timedelta(minutes=minutes)
            s.add(AnswerRow(checkin_id=row.id, item_key=key, value=value, answered_at=at))
        if note is not None:
            at = sent + timedelta(hours=1)
            s.add(NoteRow(checkin_id=row.id, text=note[0], shared=note[1], created_at=at))


def _clinic(database: Database) -> None:
    with database.transaction() as s:
        s.add(TherapistRow(code="T01", timezone="Europe/Berlin"))
    tokyo = _client(database, "C1", "Asia/Tokyo", ClientStatus.ACTIVE)
    new_york = _client(database, "C2", "America/New_York", ClientStatus.ACTIVE)
    _client(database, "C3", "Europe/Berlin", ClientStatus.NOT_ENROLLED)
    everything = {"bond": 7, "goals": None, "tasks": 8, "overall": 9}
    _checkin(database, tokyo, LATE_NOVEMBER, CheckinStatus.COMPLETED, everything, ("ok", True))
    _checkin(database, new_york, LATE_NOVEMBER, CheckinStatus.EXPIRED, {"bond": 3})
    _checkin(database, new_york, LATE_NOVEMBER - timedelta(days=7), CheckinStatus.OPEN, {})
    _checkin(database, tokyo, LATE_NOVEMBER + timedelta(days=7), CheckinStatus.PLANNED, {})


def test_since_means_the_session_day_in_each_clients_own_time_zone(database: Database) -> None:
    _clinic(database)

    december = ExportFilter(since=date(2026, 12, 1))
    november_30 = ExportFilter(since=date(2026, 11, 30))

    assert {a.client_code for a in export.answers(database, december)} == {"C1"}
    assert {a.client_code for a in export.answers(database, november_30)} == {"C1", "C2"}
    assert export.count(database, "answers", december) == 4
    assert export.count(database, "answers", november_30) == 5


def test_client_filter_keeps_one_clients_answers_and_notes(database: Database) -> None:
    _clinic(database)
    only_c2 = ExportFilter(client_code="C2")

    assert [a.value for a in export.answers(database, only_c2)] == [3]
    assert list(export.notes(database, only_c2)) == []
    assert [n.text for n in export.notes(database, ExportFilter(client_code="C1"))] == ["ok"]
    assert export.client_exists(database, "C2")
    assert not export.client_exists(database, "C9")


def test_answered_checkins_come_with_their_answers_and_note_and_unanswered_ones_do_not(
    database: Database,
) -> None:
    _clinic(database)

    answered = list(export.answered_checkins(database))

    assert [(c.client_code, c.status) for c in answered] == [
        ("C1", "completed"),
        ("C2", "expired"),
    ]
    first = answered[0]
    assert [(a.item_key, a.value) for a in first.answers] == [
        ("bond", 7),
        ("goals", None),
        ("tasks", 8),
        ("overall", 9),
    ]
    assert first.note is not None
    assert first.note.shared is True
    assert first.completed_at is not None
    assert first.completed_at.tzinfo is not None
    assert answered[1].note is None
    assert export.count(database, "checkins") == 2


def test_every_exported_answer_and_note_names_its_own_checkins_questionnaire(
    database: Database,
) -> None:
    _clinic(database)
    with database.transaction() as s:
        tokyo = s.scalar(select(ClientRow.id).where(ClientRow.code == "C1"))
    assert tokyo is not None
    brief = ("brief-5", "0123456789ab")
    later = LATE_NOVEMBER + timedelta(days=14)
    _checkin(database, tokyo, later, CheckinStatus.COMPLETED, {"heard": 4}, ("new", True), brief)
    only_c1 = ExportFilter(client_code="C1")

    answers = [
        (a.item_key, a.questionnaire, a.questionnaire_version)
        for a in export.answers(database, only_c1)
    ]
    notes = [
        (n.text, n.questionnaire, n.questionnaire_version) for n in export.notes(database, only_c1)
    ]
    checkins = [
        (c.questionnaire, c.questionnaire_version)
        for c in export.answered_checkins(database, only_c1)
    ]

    default = (Q.key, Q.version)
    assert answers == [(key, *default) for key in ("bond", "goals", "tasks", "overall")] + [
        ("heard", *brief)
    ]
    assert notes == [("ok", *default), ("new", *brief)]
    assert checkins == [default, brief]


def test_stats_facts_carry_when_each_checkin_was_sent_and_first_answered(
    database: Database,
) -> None:
    _clinic(database)

    facts = sorted(stats.checkin_facts(database), key=lambda f: f.status)
    clients = stats.client_facts(database)

    assert stats.therapist_codes(database) == ["T01"]
    assert sorted(c.status for c in clients) == sorted(
        [ClientStatus.ACTIVE, ClientStatus.ACTIVE, ClientStatus.NOT_ENROLLED]
    )
    by_status = {f.status: f for f in facts}
    completed = by_status[CheckinStatus.COMPLETED]
    assert completed.sent_at is not None
    assert completed.first_answer_at == completed.sent_at + timedelta(minutes=5)
    assert by_status[CheckinStatus.OPEN].first_answer_at is None
    assert by_status[CheckinStatus.PLANNED].sent_at is None
    december = stats.checkin_facts(database, ExportFilter(since=date(2026, 12, 1)))
    assert sorted(f.status for f in december) == ["completed", "planned"]
