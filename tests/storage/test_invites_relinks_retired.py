"""One person, one chat, on purpose: revoked invites, relinks, refusals and retired codes,
against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.audit import AuditKind
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE as Q
from storage.audit import Audit
from storage.database import Database
from storage.people import CodeRetiredError, People, Redeemed
from storage.tables import CheckinRow, ClientRow, InviteRow, RetiredCodeRow

OLD_CHAT = 5551001
NEW_CHAT = 5551002


def _invite(
    people: People, clock: FixedClock, code: str, role: Role = Role.CLIENT, relink: bool = False
) -> str:
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite(code, role, invite, clock.now(), relink=relink)
    return invite.token_hash


def _linked(database: Database, config: ClinicConfig, clock: FixedClock) -> People:
    """C101 linked to OLD_CHAT and consenting."""
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "C101"), OLD_CHAT, clock.now())
    people.decide_consent(OLD_CHAT, True, CONSENT_VERSION, clock.now())
    return people


def _checkin(database: Database, status: CheckinStatus, due_at: datetime) -> int:
    with database.transaction() as s:
        client_id = s.scalars(select(ClientRow.id).where(ClientRow.code == "C101")).one()
        row = CheckinRow(
            client_id=client_id,
            token=secrets.token_urlsafe(8),
            questionnaire=Q.key,
            questionnaire_version=Q.version,
            session_start=due_at - timedelta(days=1),
            session_end=due_at - timedelta(days=1) + timedelta(minutes=50),
            due_at=due_at,
            expires_at=due_at + timedelta(days=3),
            status=status,
        )
        s.add(row)
        s.flush()
        return row.id


def _status(database: Database, checkin_id: int) -> str:
    with database.transaction() as s:
        return s.scalars(select(CheckinRow.status).where(CheckinRow.id == checkin_id)).one()


def test_a_new_invite_revokes_the_older_unused_one(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    older = _invite(people, clock, "C101")
    newer = _invite(people, clock, "C101")

    assert people.redeem(older, OLD_CHAT, clock.now()).outcome is Redeemed.REVOKED
    assert people.redeem(newer, OLD_CHAT, clock.now()).outcome is Redeemed.LINKED


def test_revoking_without_issuing_makes_every_unused_invite_stop_working(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    token_hash = _invite(people, clock, "C101")

    assert people.revoke_invites("C101", Role.CLIENT, clock.now()) == 1
    assert people.redeem(token_hash, OLD_CHAT, clock.now()).outcome is Redeemed.REVOKED
    assert people.revoke_invites("C101", Role.CLIENT, clock.now()) == 0
    kinds = [e.kind for e in Audit(database).entries("C101")]
    assert kinds == [AuditKind.INVITES_REVOKED, AuditKind.INVITES_REVOKED]


def test_an_invite_for_a_linked_person_is_refused_in_another_chat(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    token_hash = _invite(people, clock, "C101")

    outcome = people.redeem(token_hash, NEW_CHAT, clock.now()).outcome

    assert outcome is Redeemed.LINKED_ELSEWHERE
    assert people.by_chat(NEW_CHAT) is None
    client = people.client("C101")
    assert client is not None
    assert (client.chat_id, client.status) == (OLD_CHAT, ClientStatus.ACTIVE)
    with database.transaction() as s:
        invite = s.scalars(select(InviteRow).where(InviteRow.token_hash == token_hash)).one()
        assert invite.used_at is None


def test_a_relink_moves_the_client_closes_open_checkins_and_asks_consent_again(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    open_id = _checkin(database, CheckinStatus.OPEN, clock.now() - timedelta(hours=1))

    redemption = people.redeem(_invite(people, clock, "C101", relink=True), NEW_CHAT, clock.now())

    assert redemption.outcome is Redeemed.LINKED
    assert redemption.replaced_chat == OLD_CHAT
    assert people.by_chat(OLD_CHAT) is None
    client = people.client("C101")
    assert client is not None
    assert (client.chat_id, client.status) == (NEW_CHAT, ClientStatus.AWAITING_CONSENT)
    assert _status(database, open_id) == CheckinStatus.EXPIRED
    assert AuditKind.RELINKED in [e.kind for e in Audit(database).entries("C101")]


def test_a_relink_invite_opened_in_the_same_chat_replaces_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)

    redemption = people.redeem(_invite(people, clock, "C101", relink=True), OLD_CHAT, clock.now())

    assert (redemption.outcome, redemption.replaced_chat) == (Redeemed.LINKED, None)
    client = people.client("C101")
    assert client is not None
    assert client.status is ClientStatus.ACTIVE


def test_a_therapist_relink_is_audited_and_names_the_old_chat(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)
    people.redeem(_invite(people, clock, "T01", Role.THERAPIST), OLD_CHAT, clock.now())
    plain = _invite(people, clock, "T01", Role.THERAPIST)
    assert people.redeem(plain, NEW_CHAT, clock.now()).outcome is Redeemed.LINKED_ELSEWHERE

    relink = _invite(people, clock, "T01", Role.THERAPIST, relink=True)
    redemption = people.redeem(relink, NEW_CHAT, clock.now())

    assert redemption.replaced_chat == OLD_CHAT
    therapist = people.therapist("T01")
    assert therapist is not None
    assert therapist.chat_id == NEW_CHAT
    relinked = [e for e in Audit(database).entries() if e.kind == AuditKind.RELINKED]
    assert [(e.therapist_code, e.actor) for e in relinked] == [("T01", "therapist")]


def test_a_code_that_leaves_the_config_and_comes_back_is_the_same_person(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    people.sync(config.model_copy(update={"clients": config.clients[1:]}))

    people.sync(config)

    client = people.client("C101")
    assert client is not None
    assert (client.chat_id, client.status) == (OLD_CHAT, ClientStatus.ACTIVE)


def test_retiring_unlinks_closes_revokes_and_is_audited(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    open_id = _checkin(database, CheckinStatus.OPEN, clock.now() - timedelta(hours=1))
    unused = _invite(people, clock, "C101", relink=True)

    retirement = people.retire("C101", Role.CLIENT, clock.now())

    assert retirement is not None
    assert (retirement.retired, retirement.unlinked_chat) == (True, OLD_CHAT)
    assert people.by_chat(OLD_CHAT) is None
    assert _status(database, open_id) == CheckinStatus.EXPIRED
    assert people.redeem(unused, NEW_CHAT, clock.now()).outcome is Redeemed.REVOKED
    assert people.retired_codes() == {"C101"}
    assert AuditKind.RETIRED in [e.kind for e in Audit(database).entries("C101")]
    with database.transaction() as s:
        assert s.scalars(select(RetiredCodeRow.role)).all() == ["client"]


def test_a_retired_code_is_never_invited_again_and_retiring_twice_changes_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    people.retire("C101", None, clock.now())

    with pytest.raises(CodeRetiredError):
        _invite(people, clock, "C101")
    again = people.retire("C101", None, clock.now())
    assert again is not None
    assert not again.retired
    people.sync(config)
    client = people.client("C101")
    assert client is not None
    assert (client.chat_id, client.status) == (None, ClientStatus.STOPPED)


def test_retiring_a_code_nobody_ever_had_finds_nothing(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = People(database)
    people.sync(config)

    assert people.retire("C999", None, clock.now()) is None
    assert people.retired_codes() == set()


def test_a_checkin_waits_when_one_is_open_or_due(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _linked(database, config, clock)
    later = _checkin(database, CheckinStatus.PLANNED, clock.now() + timedelta(days=2))
    assert not people.checkin_waiting(OLD_CHAT, clock.now())

    clock.advance(timedelta(days=2))

    assert people.checkin_waiting(OLD_CHAT, clock.now())
    assert _status(database, later) == CheckinStatus.PLANNED
