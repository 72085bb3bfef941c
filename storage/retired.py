"""Retiring a code for good (``alliance retire``): the person's chat and invites end with it.

A code belongs to one person forever: a code that leaves the config and comes back is the
same person, with the same chat, consent and history. Retiring is how a clinic says a code
is finished; it is never invited or redeemed again, and the config may not use it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import Actor, AuditKind
from core.enrolment import Role
from core.model import ClientStatus
from storage.audit import add_entry
from storage.invites import close_open_checkins, is_retired, revoke_unused
from storage.tables import ClientRow, RetiredCodeRow, TherapistRow


@dataclass(frozen=True)
class Retirement:
    """The outcome of retiring a code: whether it was retired now, and the chat to tell."""

    retired: bool  # False: it was retired before
    role: Role
    unlinked_chat: int | None = None


def retire(s: Session, code: str, role: Role | None, now: datetime) -> Retirement | None:
    """Retire ``code``: unlink its chat, close open check-ins, revoke invites, audit.

    ``role`` comes from the config when the code is there; otherwise from the stored
    person. None when the code is known neither way.
    """
    client = s.scalar(select(ClientRow).where(ClientRow.code == code).with_for_update())
    therapist = s.scalar(select(TherapistRow).where(TherapistRow.code == code).with_for_update())
    if role is None:
        role = Role.CLIENT if client is not None else Role.THERAPIST if therapist else None
    if role is None:
        return None
    if is_retired(s, code):
        return Retirement(False, role)
    person = client if role is Role.CLIENT else therapist
    unlinked = None if person is None else person.chat_id
    if isinstance(person, ClientRow):
        person.status, person.paused_until = ClientStatus.STOPPED, None
        close_open_checkins(s, person.id)
    if person is not None:
        person.chat_id = None
    revoke_unused(s, code, now)
    s.add(RetiredCodeRow(code=code, role=role.value, retired_at=now))
    client_code, therapist_code = (code, None) if role is Role.CLIENT else (None, code)
    add_entry(
        s, AuditKind.RETIRED, now, Actor.CLINIC, client_code, therapist_code, via="alliance retire"
    )
    return Retirement(True, role, unlinked)


def retired_codes(s: Session) -> set[str]:
    """Every retired code (the retired codes are few: read them all)."""
    return set(s.scalars(select(RetiredCodeRow.code)))
