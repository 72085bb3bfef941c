"""A therapist with estimates on is asked soon after each session how the client will rate
it, saves a guess with one tap, and a tap after the client's check-in went out stores
nothing. The real PTB application polls the sandbox; a FixedClock stands in for the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from storage.tables import CheckinRow, ClientRow, EstimateRow
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic

#: Tuesday 24 November 2026 (Berlin): C102's session 10:00-10:50, C101's 15:00-15:50.
C102_ENDED = datetime(2026, 11, 24, 9, 50, tzinfo=UTC)
C101_ENDED = datetime(2026, 11, 24, 14, 50, tzinfo=UTC)
#: Wednesday 25 November, 10:50 Berlin: C102's check-in is due.
C102_CHECKIN_DUE = C102_ENDED + timedelta(days=1)


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with therapists' estimates on."""
    return clinic_config(therapist_estimate=True)


def asks_about(code: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: f"How do you think {code} will rate" in (m.text or "")


def stored(clinic: Clinic) -> dict[str, tuple[str, int | None]]:
    """Each estimate's status and value, by client code."""
    query = (
        select(ClientRow.code, EstimateRow.status, EstimateRow.value)
        .join(CheckinRow, CheckinRow.id == EstimateRow.checkin_id)
        .join(ClientRow, ClientRow.id == CheckinRow.client_id)
    )
    with clinic.services.database.transaction() as s:
        return {code: (status, value) for code, status, value in s.execute(query)}


async def enrolled(clinic: Clinic) -> dict[str, SimUser]:
    people = {"T01": clinic.sandbox.user(3001)}
    await clinic.enrol_therapist(people["T01"], "T01")
    for n, code in [(1001, "C101"), (1002, "C102")]:
        people[code] = clinic.sandbox.user(n)
        await clinic.enrol(people[code], code)
        await people[code].wait_for_message(lambda m: "first check-in" in (m.text or ""))
    clinic.plan()
    return people


async def test_the_therapist_estimates_after_the_session_and_a_late_tap_stores_nothing(
    clinic: Clinic,
) -> None:
    people = await enrolled(clinic)
    therapist = people["T01"]

    clinic.clock.set(C102_ENDED + timedelta(minutes=29))
    assert (await clinic.tick()).estimates == 0
    clinic.clock.set(C102_ENDED + timedelta(minutes=30))
    assert (await clinic.tick()).estimates == 1
    about_c102 = await therapist.wait_for_message(asks_about("C102"))
    assert "today's session overall" in (about_c102.text or "")
    assert about_c102.button_labels == [*map(str, range(11)), "Skip C102"]

    clinic.clock.set(C101_ENDED + timedelta(minutes=30))
    assert (await clinic.tick()).estimates == 1
    about_c101 = await therapist.wait_for_message(asks_about("C101"))
    pop_up = await therapist.tap(about_c101, text="7")
    assert pop_up.text == "Saved: 7."
    edited = await therapist.wait_for_message(lambda m: "C101: 7 ✓" in (m.text or ""))
    assert edited.message_id == about_c101.message_id
    assert edited.button_labels == []

    clinic.clock.set(C102_CHECKIN_DUE)
    assert (await clinic.tick()).sent == 1  # C102's check-in goes out: too late to guess
    pop_up = await therapist.tap(about_c102, text="4")
    assert pop_up.text is not None
    assert "Nothing was saved" in pop_up.text
    closed = await therapist.wait_for_message(lambda m: "C102: closed" in (m.text or ""))
    assert closed.button_labels == []
    assert stored(clinic) == {"C101": ("answered", 7), "C102": ("closed", None)}


async def test_estimates_due_together_share_a_message_and_a_strangers_tap_changes_nothing(
    clinic: Clinic,
) -> None:
    people = await enrolled(clinic)
    clinic.clock.set(C101_ENDED + timedelta(minutes=30))  # C102's is due too, not asked yet
    assert (await clinic.tick()).estimates == 2
    question = await people["T01"].wait_for_message(asks_about("C101"))
    assert "How do you think C102 will rate" in (question.text or "")
    labels = question.button_labels
    assert labels == [*map(str, range(11)), "Skip C101", *map(str, range(11)), "Skip C102"]
    c101_seven = str(question.buttons[7]["callback_data"])

    client = people["C101"]
    pop_up = await client.tap_raw(client.last_message(), c101_seven)

    assert pop_up.text == "This button is not for you."
    assert stored(clinic) == {"C101": ("open", None), "C102": ("open", None)}
