"""Repair confirmation end to end: a client shares a note, the therapist reads it in their
digest and taps Discussed, and the client's next check-in asks, after its items and without
quoting the note, whether it was taken up; "Not yet" is stored as the answer ``repair`` 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from storage.tables import AnswerRow, CheckinRow, FollowupRow
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic, shows_step

#: Wednesday 25 November 2026, 15:50 Berlin: Tuesday's check-in is due.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: A week later: the check-in of the session on Tuesday 1 December.
NEXT_DUE = DUE + timedelta(weeks=1)
NOTE = "I felt rushed <at the end> & want to talk about it"


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with repair confirmation on."""
    return clinic_config(repair_check=True)


def text_of(message: SandboxMessage) -> str:
    return message.text or ""


async def answer_items(client: SimUser, values: list[str]) -> SandboxMessage:
    """Tap each item's answer on the client's latest check-in; the message after the last."""
    checkin = client.last_message()
    for number, value in enumerate(values, start=2):
        await client.tap(checkin, text=value)
        if number <= len(values):
            await client.wait_for_message(partial(shows_step, number=number))
    return await client.wait_for_message(
        lambda m: m.message_id == checkin.message_id and " of 4" not in text_of(m)
    )


async def shared_and_discussed(clinic: Clinic) -> tuple[SimUser, SimUser, str]:
    """C101 answers and shares a note; T01 reads it in /digest and taps Discussed.
    The therapist, the client, and the Discussed button's callback data."""
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await clinic.enrol_therapist(therapist, "T01")
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 1
    note_prompt = await answer_items(client, ["8", "3", "Skip", "9"])
    assert "bring up next time" in text_of(note_prompt)  # nothing to follow up yet
    await client.send_text(NOTE)
    share = await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)
    await client.tap(share, text="Share")
    await client.wait_for_message(lambda m: "answers are saved" in text_of(m))

    clinic.clock.set(DUE + timedelta(days=2))
    await therapist.send_command("digest")
    digest = await therapist.wait_for_message(lambda m: "Discussed" in " ".join(m.button_labels))
    assert "I felt rushed" in text_of(digest)
    [data] = [b["callback_data"] for b in digest.buttons if "Discussed" in b["text"]]
    tapped = await therapist.tap(digest, text="Discussed")
    assert tapped.text == "Marked as discussed."
    return therapist, client, data


async def test_the_next_checkin_asks_whether_the_concern_was_taken_up(clinic: Clinic) -> None:
    _therapist, client, _data = await shared_and_discussed(clinic)

    clinic.clock.set(NEXT_DUE)
    assert (await clinic.tick()).sent == 1
    first = client.last_message()
    assert "question 1 of 4" in text_of(first)  # the items first, counted as before
    question = await answer_items(client, ["7", "7", "7", "7"])

    assert "you shared something for your therapist" in text_of(question)
    assert "taken up?" in text_of(question)
    assert question.button_labels == ["Yes", "Partly", "Not yet", "Skip"]
    pop_up = await client.tap(question, text="Not yet")
    assert pop_up.text == "Saved."
    prompt = await client.wait_for_message(lambda m: "bring up next time" in text_of(m))
    assert "“Not yet” is just as useful" in text_of(prompt)
    await client.tap(prompt, text="Skip")
    await client.wait_for_message(lambda m: "answers are saved" in text_of(m))

    assert all("rushed" not in (m.text or "") for m in client.messages())
    with clinic.services.database.transaction() as s:
        asked = s.scalars(select(CheckinRow).where(CheckinRow.due_at >= NEXT_DUE)).one()
        repair = s.execute(
            select(AnswerRow.item_key, AnswerRow.value).where(
                AnswerRow.checkin_id == asked.id, AnswerRow.item_key == "repair"
            )
        ).all()
        followup = s.scalars(select(FollowupRow).where(FollowupRow.kind == "concern")).one()
    assert asked.repair == "concern"
    assert asked.status == "completed"
    assert [tuple(r) for r in repair] == [("repair", 0)]
    assert followup.checkin_id == asked.id
    # the weekly digest went out in the same tick, after the check-in: its flag (goals 3)
    # waits for the check-in after this one
    waiting = clinic.services.followups.pending("C101")
    assert {f.kind for f in waiting} == {"flag"}
    assert "low_item" in {f.rule for f in waiting}


async def test_a_second_tap_on_discussed_raises_nothing_more(clinic: Clinic) -> None:
    therapist, _client, data = await shared_and_discussed(clinic)
    again = await therapist.tap_raw(therapist.last_message(), data)  # an old copy's button

    assert again.text == "Already saved. Nothing was changed."
    [raised] = clinic.services.followups.of_client("C101")
    assert (raised.kind, raised.checkin_id) == ("concern", None)
