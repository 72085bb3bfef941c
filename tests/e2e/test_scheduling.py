"""Reminders, expiry, re-planning after config edits, and a restart after a long stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.clinic import ClinicConfig
from core.model import CheckinStatus
from sandbox import SandboxMessage, SimUser
from storage.tables import CheckinRow
from tests.e2e.conftest import Clinic

#: Wednesday 25 November 15:50 Berlin: a day after Tuesday's 15:00-15:50 session.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def edited(client: dict[str, Any] | None = None, **clinic: Any) -> ClinicConfig:
    """The test clinic with C101 changed by ``client`` and the clinic by ``clinic``."""
    c101 = {
        "code": "C101",
        "therapist": "T01",
        "sessions": {"weekly": [{"day": "tuesday", "time": "15:00"}]},
        **(client or {}),
    }
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Riverside Counselling",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "In an emergency call 112."},
                **clinic,
            },
            "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
            "clients": [c101, {"code": "C102", "therapist": "T01"}],
        }
    )


def statuses(clinic: Clinic) -> dict[datetime, str]:
    with clinic.services.database.transaction() as s:
        found = s.execute(select(CheckinRow.session_start, CheckinRow.status))
        return {start: status for start, status in found}


def reminders(user: SimUser) -> list[SandboxMessage]:
    return [m for m in user.messages() if "still open" in (m.text or "")]


async def enrolled(clinic: Clinic) -> SimUser:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    return client


async def test_an_unanswered_checkin_gets_one_reminder_a_day_later_then_closes(
    clinic: Clinic,
) -> None:
    client = await enrolled(clinic)
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 1
    checkin = client.last_message()

    assert (await clinic.advance(timedelta(hours=23, minutes=59))).reminded == 0
    report = await clinic.advance(timedelta(minutes=1))

    assert report.reminded == 1
    [reminder] = reminders(client)
    assert reminder.protect_content
    assert "Wednesday" not in (reminder.text or "")  # it names the session day, Tuesday
    assert "Tuesday, 24 November" in (reminder.text or "")
    assert "Saturday, 28 November, 15:50" in (reminder.text or "")  # closes, local time
    assert (await clinic.advance(timedelta(hours=24))).reminded == 0
    assert len(reminders(client)) == 1

    report = await clinic.advance(timedelta(hours=24))  # 72 hours after due
    assert report.closed >= 1
    assert report.reminded == 0
    assert statuses(clinic)[TUESDAY] == CheckinStatus.EXPIRED
    answer = await client.tap(checkin, text="7")
    assert answer.text == "This check-in has closed."
    closed = await client.wait_for_message(lambda m: "has closed" in (m.text or ""))
    assert closed.reply_markup is None


async def test_a_started_checkin_gets_no_reminder(clinic: Clinic) -> None:
    client = await enrolled(clinic)
    clinic.clock.set(DUE)
    await clinic.tick()
    await client.tap(client.last_message(), text="8")

    report = await clinic.advance(timedelta(hours=25))

    assert report.reminded == 0
    assert reminders(client) == []


async def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(clinic: Clinic) -> None:
    client = await enrolled(clinic)
    clinic.reconfigure(edited(timing={"reminder_after_hours": 30}))  # 15:50 + 30 h = 21:50
    clinic.clock.set(DUE)
    await clinic.tick()

    clinic.clock.set(DUE + timedelta(hours=30))
    assert (await clinic.tick()).reminded == 0
    clinic.clock.set(datetime(2026, 11, 27, 7, 59, tzinfo=UTC))  # 08:59 Berlin
    assert (await clinic.tick()).reminded == 0
    clinic.clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    assert (await clinic.tick()).reminded == 1
    assert len(reminders(client)) == 1


async def test_a_config_edit_between_planning_and_sending_moves_the_pending_checkin(
    clinic: Clinic,
) -> None:
    client = await enrolled(clinic)

    counts = clinic.reconfigure(edited(timing={"delay": "2d"}))

    assert counts.moved >= 1
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 0
    report = await clinic.advance(timedelta(days=1))
    assert report.sent == 1
    assert "question 1 of 4" in (client.last_message().text or "")


async def test_a_session_removed_from_the_config_sends_nothing_and_a_sent_one_stays_open(
    clinic: Clinic,
) -> None:
    client = await enrolled(clinic)
    clinic.clock.set(DUE)
    await clinic.tick()  # the 24 November check-in is sent

    clinic.reconfigure(edited(client={"sessions": {"dates": ["2026-12-10T15:00"]}}))

    found = statuses(clinic)
    assert found[TUESDAY] == CheckinStatus.OPEN
    assert found[TUESDAY + timedelta(days=7)] == CheckinStatus.CANCELLED
    await client.tap(client.last_message(), text="6")  # the sent one can still be answered
    await client.wait_for_message(lambda m: "question 2 of 4" in (m.text or ""))
    report = await clinic.advance(timedelta(days=7))  # 2 December: no session on 1 December
    assert report.sent == 0


async def test_a_client_who_moves_zone_gets_pending_checkins_at_their_new_local_time(
    clinic: Clinic,
) -> None:
    client = await enrolled(clinic)
    sessions = {"weekly": [{"day": "tuesday", "time": "15:00"}], "timezone": "therapist"}
    clinic.reconfigure(edited(client={"sessions": sessions}))

    clinic.reconfigure(edited(client={"sessions": sessions, "timezone": "Asia/Tokyo"}))

    # The session stays 15:00 Berlin; it ends at 23:50 in Tokyo, so the check-in would be due
    # at 23:50 Tokyo on Wednesday, in quiet hours: it comes at 09:00 Tokyo on Thursday.
    assert statuses(clinic)[TUESDAY] == CheckinStatus.PLANNED
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 0
    clinic.clock.set(datetime(2026, 11, 25, 23, 59, tzinfo=UTC))
    assert (await clinic.tick()).sent == 0
    report = await clinic.advance(timedelta(minutes=1))  # 09:00 Thursday in Tokyo
    assert report.sent == 1
    assert "Tuesday, 24 November" in (client.last_message().text or "")


async def test_after_a_long_stop_expired_are_missed_and_due_are_sent_once_by_day(
    clinic: Clinic,
) -> None:
    client = await enrolled(clinic)
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 1  # then the bot stops for a week

    clinic.clock.set(datetime(2026, 12, 2, 22, 30, tzinfo=UTC))  # back at 23:30 Berlin
    clinic.plan()
    report = await clinic.tick()

    assert statuses(clinic)[TUESDAY] == CheckinStatus.EXPIRED  # delivered, never answered
    assert report.sent == 0  # 1 December's check-in is due, but not at night
    assert report.reminded == 0
    clinic.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    assert (await clinic.tick()).sent == 1
    assert (await clinic.tick()).sent == 0
    assert "Tuesday, 1 December" in (client.last_message().text or "")
    assert reminders(client) == []


async def test_after_a_stop_a_reminder_that_fell_due_meanwhile_is_dropped(clinic: Clinic) -> None:
    client = await enrolled(clinic)
    clinic.clock.set(DUE)
    await clinic.tick()  # sent; the reminder would be due 26 November 15:50

    clinic.clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # back after two days
    clinic.plan()
    report = await clinic.tick()

    assert report.stale == 1
    assert report.reminded == 0
    assert (await clinic.advance(timedelta(hours=24))).reminded == 0
    assert reminders(client) == []
    assert statuses(clinic)[TUESDAY] == CheckinStatus.OPEN
