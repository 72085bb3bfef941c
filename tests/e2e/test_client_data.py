"""/mydata, /preview and /delete through the real bot, checked in the database and export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from bot.cli.csv_export import write_csv
from core.audit import AuditKind
from core.clinic import ClinicConfig
from sandbox import SimUser
from storage.tables import AnswerRow, NoteRow
from tests.e2e.clinic_questionnaire import answer, session_check
from tests.e2e.conftest import Clinic, eventually

#: A day after Tuesday's sessions: C102's (10:00) and C101's (15:00) check-ins are due.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
NOTE = "I felt rushed <at the end> & want to talk about it"


async def answered_clinic(clinic: Clinic, share: str = "Share") -> tuple[SimUser, SimUser]:
    """C101 and C102 enrolled; both answered their check-in with a note."""
    first, second = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(first, "C101")
    await clinic.enrol(second, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 2
    await clinic.answer(first, ("8", "3", "Skip", "9"), NOTE, share)
    await clinic.answer(second, ("5", "5", "5", "5"), "Another client's note", "Share")
    return first, second


def counts(clinic: Clinic, code: str) -> tuple[int, int]:
    query = text(
        "SELECT (SELECT count(*) FROM answers a JOIN checkins c ON c.id = a.checkin_id"
        "  JOIN clients p ON p.id = c.client_id WHERE p.code = :code),"
        " (SELECT count(*) FROM notes n JOIN checkins c ON c.id = n.checkin_id"
        "  JOIN clients p ON p.id = c.client_id WHERE p.code = :code)"
    )
    with clinic.services.database.transaction() as s:
        row = s.execute(query, {"code": code}).one()
    return int(row[0]), int(row[1])


async def test_mydata_sends_answers_notes_and_consent_history_as_a_file(clinic: Clinic) -> None:
    client, _ = await answered_clinic(clinic, share="Keep it private")

    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)

    assert sent.filename == "my-data.json"
    assert "Your data" in (sent.caption or "")
    assert not sent.protect_content  # the client's own copy, to keep and take elsewhere
    data = json.loads(sent.file_bytes or b"")
    assert data["client_code"] == "C101"
    assert [c["event"] for c in data["consent_history"]] == ["given"]
    (checkin,) = data["checkins"]
    assert {a["item"]: a["value"] for a in checkin["answers"]} == {
        "bond": 8,
        "goals": 3,
        "tasks": None,
        "overall": 9,
    }
    assert checkin["note"]["text"] == NOTE  # private notes too: it is their own data
    assert checkin["note"]["sharing"] == "private"
    assert "Another client's note" not in json.dumps(data)
    assert checkin["session_start"].startswith("2026-11-24T15:00:00+01:00")
    await eventually(lambda: AuditKind.EXPORTED in _kinds(clinic))
    exported = [e for e in clinic.services.audit.entries("C101") if e.kind == "exported"]
    assert [(e.actor, e.via) for e in exported] == [("client", "/mydata")]


async def test_preview_shows_what_the_therapist_sees_without_quoting_the_note(
    clinic: Clinic,
) -> None:
    client, _ = await answered_clinic(clinic, share="Share")

    await client.send_command("preview")
    preview = await client.wait_for_message(lambda m: "preview" in (m.text or ""))

    shown = preview.text or ""
    assert "Tuesday, 24 November" in shown
    assert "Felt safe being open: 8" in shown
    assert "A useful way of working: skipped" in shown
    assert "Overall helpfulness: 9" in shown
    assert "shared, so your therapist sees it" in shown
    assert "rushed" not in shown  # the note is never echoed back
    assert preview.protect_content


async def test_preview_and_mydata_name_each_checkins_items_from_the_questionnaire_it_asked(
    clinic: Clinic,
) -> None:
    client, _ = await answered_clinic(clinic)
    raw = clinic.services.config.model_dump(exclude_none=True)
    raw["questionnaires"] = [session_check()]
    raw["clients"][0]["questionnaire"] = "session-check"
    clinic.reconfigure(ClinicConfig.model_validate(raw))

    await client.send_command("preview")
    before = await client.wait_for_message(lambda m: "preview" in (m.text or ""))
    assert "Felt safe being open: 8" in (before.text or "")  # the client's latest is on alliance-v1
    await clinic.advance(timedelta(days=7))  # a week on: the next Tuesday's check-in
    assert "Today I was listened to." in (client.last_message().text or "")
    await answer(client, ["4", "Skip", "2"])
    await client.send_command("preview")
    after = await client.wait_for_message(
        lambda m: "preview" in (m.text or "") and m.message_id != before.message_id
    )
    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)

    assert "Listened to: 4" in (after.text or "")
    assert "aims: skipped" in (after.text or "")  # an item without a short name: its key
    assert "Felt safe" not in (after.text or "")
    first, second = json.loads(sent.file_bytes or b"")["checkins"]
    assert first["questionnaire"] == "alliance-v1"
    assert first["answers"][0]["name"] == "Felt safe being open"
    assert second["questionnaire"] == "session-check"
    assert second["questionnaire_title"] == "Session check"
    assert [(a["item"], a["name"], a["value"]) for a in second["answers"]] == [
        ("heard", "Listened to", 4),
        ("aims", "aims", None),
        ("stuck", "stuck", 2),
    ]
    assert second["answers"][0]["question"] == "Today I was listened to."


async def test_preview_says_a_private_note_is_not_seen(clinic: Clinic) -> None:
    client, _ = await answered_clinic(clinic, share="Keep it private")

    await client.send_command("preview")
    preview = await client.wait_for_message(lambda m: "preview" in (m.text or ""))

    assert "kept private, so your therapist does not see it" in (preview.text or "")


async def test_preview_before_any_answer_says_there_is_nothing_yet(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    await client.send_command("preview")

    await client.wait_for_message(lambda m: "nothing to show yet" in (m.text or ""))


async def test_delete_asks_first_and_keeps_everything_when_told_no(clinic: Clinic) -> None:
    client, _ = await answered_clinic(clinic)

    await client.send_command("delete")
    question = await client.wait_for_message(lambda m: "Erase your data?" in (m.text or ""))
    answer_ = await client.tap(question, text="No, keep it")

    assert answer_.text == "Nothing was erased."
    assert counts(clinic, "C101") == (4, 1)
    assert AuditKind.DELETED not in _kinds(clinic)


async def test_delete_erases_the_clients_answers_and_notes_and_tells_the_therapist(
    clinic: Clinic,
) -> None:
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist)
    client, _ = await answered_clinic(clinic)

    await client.send_command("delete")
    question = await client.wait_for_message(lambda m: "Erase your data?" in (m.text or ""))
    await client.tap(question, text="Yes, erase everything")
    done = await client.wait_for_message(lambda m: "Your data is erased" in (m.text or ""))
    notice = await therapist.wait_for_message(lambda m: "erased" in (m.text or ""))

    assert done.message_id == question.message_id
    assert done.reply_markup is None
    assert "Client C101 has erased their answers and notes" in (notice.text or "")
    assert counts(clinic, "C101") == (0, 0)
    assert counts(clinic, "C102") == (4, 1)  # nobody else's data is touched
    out = io.StringIO()
    write_csv(clinic.services.database, out, include_private_notes=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows
    assert {r["client_code"] for r in rows} == {"C102"}
    await eventually(lambda: _kinds(clinic)[-1] == AuditKind.THERAPIST_NOTIFIED)
    deleted = [e for e in clinic.services.audit.entries("C101") if e.kind == "deleted"]
    assert [(e.actor, e.via, e.detail) for e in deleted] == [("client", "/delete", None)]

    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)
    assert json.loads(sent.file_bytes or b"")["checkins"] == []


async def test_the_database_holds_no_note_in_plaintext(clinic: Clinic) -> None:
    await answered_clinic(clinic)

    with clinic.services.database.transaction() as s:
        stored = s.scalars(text("SELECT text FROM notes")).all()
        decrypted = s.scalars(select(NoteRow.text).order_by(NoteRow.id)).all()
        answers = s.scalar(select(func.count()).select_from(AnswerRow))

    assert len(stored) == 2
    assert all(value.startswith("fernet:") for value in stored)
    assert not any("rushed" in value or "Another" in value for value in stored)
    assert decrypted == [NOTE, "Another client's note"]
    assert answers == 8


def _kinds(clinic: Clinic) -> list[str]:
    return [entry.kind for entry in clinic.services.audit.entries("C101")]
