"""Enrolment and consent against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import ClientRecord, ClientStatus, TherapistRecord
from storage.database import Database
from storage.people import People, Redeemed
from storage.tables import ConsentRow, InviteRow

CHAT = 5551001
OTHER_CHAT = 5551002


def _invite(people: People, clock: FixedClock, code: str, role: Role = Role.CLIENT) -> str:
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite(code, role, invite, clock.now())
    return invite.token_hash


def test_invite_links_the_chat_and_asks_for_consent(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    token_hash = _invite(people, clock, "C101")

    redemption = people.redeem(token_hash, CHAT, clock.now())

    assert redemption.outcome is Redeemed.LINKED
    assert isinstance(redemption.person, ClientRecord)
    assert redemption.person.code == "C101"
    assert redemption.person.status is ClientStatus.AWAITING_CONSENT
    assert people.by_chat(CHAT) == redemption.person


def test_invite_is_single_use(database: Database, config: ClinicConfig, clock: FixedClock) -> None:
    people = People(database)
    people.sync(config)
    token_hash = _invite(people, clock, "C101")
    people.redeem(token_hash, CHAT, clock.now())

    again = people.redeem(token_hash, OTHER_CHAT, clock.now())

    assert again.outcome is Redeemed.USED
    assert people.by_chat(OTHER_CHAT) is None


def test_expired_invite_links_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    token_hash = _invite(people, clock, "C101")
    clock.advance(timedelta(days=14))

    assert people.redeem(token_hash, CHAT, clock.now()).outcome is Redeemed.EXPIRED
    assert people.by_chat(CHAT) is None


def test_unknown_token_links_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)

    assert people.redeem("0" * 64, CHAT, clock.now()).outcome is Redeemed.UNKNOWN


def test_a_chat_cannot_take_a_second_identity(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "C101"), CHAT, clock.now())
    second = _invite(people, clock, "C102")

    assert people.redeem(second, CHAT, clock.now()).outcome is Redeemed.CHAT_TAKEN
    with database.transaction() as s:
        unused = s.scalar(select(InviteRow).where(InviteRow.token_hash == second))
        assert unused is not None
        assert unused.used_at is None


def test_therapist_enrols_with_an_invite(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)

    redemption = people.redeem(_invite(people, clock, "T01", Role.THERAPIST), CHAT, clock.now())

    assert redemption.person == TherapistRecord(
        id=redemption.person.id if redemption.person else 0, code="T01", chat_id=CHAT
    )


def test_consent_is_recorded_with_its_version_and_time(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "C101"), CHAT, clock.now())

    assert people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())
    assert not people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())

    client = people.client("C101")
    assert client is not None
    assert client.status is ClientStatus.ACTIVE
    with database.transaction() as s:
        consents = s.scalars(select(ConsentRow)).all()
        assert [(c.version, c.given, c.at) for c in consents] == [
            (CONSENT_VERSION, True, clock.now())
        ]


def test_blocked_client_is_unreachable_until_they_return(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "C101"), CHAT, clock.now())
    people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())

    people.set_reachable(CHAT, reachable=False)
    assert (client := people.client("C101"))
    assert client.status is ClientStatus.UNREACHABLE
    people.set_reachable(CHAT, reachable=True)
    assert (client := people.client("C101"))
    assert client.status is ClientStatus.ACTIVE


def test_sync_keeps_chat_links_and_retires_removed_people(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "C101"), CHAT, clock.now())
    smaller = config.model_copy(update={"clients": config.clients[:1]})

    people.sync(smaller)

    client = people.client("C101")
    assert client is not None
    assert client.chat_id == CHAT
    token_hash = _invite(people, clock, "C102")
    assert people.redeem(token_hash, OTHER_CHAT, clock.now()).outcome is Redeemed.GONE
