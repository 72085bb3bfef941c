"""Planning, claiming and answering check-ins against real databases."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import ScalarSelect, func, select, update

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.flow import ItemAnswer, apply
from core.model import Checkin, CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from storage.tables import AnswerRow, CheckinRow, ClientRow

CHAT = 7001
LEASE = timedelta(minutes=5)
#: Wednesday 25 November 16:00 Berlin: Tuesday's 15:00 session's check-in is due at 15:50.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _active_client(database: Database, config: ClinicConfig, clock: FixedClock) -> People:
    people = People(database)
    people.sync(config)
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite("C101", Role.CLIENT, invite, clock.now())
    people.redeem(invite.token_hash, CHAT, clock.now())
    people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())
    return people


def _claimed(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> tuple[Checkins, Checkin]:
    """C101 consenting, their check-ins planned, and the first claimed the evening it is due."""
    _active_client(database, config, clock)
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(WEDNESDAY_EVENING)
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None
    return checkins, claimed


def _many_consenting(
    database: Database, config: ClinicConfig, clock: FixedClock, count: int, first_chat: int
) -> Checkins:
    """``count`` consenting clients C0, C1, ... like the config's first, their check-ins planned."""
    many = config.model_copy(
        update={"clients": [replace(config.clients[0], code=f"C{n}") for n in range(count)]}
    )
    people = People(database)
    people.sync(many)
    for n in range(count):
        invite = new_invite(clock.now(), timedelta(days=1))
        people.create_invite(f"C{n}", Role.CLIENT, invite, clock.now())
        people.redeem(invite.token_hash, first_chat + n, clock.now())
        people.decide_consent(first_chat + n, True, CONSENT_VERSION, clock.now())
    checkins = Checkins(database)
    plan_all(many, checkins, clock.now())
    return checkins


def _client_id(code: str) -> ScalarSelect[int]:
    return select(ClientRow.id).where(ClientRow.code == code).scalar_subquery()


def _count(database: Database, status: CheckinStatus | None = None) -> int:
    query = select(func.count()).select_from(CheckinRow)
    if status is not None:
        query = query.where(CheckinRow.status == status)
    with database.transaction() as s:
        return s.scalar(query) or 0


def test_planning_twice_stores_one_checkin_per_session(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    People(database).sync(config)
    checkins = Checkins(database)

    first = plan_all(config, checkins, clock.now())
    second = plan_all(config, checkins, clock.now())

    assert first.inserted > 0
    assert not second.changed
    assert _count(database) == first.inserted


def test_due_checkin_is_claimed_once_and_delivered(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    _active_client(database, config, clock)
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(WEDNESDAY_EVENING)

    claimed = checkins.claim_due(clock.now(), LEASE)

    assert claimed is not None
    assert claimed.client_code == "C101"
    assert claimed.session_start == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert checkins.claim_due(clock.now(), LEASE) is None
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now())
    opened = checkins.by_token(claimed.token)
    assert opened is not None
    assert opened.status is CheckinStatus.OPEN
    assert opened.message_id == 42


def test_nothing_is_claimed_before_consent(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    People(database).sync(config)
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(WEDNESDAY_EVENING)

    assert checkins.claim_due(clock.now(), LEASE) is None


def test_claim_left_by_a_dead_worker_is_given_back(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins, claimed = _claimed(database, config, clock)

    assert checkins.tidy(clock.now()).released == 0
    clock.advance(LEASE)
    assert checkins.tidy(clock.now()).released == 1
    again = checkins.claim_due(clock.now(), LEASE)
    assert again is not None
    assert again.id == claimed.id
    assert again.attempts == 2


def test_expiry_closes_delivered_as_expired_and_undelivered_as_unsent(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    People(database).sync(config)  # nobody enrolled: nothing can be delivered
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(datetime(2026, 11, 28, 16, 0, tzinfo=UTC))  # after 72 hours

    closed = checkins.tidy(clock.now()).closed

    assert closed == {
        CheckinStatus.UNSENT: 2,
        CheckinStatus.EXPIRED: 0,
    }  # C101's Tuesday session and C102's one-off session
    assert _count(database, CheckinStatus.UNSENT) == 2


def test_two_workers_claiming_at_once_never_share_a_checkin(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _many_consenting(database, config, clock, 40, first_chat=9000)
    now = WEDNESDAY_EVENING
    claimed: list[list[int]] = [[], []]

    def worker(index: int) -> None:  # batches of 3 and of 7: overlapping reads
        while batch := checkins.claim_due_batch(now, LEASE, 3 + 4 * index):
            claimed[index].extend(checkin.id for checkin in batch)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = claimed[0] + claimed[1]
    assert len(everything) == 40
    assert len(set(everything)) == 40


def test_a_batch_claims_the_oldest_due_checkins_first_and_each_once(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _many_consenting(database, config, clock, 5, first_chat=9100)
    with database.transaction() as s:  # C4's check-in fell due first, C0's last
        for n in range(5):
            s.execute(
                update(CheckinRow)
                .where(
                    CheckinRow.client_id == _client_id(f"C{n}"),
                    CheckinRow.due_at <= WEDNESDAY_EVENING,
                )
                .values(due_at=WEDNESDAY_EVENING - timedelta(minutes=n))
            )

    first = checkins.claim_due_batch(WEDNESDAY_EVENING, LEASE, 3)
    rest = checkins.claim_due_batch(WEDNESDAY_EVENING, LEASE, 3)

    assert [c.client_code for c in first] == ["C4", "C3", "C2"]
    assert [c.client_code for c in rest] == ["C1", "C0"]
    assert all(c.status is CheckinStatus.SENDING and c.attempts == 1 for c in first + rest)
    assert checkins.claim_due_batch(WEDNESDAY_EVENING, LEASE, 3) == []
    assert _count(database, CheckinStatus.SENDING) == 5


def test_double_tap_stores_one_answer(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins, claimed = _claimed(database, config, clock)
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now())
    opened = checkins.by_token(claimed.token)
    assert opened is not None
    decision = apply(DEFAULT_QUESTIONNAIRE, opened.step, ItemAnswer(0, 7))
    assert not isinstance(decision, str)

    assert checkins.advance(opened, decision, clock.now(), done=False)
    assert not checkins.advance(opened, decision, clock.now(), done=False)

    with database.transaction() as s:
        answers = s.execute(select(AnswerRow.item_key, AnswerRow.value)).all()
    assert [tuple(a) for a in answers] == [("bond", 7)]


def test_a_tap_that_arrives_before_the_send_is_recorded_opens_the_checkin_once(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins, claimed = _claimed(database, config, clock)

    adopted = checkins.adopt(claimed.id, CHAT, 42, clock.now())
    checkins.mark_sent(claimed.id, CHAT, 42, clock.now())  # the sender catches up: no change

    assert adopted is not None
    assert adopted.status is CheckinStatus.OPEN
    assert checkins.adopt(claimed.id, CHAT, 42, clock.now()) is None
    opened = checkins.by_token(claimed.token)
    assert opened is not None
    assert opened.status is CheckinStatus.OPEN
    assert opened.message_id == 42


BRIEF = {
    "key": "brief-3",
    "title": {"en": "Session check"},
    "scale": {"min": 1, "max": 5, "labels": {"en": {1: "Not at all", 5: "Completely"}}},
    "items": [{"key": "heard", "dimension": "bond", "text": {"en": "I felt heard."}}],
}


def test_a_client_moved_to_another_questionnaire_gets_it_on_every_unsent_checkin(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins, sent = _claimed(database, config, clock)
    checkins.mark_sent(sent.id, CHAT, 42, clock.now())
    raw = config.model_dump(exclude_none=True)
    raw["questionnaires"] = [BRIEF]
    raw["clients"][0]["questionnaire"] = "brief-3"
    switched = ClinicConfig.model_validate(raw)
    brief = switched.instruments.by_key["brief-3"]

    counts = plan_all(switched, checkins, clock.now())

    assert counts.moved > 0
    with database.transaction() as s:
        rows = s.execute(
            select(CheckinRow.id, CheckinRow.status, CheckinRow.questionnaire_version)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .where(ClientRow.code == "C101", CheckinRow.expires_at > clock.now())
        ).all()
    planned = {v for _id, status, v in rows if status == CheckinStatus.PLANNED}
    assert planned == {brief.version}
    opened = next(version for row_id, _s, version in rows if row_id == sent.id)
    assert opened == DEFAULT_QUESTIONNAIRE.version  # a sent check-in keeps what it asks
    assert not plan_all(switched, checkins, clock.now()).changed
