"""Invites and identity: one code is one person, linked to one chat, on purpose.

- Issuing an invite revokes the code's older unused ones, so only the newest link works.
- An invite for a person already linked to another chat is refused, unless it was issued
  to relink (``alliance invite CODE --relink``). A relink unlinks the old chat, closes its
  open check-ins and, for a client, asks for consent again before anything else works.
- A retired code (``alliance retire``) can never be invited or redeemed again.

These are functions on a session that ``storage.people.People`` calls in its transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import Actor, AuditKind
from core.enrolment import Role
from core.model import CheckinStatus, ClientRecord, ClientStatus, TherapistRecord
from storage.audit import add_entry
from storage.engine import update_rows
from storage.tables import CheckinRow, ClientRow, InviteRow, RetiredCodeRow, TherapistRow


class Redeemed(StrEnum):
    """What happened to a /start token."""

    LINKED = "linked"
    UNKNOWN = "unknown"  # no such token (mistyped, forged, or from another bot)
    USED = "used"  # already used, by this chat or another
    EXPIRED = "expired"
    REVOKED = "revoked"  # a newer invite, --revoke or a retired code made it unusable
    CHAT_TAKEN = "chat_taken"  # this chat already belongs to somebody else
    LINKED_ELSEWHERE = "linked_elsewhere"  # the person uses another chat; not a relink invite
    GONE = "gone"  # the code is no longer in the clinic config


@dataclass(frozen=True)
class Redemption:
    """The outcome of a /start token and, when linked, who the chat now is.

    ``replaced_chat`` is the chat the person was linked to before a relink, to be told.
    """

    outcome: Redeemed
    person: ClientRecord | TherapistRecord | None = None
    replaced_chat: int | None = None


class CodeRetiredError(ValueError):
    """The code was retired (``alliance retire``): it is never invited again."""


def is_retired(s: Session, code: str) -> bool:
    """Whether ``code`` was retired for good."""
    return s.scalar(select(RetiredCodeRow.id).where(RetiredCodeRow.code == code)) is not None


def revoke_unused(s: Session, code: str, now: datetime) -> int:
    """Revoke every unused, unrevoked invite of ``code``; how many there were."""
    result = s.execute(
        update_rows(InviteRow)
        .where(InviteRow.code == code, InviteRow.used_at.is_(None), InviteRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def close_open_checkins(s: Session, client_id: int) -> None:
    """Close a client's open check-ins as missed: nothing more is stored in them."""
    s.execute(
        update(CheckinRow)
        .where(CheckinRow.client_id == client_id, CheckinRow.status == CheckinStatus.OPEN)
        .values(status=CheckinStatus.EXPIRED)
    )


def refusal(s: Session, invite: InviteRow | None, now: datetime) -> Redeemed | None:
    """Why an invite cannot be used at all, whoever opens it (None: it can)."""
    if invite is None:
        return Redeemed.UNKNOWN
    if invite.revoked_at is not None or is_retired(s, invite.code):
        return Redeemed.REVOKED
    if invite.used_at is not None:
        return Redeemed.USED
    if invite.expires_at <= now:
        return Redeemed.EXPIRED
    return None


def person_by_chat(s: Session, chat_id: int) -> ClientRow | TherapistRow | None:
    """Whoever ``chat_id`` is linked to."""
    client = s.scalar(select(ClientRow).where(ClientRow.chat_id == chat_id))
    if client is not None:
        return client
    return s.scalar(select(TherapistRow).where(TherapistRow.chat_id == chat_id))


def person_by_code(s: Session, code: str, role: Role) -> ClientRow | TherapistRow | None:
    """The person in the config under ``code`` (None: not in the config now)."""
    if role is Role.CLIENT:
        return s.scalar(select(ClientRow).where(ClientRow.code == code, ClientRow.in_config))
    return s.scalar(select(TherapistRow).where(TherapistRow.code == code, TherapistRow.in_config))


def link(s: Session, person: ClientRow | TherapistRow, chat_id: int, now: datetime) -> int | None:
    """Link ``chat_id`` to ``person``, audited; the chat it replaced, if it was a relink.

    A client asked for consent again (a new chat, or after declining) waits for it: the
    new chat can do nothing with the person's data until they agree, and the old chat's
    open check-ins are closed so that nobody types into them any more.
    """
    replaced = person.chat_id if person.chat_id not in (None, chat_id) else None
    is_client = isinstance(person, ClientRow)
    if isinstance(person, ClientRow) and (
        person.chat_id != chat_id or person.status == ClientStatus.DECLINED
    ):
        person.status, person.paused_until = ClientStatus.AWAITING_CONSENT, None
    if is_client and replaced is not None:
        close_open_checkins(s, person.id)
    if replaced is not None:
        person.chat_id = None  # the unique chat column: free the old chat before the move
        s.flush()
    person.chat_id = chat_id
    person.enrolled_at = now
    actor, client, therapist = (
        (Actor.CLIENT, person.code, None) if is_client else (Actor.THERAPIST, None, person.code)
    )
    add_entry(s, AuditKind.ENROLLED, now, actor, client, therapist, via="/start")
    if replaced is not None:
        kind = AuditKind.RELINKED
        add_entry(s, kind, now, actor, client, therapist, via="/start", detail="relink invite")
    return replaced
