"""Invite tokens and consent: how a chat becomes a known client or therapist."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.model import ClientStatus

#: The version of the consent text a client agrees to. Raise it when the text changes.
#: v2 (2026-12): says what happens to notes with risk language, and names the client's
#: controls (/pause, /stop, /mydata, /delete) and the retention period.
CONSENT_VERSION = "2026-12-v2"


def consent_version(risk_notes_to_therapist: bool) -> str:
    """The version recorded for the text as shown: the risk-note policy changes the text."""
    return CONSENT_VERSION if risk_notes_to_therapist else f"{CONSENT_VERSION}-riskprivate"


def needs_consent(status: ClientStatus) -> bool:
    """Whether a linked client must answer the consent question before anything else works.

    The one gate for a chat that was just linked (or relinked from another chat): no
    /mydata, /preview or /delete, no notes and no check-ins until the person agrees in
    this chat. A client who declined or stopped keeps access to their own data.
    """
    return status is ClientStatus.AWAITING_CONSENT


#: 24 random bytes: 192 bits, 32 URL-safe characters (a deep-link payload may hold 64).
_TOKEN_BYTES = 24
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Role(StrEnum):
    """Who an invite is for."""

    CLIENT = "client"
    THERAPIST = "therapist"


@dataclass(frozen=True)
class Invite:
    """A fresh invite: the secret token goes into the link; only its hash is stored."""

    token: str
    token_hash: str
    expires_at: datetime


def new_invite(now: datetime, valid_for: timedelta) -> Invite:
    """Create a single-use invite token that expires after ``valid_for``."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return Invite(token=token, token_hash=hash_token(token), expires_at=now + valid_for)


def hash_token(token: str) -> str:
    """The stored form of an invite token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(payload: str) -> bool:
    """Whether a /start payload has the shape of an invite token at all."""
    return bool(_TOKEN_SHAPE.fullmatch(payload))


def deep_link(bot_username: str, token: str) -> str:
    """The t.me link that opens the bot and sends ``/start <token>``."""
    return f"https://t.me/{bot_username}?start={token}"
