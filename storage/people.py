"""Therapists and clients: syncing them from the config, invites, chat links and consent."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.audit import Actor, AuditKind
from core.clinic import ClinicConfig
from core.enrolment import Invite, Role
from core.model import CheckinStatus, ClientRecord, ClientStatus, TherapistRecord
from storage.audit import add_entry
from storage.database import Database
from storage.engine import update_rows
from storage.invites import (
    CodeRetiredError,
    Redeemed,
    Redemption,
    is_retired,
    link,
    person_by_chat,
    person_by_code,
    refusal,
    revoke_unused,
)
from storage.retired import Retirement, retire, retired_codes
from storage.tables import CheckinRow, ClientRow, ConsentRow, InviteRow, TherapistRow

__all__ = ["CodeRetiredError", "People", "Redeemed", "Redemption", "Retirement", "client_record"]


#: Rows per multi-row INSERT or executemany UPDATE when syncing clients.
_ROWS_PER_STATEMENT = 1000


def _sync_clients(s: Session, config: ClinicConfig) -> None:
    """Make the client rows match the config as plain rows: a clinic network's 100,000
    clients as ORM objects held a few hundred MB for the length of the sync."""
    stored = {
        code: (client_id, therapist, timezone, language, in_config)
        for client_id, code, therapist, timezone, language, in_config in s.execute(
            select(
                ClientRow.id,
                ClientRow.code,
                ClientRow.therapist_code,
                ClientRow.timezone,
                ClientRow.language,
                ClientRow.in_config,
            )
        )
    }
    new: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for client in config.clients:
        wanted = {
            "therapist_code": client.therapist,
            "timezone": client.timezone or config.clinic.timezone,
            "language": config.client_language(client),
            "in_config": True,
        }
        row = stored.pop(client.code, None)
        if row is None:
            new.append(wanted | {"code": client.code, "status": ClientStatus.NOT_ENROLLED})
        elif row[1:] != tuple(wanted.values()):
            changed.append(wanted | {"b_id": row[0]})
    changed += [
        {
            "b_id": row[0],
            "therapist_code": row[1],
            "timezone": row[2],
            "language": row[3],
            "in_config": False,
        }
        for row in stored.values()
        if row[4]
    ]
    for start in range(0, len(new), _ROWS_PER_STATEMENT):
        s.execute(insert(ClientRow), new[start : start + _ROWS_PER_STATEMENT])
    for start in range(0, len(changed), _ROWS_PER_STATEMENT):
        s.connection().execute(_UPDATE_CLIENT, changed[start : start + _ROWS_PER_STATEMENT])


_CLIENTS = cast(Table, ClientRow.__table__)
#: Executed with rows of new values: the SET clause takes the columns each row names.
_UPDATE_CLIENT = update(_CLIENTS).where(_CLIENTS.c.id == bindparam("b_id"))


class People:
    """Intent-named queries about the people the bot serves."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def sync(self, config: ClinicConfig) -> None:
        """Make the therapist and client rows match the config; keep their chat links."""
        with self._db.transaction() as s:
            therapists = {row.code: row for row in s.scalars(select(TherapistRow))}
            for therapist in config.therapists:
                row = therapists.pop(therapist.code, None) or TherapistRow(code=therapist.code)
                row.timezone = therapist.timezone or config.clinic.timezone
                row.in_config = True
                s.add(row)
            for gone in therapists.values():
                gone.in_config = False
            _sync_clients(s, config)

    def create_invite(
        self,
        code: str,
        role: Role,
        invite: Invite,
        now: datetime,
        *,
        relink: bool = False,
        audited_as: tuple[Actor, str] | None = None,
    ) -> int:
        """Store a new invite's hash for ``code`` and revoke its older unused invites.

        With ``audited_as`` (who, through which command), the invite is audited: a
        therapist's ``/invite`` is. Returns how many were revoked. A retired code raises
        ``CodeRetiredError``.
        """
        with self._db.transaction() as s:
            if is_retired(s, code):
                raise CodeRetiredError(code)
            revoked = revoke_unused(s, code, now)
            if audited_as is not None:
                client, therapist = _codes(code, role)
                actor, via = audited_as
                add_entry(s, AuditKind.INVITED, now, actor, client, therapist, via)
            s.add(
                InviteRow(
                    token_hash=invite.token_hash,
                    code=code,
                    role=role.value,
                    created_at=now,
                    expires_at=invite.expires_at,
                    relink=relink,
                )
            )
            return revoked

    def revoke_invites(self, code: str, role: Role, now: datetime) -> int:
        """Revoke every unused invite of ``code`` without issuing a new one; how many."""
        with self._db.transaction() as s:
            revoked = revoke_unused(s, code, now)
            client, therapist = _codes(code, role)
            kind, via, detail = AuditKind.INVITES_REVOKED, "alliance invite", f"{revoked} revoked"
            add_entry(s, kind, now, Actor.CLINIC, client, therapist, via, detail)
            return revoked

    def redeem(self, token_hash: str, chat_id: int, now: datetime) -> Redemption:
        """Use an invite once: link ``chat_id`` to its person, or say why not.

        A person already linked to another chat moves only with a relink invite.
        """
        with self._db.transaction() as s:
            invite = s.scalar(select(InviteRow).where(InviteRow.token_hash == token_hash))
            refused = refusal(s, invite, now)
            if refused is not None or invite is None:
                return Redemption(refused or Redeemed.UNKNOWN)
            current = person_by_chat(s, chat_id)
            if current is not None and current.code != invite.code:
                return Redemption(Redeemed.CHAT_TAKEN)
            person = person_by_code(s, invite.code, Role(invite.role))
            if person is None:
                return Redemption(Redeemed.GONE)
            if person.chat_id not in (None, chat_id) and not invite.relink:
                return Redemption(Redeemed.LINKED_ELSEWHERE)
            used = s.execute(
                update_rows(InviteRow)
                .where(InviteRow.id == invite.id, InviteRow.used_at.is_(None))
                .values(used_at=now, used_by_chat=chat_id)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                return Redemption(Redeemed.USED)
            replaced = link(s, person, chat_id, now)
            s.flush()
            return Redemption(Redeemed.LINKED, _record(person), replaced)

    def retire(self, code: str, role: Role | None, now: datetime) -> Retirement | None:
        """End ``code`` for good (see ``storage.retired``); None: no such code anywhere."""
        with self._db.transaction() as s:
            return retire(s, code, role, now)

    def retired_codes(self) -> set[str]:
        """Every code retired for good (they are few)."""
        with self._db.transaction() as s:
            return retired_codes(s)

    def checkin_waiting(self, chat_id: int, now: datetime) -> bool:
        """Whether this chat's client has a check-in open or due now (sent within moments)."""
        with self._db.transaction() as s:
            found = s.scalar(
                select(CheckinRow.id)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(
                    ClientRow.chat_id == chat_id,
                    CheckinRow.expires_at > now,
                    (CheckinRow.status == CheckinStatus.OPEN)
                    | (
                        CheckinRow.status.in_([CheckinStatus.PLANNED, CheckinStatus.SENDING])
                        & (CheckinRow.due_at <= now)
                    ),
                )
                .limit(1)
            )
            return found is not None

    def by_chat(self, chat_id: int) -> ClientRecord | TherapistRecord | None:
        """Who a chat belongs to, if anybody."""
        with self._db.transaction() as s:
            row = person_by_chat(s, chat_id)
            return None if row is None else _record(row)

    def client(self, code: str) -> ClientRecord | None:
        """A client by code."""
        with self._db.transaction() as s:
            row = s.scalar(select(ClientRow).where(ClientRow.code == code))
            return None if row is None else client_record(row)

    def therapist(self, code: str) -> TherapistRecord | None:
        """A therapist by code (an escalation contact is a therapist too)."""
        with self._db.transaction() as s:
            row = s.scalar(select(TherapistRow).where(TherapistRow.code == code))
            return None if row is None else TherapistRecord(row.id, row.code, row.chat_id)

    def decide_consent(self, chat_id: int, given: bool, version: str, now: datetime) -> bool:
        """Record a consent decision from a client whose consent is pending."""
        with self._db.transaction() as s:
            row = s.scalar(select(ClientRow).where(ClientRow.chat_id == chat_id).with_for_update())
            if row is None or row.status not in _CAN_DECIDE:
                return False
            row.status = ClientStatus.ACTIVE if given else ClientStatus.DECLINED
            event = "given" if given else "declined"
            s.add(ConsentRow(client_id=row.id, version=version, given=given, at=now, event=event))
            kind = AuditKind.CONSENT_GIVEN if given else AuditKind.CONSENT_DECLINED
            add_entry(s, kind, now, Actor.CLIENT, row.code, via="consent button", detail=version)
            return True

    def end_due_pauses(self, now: datetime) -> int:
        """Resume every client whose pause for a number of weeks is over."""
        with self._db.transaction() as s:
            rows = s.scalars(
                select(ClientRow).where(
                    ClientRow.status == ClientStatus.PAUSED, ClientRow.paused_until <= now
                )
            ).all()
            for row in rows:
                row.status, row.paused_until = ClientStatus.ACTIVE, None
                add_entry(s, AuditKind.RESUMED, now, Actor.SYSTEM, row.code, detail="pause ended")
            return len(rows)

    def set_reachable(self, chat_id: int, reachable: bool) -> None:
        """Record that Telegram refuses (or again accepts) messages to a client's chat."""
        before, after = (
            (ClientStatus.UNREACHABLE, ClientStatus.ACTIVE)
            if reachable
            else (ClientStatus.ACTIVE, ClientStatus.UNREACHABLE)
        )
        with self._db.transaction() as s:
            s.execute(
                update_rows(ClientRow)
                .where(ClientRow.chat_id == chat_id, ClientRow.status == before)
                .values(status=after)
            )


#: A client can answer the consent question before taking part and after saying no or stopping.
_CAN_DECIDE = {ClientStatus.AWAITING_CONSENT, ClientStatus.DECLINED, ClientStatus.STOPPED}


def _codes(code: str, role: Role) -> tuple[str | None, str | None]:
    """``code`` as the client or the therapist code of an audit entry."""
    return (code, None) if role is Role.CLIENT else (None, code)


def client_record(row: ClientRow) -> ClientRecord:
    return ClientRecord(
        id=row.id,
        code=row.code,
        therapist_code=row.therapist_code,
        status=ClientStatus(row.status),
        chat_id=row.chat_id,
        language=row.language,
        timezone=row.timezone,
        paused_until=row.paused_until,
    )


def _record(row: ClientRow | TherapistRow) -> ClientRecord | TherapistRecord:
    if isinstance(row, ClientRow):
        return client_record(row)
    return TherapistRecord(id=row.id, code=row.code, chat_id=row.chat_id)
