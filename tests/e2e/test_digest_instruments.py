"""A client moved to the clinic's own 1-5 questionnaire: the therapist's /history, digest and
charts name its items, read it on its scale, and say when the instrument changed."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic
from tests.e2e.test_digests import CHECKINS_DUE

BRIEF_5: dict[str, Any] = {
    "key": "brief-5",
    "title": {"en": "Session check"},
    "scale": {"min": 1, "max": 5, "labels": {"en": {1: "Not at all", 5: "Completely"}}},
    "items": [
        {"key": "heard", "dimension": "bond", "text": {"en": "I felt heard."}},
        {
            "key": "judged",
            "dimension": "bond",
            "text": {"en": "I felt judged."},
            "short": {"en": "Judged"},
            "reverse": True,
        },
        {"key": "energy", "dimension": "other", "text": {"en": "I left with energy."}},
    ],
}


def with_brief_5(*, c101: bool) -> ClinicConfig:
    """The test clinic with the 1-5 questionnaire, answered by C101 if ``c101``."""
    data = clinic_config().model_dump(exclude_none=True)
    data["questionnaires"] = [BRIEF_5]
    if c101:
        data["clients"][0]["questionnaire"] = "brief-5"
    return ClinicConfig.model_validate(data)


@pytest.fixture
def config() -> ClinicConfig:
    """C101 and C102 on the built-in questionnaire; the clinic's own one defined."""
    return with_brief_5(c101=False)


def shows(step: str, message: SandboxMessage) -> bool:
    """Whether a check-in message has come to ``step``."""
    return step in (message.text or "")


async def answer_brief_5(user: SimUser, values: list[str]) -> None:
    """Tap the three answers of a brief-5 check-in, then skip the note."""
    checkin = user.last_message()
    for number, value in enumerate(values, start=1):
        await user.tap(checkin, text=value)
        step = f"question {number + 1} of 3" if number < len(values) else "bring up next time"
        await user.wait_for_message(partial(shows, step))
    await user.tap(checkin, text="Skip")
    await user.wait_for_message(lambda m: "answers are saved" in (m.text or ""))


async def test_history_and_digest_follow_the_clients_switch_to_a_1_to_5_questionnaire(
    clinic: Clinic,
) -> None:
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist, "T01")
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    await client.wait_for_message(lambda m: "first check-in" in (m.text or ""))
    clinic.plan()
    clinic.clock.set(CHECKINS_DUE)
    await clinic.tick()
    await clinic.answer(client, ["9", "9", "9", "9"])

    clinic.reconfigure(with_brief_5(c101=True))
    await clinic.advance(timedelta(weeks=1))  # also sends Monday's digest, a day late
    assert "question 1 of 3" in (client.last_message().text or "")
    monday = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    assert "C101 · no answers yet (active)\nQuestionnaire changed on Tue 1 Dec" in (
        monday.text or ""
    )
    await answer_brief_5(client, ["2", "5", "3"])

    await therapist.send_command("history", "C101")
    history = await therapist.wait_for_message(lambda m: "Recent check-ins" in (m.text or ""))
    text = history.text or ""
    assert "Tue 1 Dec · heard 2 · Judged (reverse-scored) 1 · energy 3" in text
    assert (
        "Questionnaire changed on Tue 1 Dec: Alliance check-in (built in) → Session check" in text
    )
    assert "Earlier, on Alliance check-in (built in):\nTue 24 Nov · Bond 9 · Goals 9" in text
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    assert "1–5" in (chart.caption or "")

    await therapist.send_command("digest")
    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    text = digest.text or ""
    assert "Low answer: heard 2; Judged (reverse-scored) 1; energy 3." in text
    assert "Before, on Alliance check-in (built in): Bond 9 · Goals 9 · Tasks 9 · Overall 9" in text
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    assert "(1–5)" in (chart.caption or "")
