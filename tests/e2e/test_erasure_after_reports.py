"""/delete after the therapist has seen the notes: digests, briefs, /history, Discussed, alerts.

Erasure completes, the messages that quoted the client's notes are deleted from the
therapist's chat while Telegram allows it (48 hours), and the client is told exactly what
was erased and what their therapist may still see. When something fails, the tap is still
answered and the client is asked to try again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from core.audit import AuditKind
from sandbox import SandboxMessage, SimUser
from storage.tables import ConcernRow, TherapistMessageRow
from tests.e2e.conftest import Clinic, eventually
from tests.e2e.test_client_data import NOTE, answered_clinic, counts

#: Tuesday 1 December 2026, 14:00 Berlin: an hour before C101's next session, its brief.
BRIEF_TIME = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
TWO_DAYS = 48 * 3600


async def shown_to_the_therapist(
    clinic: Clinic, *, discuss: bool = True
) -> tuple[SimUser, SimUser, SandboxMessage]:
    """T01 enrolled; C101 and C102 shared notes; T01 asked /digest and /history C101 and
    (unless not to) tapped Discussed on C101's note. Returns the therapist, C101 and the
    history reply."""
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist)
    client, _ = await answered_clinic(clinic)
    await therapist.send_command("digest")
    await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    await therapist.send_command("history", "C101")
    history = await therapist.wait_for_message(lambda m: "Discussed" in " ".join(m.button_labels))
    if discuss:
        assert (await therapist.tap(history, text="Discussed")).text == "Marked as discussed."
    # Recorded just after Telegram accepted them: wait for that before the clock moves.
    await eventually(lambda: len(clinic.services.therapist_messages.for_client("C101")) == 2)
    return therapist, client, history


async def confirm_delete(client: SimUser) -> tuple[str | None, SandboxMessage]:
    """Send /delete, tap yes; the tap's answer and the outcome the question turns into."""
    await client.send_command("delete")
    question = await client.wait_for_message(lambda m: "Erase your data?" in (m.text or ""))
    answer = await client.tap(question, text="Yes, erase everything")
    outcome = await client.wait_for_message(
        lambda m: m.message_id == question.message_id and not m.buttons
    )
    return answer.text, outcome


def quoting(therapist: SimUser) -> list[SandboxMessage]:
    """The therapist's messages that still quote C101's note."""
    return [m for m in therapist.messages() if NOTE in (m.text or "")]


def rows(clinic: Clinic, table: type[ConcernRow] | type[TherapistMessageRow]) -> int:
    with clinic.services.database.transaction() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


async def test_delete_after_digest_history_and_discussed_erases_and_deletes_the_quotes(
    clinic: Clinic,
) -> None:
    therapist, client, _ = await shown_to_the_therapist(clinic)
    assert len(quoting(therapist)) == 2  # the digest part and the /history reply
    assert rows(clinic, ConcernRow) == 2

    tapped, outcome = await confirm_delete(client)

    assert tapped == "Erasing your data…"
    shown = outcome.text or ""
    assert "Answers erased: 4. Notes erased: 1." in shown
    assert "quoted your notes, now deleted from their chat: 2." in shown
    assert "could not be deleted" not in shown
    assert quoting(therapist) == []
    assert "Another client's note" not in " ".join(m.text or "" for m in therapist.messages())
    assert counts(clinic, "C101") == (0, 0)
    assert counts(clinic, "C102") == (4, 1)
    assert rows(clinic, ConcernRow) == 1  # C102's
    assert [r for r in clinic.services.therapist_messages.for_client("C101")] == []
    notice = await therapist.wait_for_message(lambda m: "has erased" in (m.text or ""))
    assert "C101" in (notice.text or "")


async def test_quotes_older_than_48_hours_are_counted_and_a_fresh_brief_is_deleted(
    clinic: Clinic,
) -> None:
    therapist, client, _ = await shown_to_the_therapist(clinic, discuss=False)
    days_ago = [m.message_id for m in quoting(therapist)]  # the digest part, /history reply
    clinic.clock.set(BRIEF_TIME)  # the brief, and the weekly digest of Monday, are due
    assert (await clinic.tick()).briefs == 1
    await therapist.wait_for_message(lambda m: "Before your session" in (m.text or ""))
    assert len(quoting(therapist)) == 4

    _, outcome = await confirm_delete(client)

    shown = outcome.text or ""
    assert "now deleted from their chat: 2." in shown
    assert "could not be deleted (Telegram allows it only within 48 hours): 2." in shown
    assert [m.message_id for m in quoting(therapist)] == days_ago
    assert clinic.services.therapist_messages.for_client("C101") == []


async def test_a_message_telegram_refuses_to_delete_is_counted_as_still_there(
    clinic: Clinic,
) -> None:
    therapist, client, history = await shown_to_the_therapist(clinic)
    history.date -= TWO_DAYS  # Telegram's clock says it is too old; the bot's does not

    _, outcome = await confirm_delete(client)

    shown = outcome.text or ""
    assert "now deleted from their chat: 1." in shown
    assert "could not be deleted (Telegram allows it only within 48 hours): 1." in shown
    assert [m.message_id for m in quoting(therapist)] == [history.message_id]


async def test_a_second_delete_finds_nothing_and_says_so(clinic: Clinic) -> None:
    _, client, _ = await shown_to_the_therapist(clinic)
    await confirm_delete(client)

    _, outcome = await confirm_delete(client)

    shown = outcome.text or ""
    assert "Answers erased: 0. Notes erased: 0." in shown
    assert "No message to your therapist quoted your notes." in shown


async def test_an_erasure_that_fails_answers_the_tap_and_asks_to_try_again(
    clinic: Clinic,
) -> None:
    therapist, client, _ = await shown_to_the_therapist(clinic)
    with clinic.services.database.transaction() as s:  # a row the note cannot leave behind
        s.execute(text("CREATE TABLE blocker (note_id INTEGER REFERENCES notes (id))"))
        s.execute(text("INSERT INTO blocker SELECT id FROM notes"))

    tapped, outcome = await confirm_delete(client)

    assert tapped == "Erasing your data…"
    assert "Your data was not erased" in (outcome.text or "")
    assert "send /delete again" in (outcome.text or "")
    assert counts(clinic, "C101") == (4, 1)
    assert len(quoting(therapist)) == 2  # nothing deleted when nothing was erased
    assert AuditKind.DELETED not in [e.kind for e in clinic.services.audit.entries("C101")]


async def test_mydata_that_cannot_be_sent_says_try_again_and_is_not_audited(
    clinic: Clinic,
) -> None:
    client, _ = await answered_clinic(clinic)
    # Refused, not a hiccup: a 5xx would be retried within the reply's budget and go out.
    clinic.sandbox.fail_next(
        "sendDocument", error_code=400, description="Bad Request: file is too big"
    )

    await client.send_command("mydata")

    await client.wait_for_message(lambda m: "send /mydata again" in (m.text or ""))
    assert AuditKind.EXPORTED not in [e.kind for e in clinic.services.audit.entries("C101")]
    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)
    assert json.loads(sent.file_bytes or b"")["client_code"] == "C101"
    await eventually(
        lambda: AuditKind.EXPORTED in [e.kind for e in clinic.services.audit.entries("C101")]
    )
