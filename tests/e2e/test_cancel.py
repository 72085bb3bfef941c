"""/cancel: a therapist cancels a session so no check-in follows; nobody else can."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.model import CheckinStatus
from sandbox import SimUser
from storage.tables import CheckinRow
from tests.e2e.conftest import Clinic

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


async def therapist(clinic: Clinic) -> SimUser:
    user = clinic.sandbox.user(2001)
    await clinic.enrol_therapist(user)
    return user


def status(clinic: Clinic, start: datetime) -> str:
    with clinic.services.database.transaction() as s:
        return s.scalars(select(CheckinRow.status).where(CheckinRow.session_start == start)).one()


async def test_a_therapist_cancels_the_next_session_and_no_checkin_follows(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    doctor = await therapist(clinic)

    await doctor.send_command("cancel", "C101")
    answer = await doctor.wait_for_message(lambda m: "Cancelled" in (m.text or ""))

    assert "C101 on Tuesday, 24 November, 15:00" in (answer.text or "")
    assert status(clinic, TUESDAY) == CheckinStatus.CANCELLED
    clinic.plan()  # a reload of the config keeps it cancelled
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 0
    assert status(clinic, TUESDAY) == CheckinStatus.CANCELLED
    report = await clinic.advance(timedelta(days=7))  # the next Tuesday's check-in still comes
    assert report.sent == 1


async def test_a_session_that_did_not_happen_is_cancelled_by_its_date(clinic: Clinic) -> None:
    clinic.plan()
    doctor = await therapist(clinic)
    clinic.clock.set(TUESDAY + timedelta(hours=2))  # the client did not come today

    await doctor.send_command("cancel", "C101 2026-11-24")
    await doctor.wait_for_message(lambda m: "Tuesday, 24 November" in (m.text or ""))
    assert status(clinic, TUESDAY) == CheckinStatus.CANCELLED

    await doctor.send_command("cancel", "C101 2026-11-25")
    none = await doctor.wait_for_message(lambda m: "no session" in (m.text or ""))
    assert "C101 on 2026-11-25" in (none.text or "")
    await doctor.send_command("cancel", "C101 tomorrow")
    usage = await doctor.wait_for_message(lambda m: "/cancel C101 2026-11-24" in (m.text or ""))
    assert usage.text


async def test_only_the_clients_own_therapist_can_cancel(clinic: Clinic) -> None:
    clinic.plan()
    doctor = await therapist(clinic)
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    stranger = clinic.sandbox.user(6001)

    await doctor.send_command("cancel", "C999")
    refused = await doctor.wait_for_message(lambda m: "not one of your clients" in (m.text or ""))
    await client.send_command("cancel", "C101")
    told = await client.wait_for_message(lambda m: "for therapists" in (m.text or ""))
    await stranger.send_command("cancel", "C101")
    await stranger.wait_for_message(lambda m: "for therapists" in (m.text or ""))

    assert "C999" in (refused.text or "")
    await doctor.send_command("help")
    await doctor.wait_for_message(lambda m: "/cancel C101 2026-11-24" in (m.text or ""))
    assert "real time" in (told.text or "")
    assert status(clinic, TUESDAY) == CheckinStatus.PLANNED
