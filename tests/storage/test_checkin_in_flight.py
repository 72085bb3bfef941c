"""A tap that arrives while its check-in's send is still in flight is not lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import CheckinStatus
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People

CHAT = 7001
LEASE = timedelta(minutes=5)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_a_tap_during_the_send_opens_the_checkin_and_the_late_record_changes_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite("C101", Role.CLIENT, invite, clock.now())
    people.redeem(invite.token_hash, CHAT, clock.now())
    people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(WEDNESDAY_EVENING)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None

    adopted = checkins.adopt(claimed.id, CHAT, 42, clock.now())
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now())  # the send's own record, late
    checkins.retry_later(claimed.id, clock.now(), "TimedOut")  # or its timeout

    assert adopted is not None
    assert adopted.status is CheckinStatus.OPEN
    opened = checkins.by_token(claimed.token)
    assert opened is not None
    assert (opened.status, opened.message_id) == (CheckinStatus.OPEN, 42)
    assert checkins.tidy(clock.now() + LEASE).released == 0
