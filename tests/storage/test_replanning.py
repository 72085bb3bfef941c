"""Re-planning against real databases: edits reach unsent check-ins, sent ones stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import CheckinStatus
from scheduler.planning import Extra, plan_all
from storage.cancellations import Cancellations
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from storage.reminders import Reminders
from storage.tables import CheckinRow, ClientRow

CHAT = 7001
LEASE = timedelta(minutes=5)
TUESDAY_SESSION = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 Berlin
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


def config(client: dict[str, Any] | None = None, **clinic: Any) -> ClinicConfig:
    """One therapist and client C101 (Tuesdays 15:00 Berlin unless ``client`` says else)."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Riverside Counselling",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "Call 112."},
                **clinic,
            },
            "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
            "clients": [
                {
                    "code": "C101",
                    "therapist": "T01",
                    "sessions": {"weekly": [{"day": "tuesday", "time": "15:00"}]},
                    **(client or {}),
                }
            ],
        }
    )


def rows(database: Database) -> dict[datetime, CheckinRow]:
    with database.transaction() as s:
        return {r.session_start: r for r in s.scalars(select(CheckinRow))}


def enrol(database: Database, cfg: ClinicConfig, now: datetime) -> None:
    people = People(database)
    people.sync(cfg)
    invite = new_invite(now, timedelta(days=14))
    people.create_invite("C101", Role.CLIENT, invite, now)
    people.redeem(invite.token_hash, CHAT, now)
    people.decide_consent(CHAT, True, CONSENT_VERSION, now)


def test_a_changed_delay_moves_the_due_time_of_the_unsent_checkin(
    database: Database, clock: FixedClock
) -> None:
    People(database).sync(config())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())

    counts = plan_all(config(client={"timing": {"delay": "2d"}}), checkins, clock.now())

    row = rows(database)[TUESDAY_SESSION]
    assert counts.moved >= 1
    assert row.due_at == DUE + timedelta(days=1)
    assert row.status == CheckinStatus.PLANNED
    assert not plan_all(config(client={"timing": {"delay": "2d"}}), checkins, clock.now()).changed


def test_a_moved_session_drops_the_old_checkin_and_plans_one_for_the_new_time(
    database: Database, clock: FixedClock
) -> None:
    People(database).sync(config())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())

    moved = config(
        client={
            "sessions": {
                "weekly": [{"day": "tuesday", "time": "15:00"}],
                "rescheduled": [{"from": "2026-11-24", "to": "2026-11-26T11:00"}],
            }
        }
    )
    counts = plan_all(moved, checkins, clock.now())

    found = rows(database)
    assert found[TUESDAY_SESSION].status == CheckinStatus.CANCELLED
    thursday = found[datetime(2026, 11, 26, 10, 0, tzinfo=UTC)]
    assert thursday.status == CheckinStatus.PLANNED
    assert thursday.due_at == datetime(2026, 11, 27, 10, 50, tzinfo=UTC)
    assert (counts.cancelled, counts.inserted) == (1, 1)


def test_a_session_cancelled_and_then_restored_is_planned_again(
    database: Database, clock: FixedClock
) -> None:
    People(database).sync(config())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())
    cancelled = config(
        client={
            "sessions": {
                "weekly": [{"day": "tuesday", "time": "15:00"}],
                "cancelled": ["2026-11-24"],
            }
        }
    )
    plan_all(cancelled, checkins, clock.now())
    assert rows(database)[TUESDAY_SESSION].status == CheckinStatus.CANCELLED

    counts = plan_all(config(), checkins, clock.now())

    assert counts.revived == 1
    assert rows(database)[TUESDAY_SESSION].status == CheckinStatus.PLANNED


def test_a_sent_checkin_is_untouched_when_its_session_is_removed(
    database: Database, clock: FixedClock
) -> None:
    enrol(database, config(), clock.now())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())
    clock.set(DUE)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now())

    plan_all(config(client={"sessions": {"dates": ["2026-12-03T10:00"]}}), checkins, clock.now())

    row = rows(database)[TUESDAY_SESSION]
    assert row.status == CheckinStatus.OPEN
    assert row.due_at == DUE


def test_a_client_removed_from_the_config_has_their_pending_checkins_cancelled(
    database: Database, clock: FixedClock
) -> None:
    People(database).sync(config())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())
    other = config(client={"code": "C102"})
    People(database).sync(other)

    plan_all(other, checkins, clock.now())

    with database.transaction() as s:
        query = select(CheckinRow.status).join(ClientRow).where(ClientRow.code == "C101")
        statuses = set(s.scalars(query))
    assert statuses == {CheckinStatus.CANCELLED}


def test_a_session_cancelled_from_telegram_stays_cancelled_after_every_replan(
    database: Database, clock: FixedClock
) -> None:
    People(database).sync(config())
    checkins, cancellations = Checkins(database), Cancellations(database)
    plan_all(config(), checkins, clock.now())

    assert cancellations.add("C101", TUESDAY_SESSION, "T01", clock.now())
    assert not cancellations.add("C101", TUESDAY_SESSION, "T01", clock.now())
    assert not cancellations.add("C999", TUESDAY_SESSION, "T01", clock.now())
    for _ in range(2):
        plan_all(config(), checkins, clock.now(), Extra(cancelled=cancellations.by_client()))

    assert rows(database)[TUESDAY_SESSION].status == CheckinStatus.CANCELLED
    assert cancellations.by_client() == {"C101": frozenset({TUESDAY_SESSION})}


def test_a_due_reminder_is_claimed_once_and_recorded(database: Database, clock: FixedClock) -> None:
    enrol(database, config(), clock.now())
    checkins, reminders = Checkins(database), Reminders(database)
    plan_all(config(), checkins, clock.now())
    clock.set(DUE)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None
    remind_at = DUE + timedelta(hours=24)
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now(), remind_at)
    assert reminders.claim_due(remind_at - timedelta(seconds=1), LEASE) is None

    first = reminders.claim_due(remind_at, LEASE)
    second = reminders.claim_due(remind_at, LEASE)

    assert first is not None
    assert first.remind_at == remind_at
    assert second is None
    reminders.sent(first.id, remind_at, None)
    row = rows(database)[TUESDAY_SESSION]
    assert (row.reminders_sent, row.reminded_at, row.remind_at) == (1, remind_at, None)


def test_replanning_recomputes_a_pending_reminder_when_the_policy_changes(
    database: Database, clock: FixedClock
) -> None:
    enrol(database, config(), clock.now())
    checkins, reminders = Checkins(database), Reminders(database)
    plan_all(config(), checkins, clock.now(), reminders=reminders)
    clock.set(DUE)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now(), DUE + timedelta(hours=24))

    plan_all(config(timing={"reminder_after_hours": 28}), checkins, clock.now(), None, reminders)
    assert rows(database)[TUESDAY_SESSION].remind_at == DUE + timedelta(hours=28)
    plan_all(config(timing={"reminder_after_hours": 30}), checkins, clock.now(), None, reminders)
    # 30 hours after 15:50 is 21:50, in quiet hours: the reminder waits until 09:00.
    assert rows(database)[TUESDAY_SESSION].remind_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    plan_all(config(timing={"max_reminders": 0}), checkins, clock.now(), None, reminders)
    assert rows(database)[TUESDAY_SESSION].remind_at is None


def test_a_tap_while_the_send_is_still_being_recorded_opens_the_checkin_once(
    database: Database, clock: FixedClock
) -> None:
    enrol(database, config(), clock.now())
    checkins = Checkins(database)
    plan_all(config(), checkins, clock.now())
    clock.set(DUE)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None

    adopted = checkins.adopt(claimed.id, CHAT, 42, clock.now())  # the client tapped already
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now(), DUE + timedelta(hours=24))
    checkins.retry_later(claimed.id, DUE + timedelta(minutes=1), "TimedOut")

    assert adopted is not None
    assert adopted.status is CheckinStatus.OPEN
    row = rows(database)[TUESDAY_SESSION]
    assert (row.status, row.message_id) == (CheckinStatus.OPEN, 42)
    assert row.remind_at == DUE + timedelta(hours=24)
