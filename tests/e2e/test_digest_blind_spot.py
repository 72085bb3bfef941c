"""A therapist with estimates on guesses how the client will rate a session; a client
answer well below it shows in /digest as a blind spot, both numbers side by side and the
mean gap in the footer. The real PTB application polls the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clinic import ClinicConfig
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic
from tests.e2e.test_estimates import C101_ENDED, asks_about, enrolled


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with therapists' estimates on."""
    return clinic_config(therapist_estimate=True)


async def test_a_client_answer_well_below_the_estimate_is_a_blind_spot_in_the_digest(
    clinic: Clinic,
) -> None:
    people = await enrolled(clinic)
    therapist = people["T01"]
    clinic.clock.set(C101_ENDED + timedelta(minutes=30))
    await clinic.tick()
    question = await therapist.wait_for_message(asks_about("C101"))
    c101_ten = str(question.buttons[10]["callback_data"])  # C101's block comes first
    await therapist.tap(question, data=c101_ten)
    await therapist.wait_for_message(lambda m: "C101: 10 ✓" in (m.text or ""))

    clinic.clock.set(C101_ENDED + timedelta(days=1))
    assert (await clinic.tick()).sent >= 1
    await clinic.answer(people["C101"], ["9", "9", "9", "7"], None)
    await therapist.send_command("digest")
    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))

    text = digest.text or ""
    # 7 is no low answer: only the gap to the estimate puts C101 under check in
    assert text.index("CHECK IN") < text.index("C101")
    assert "NEEDS ATTENTION" not in text
    assert (
        "Rated the session lower than you expected (a blind spot): Overall 7, you expected 10."
        in text
    )
    assert "nobody is being graded" in text
    assert "you expected 10 · client 7" in text
    assert (
        "on average 3.0 points above your clients' overall answers (sessions compared: 1)" in text
    )
