"""Closing the loop under the client's rights, through the real bot: after "Not yet" to a
repair follow-up, /preview and /mydata show the answer named for what it followed up
(never the note), neither shows the therapist's estimate, and /delete erases the
follow-ups and estimates with the answers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clinic import ClinicConfig
from core.estimate import EstimateStatus
from sandbox import SimUser
from storage.tables import CheckinRow, EstimateRow, FollowupRow, TherapistRow
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic
from tests.e2e.test_repair_confirmation import NEXT_DUE, answer_items, shared_and_discussed


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with repair confirmation on."""
    return clinic_config(repair_check=True)


async def answered_not_yet(clinic: Clinic) -> SimUser:
    """C101 shared a note, T01 tapped Discussed, the next check-in asked the follow-up and
    C101 answered Not yet; T01 had estimated that session at 9 before it went out."""
    _therapist, client, _data = await shared_and_discussed(clinic)
    with clinic.services.database.transaction() as s:
        therapist = s.scalars(select(TherapistRow.id)).one()
        checkin = s.scalars(select(CheckinRow.id).where(CheckinRow.due_at == NEXT_DUE)).one()
        at = NEXT_DUE - timedelta(hours=23)
        s.add(
            EstimateRow(
                checkin_id=checkin,
                therapist_id=therapist,
                token="estimate-1",
                status=EstimateStatus.ANSWERED,
                value=9,
                asked_at=at,
                answered_at=at,
            )
        )
    clinic.clock.set(NEXT_DUE)
    assert (await clinic.tick()).sent == 1
    question = await answer_items(client, ["7", "7", "7", "7"])
    await client.tap(question, text="Not yet")
    prompt = await client.wait_for_message(lambda m: "bring up next time" in (m.text or ""))
    await client.tap(prompt, text="Skip")
    await client.wait_for_message(lambda m: "answers are saved" in (m.text or ""))
    return client


async def test_preview_and_mydata_show_the_repair_answer_and_never_the_estimate(
    clinic: Clinic,
) -> None:
    client = await answered_not_yet(clinic)

    await client.send_command("preview")
    preview = await client.wait_for_message(lambda m: "preview" in (m.text or ""))
    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)

    shown = preview.text or ""
    assert "Whether what you raised was taken up: Not yet" in shown
    assert "rushed" not in shown
    assert "9" not in shown.replace("2026", "")  # never the therapist's estimate
    data = json.loads(sent.file_bytes or b"")
    latest = data["checkins"][-1]
    assert latest["answers"][-1]["item"] == "repair"
    assert latest["answers"][-1]["answer"] == "Not yet"
    assert "estimate" not in json.dumps(data)
    kinds = [(f["kind"], f["asked_in_session"] is not None) for f in data["follow_ups"]]
    assert ("concern", True) in kinds
    assert all("rushed" not in (m.text or "") for m in client.messages())
    assert all("estimate" not in (m.text or "").lower() for m in client.messages())


async def test_delete_erases_the_follow_ups_and_the_estimates_too(clinic: Clinic) -> None:
    client = await answered_not_yet(clinic)

    await client.send_command("delete")
    question = await client.wait_for_message(lambda m: "Erase your data?" in (m.text or ""))
    await client.tap(question, text="Yes, erase everything")
    await client.wait_for_message(lambda m: "Your data is erased" in (m.text or ""))

    with clinic.services.database.transaction() as s:
        left = [s.scalar(select(func.count()).select_from(t)) for t in (FollowupRow, EstimateRow)]
    assert left == [0, 0]
    await client.send_command("mydata")
    sent = await client.wait_for_message(lambda m: m.document is not None)
    data = json.loads(sent.file_bytes or b"")
    assert (data["checkins"], data["follow_ups"]) == ([], [])
