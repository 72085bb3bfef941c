"""Issuing invites: the one place ``alliance invite`` and a therapist's ``/invite`` share.

An invite is single use; issuing one revokes the code's older unused invites, so only the
newest link works. A therapist's invite expires sooner than a client's
(``clinic.therapist_invite_expiry_days``): it opens digests, risk alerts and ``/history``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.cli.errors import CommandError
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.audit import Actor
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.enrolment import Role, deep_link, new_invite
from core.model import TherapistRecord
from storage.people import CodeRetiredError, People


class UnknownCodeError(LookupError):
    """The code is neither a client nor a therapist in the clinic config."""


@dataclass(frozen=True)
class IssuedInvite:
    """A stored invite: its secret token (for the link only) and what it is for."""

    token: str
    code: str
    role: Role
    expires_at: datetime
    revoked: int  # older unused invites of the code that no longer work


def role_of(config: ClinicConfig, code: str) -> Role:
    """Whether ``code`` is a client or a therapist; ``UnknownCodeError`` if neither."""
    if config.client(code) is not None:
        return Role.CLIENT
    if config.therapist(code) is not None:
        return Role.THERAPIST
    raise UnknownCodeError(code)


def issue_invite(
    people: People,
    config: ClinicConfig,
    code: str,
    now: datetime,
    *,
    relink: bool = False,
    audited_as: tuple[Actor, str] | None = None,
) -> IssuedInvite:
    """Store a new invite for ``code``, revoking its older unused ones.

    ``audited_as`` (who, through which command) audits the invite, as for a therapist's
    ``/invite``. Raises ``UnknownCodeError`` for a code not in the config and
    ``CodeRetiredError`` for a retired one.
    """
    role = role_of(config, code)
    days = (
        config.clinic.therapist_invite_expiry_days
        if role is Role.THERAPIST
        else config.clinic.invite_expiry_days
    )
    invite = new_invite(now, timedelta(days=days))
    revoked = people.create_invite(code, role, invite, now, relink=relink, audited_as=audited_as)
    return IssuedInvite(invite.token, code, role, invite.expires_at, revoked)


#: What Telegram allows as a bot's username: anything else would make a broken link.
_USERNAME = re.compile(r"[A-Za-z0-9_]{3,64}")


async def bot_username(settings: Settings) -> str:
    """Ask the Bot API who the bot is (``getMe``); any failure is one clear CommandError."""
    request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    try:
        with _ptb_quiet():
            async with Bot(
                settings.require_token(), base_url=settings.api_base_url, request=request
            ) as bot:
                username: object = bot.username
    except (TelegramError, ValueError, KeyError, TypeError, AttributeError) as error:
        # A server that is not the Bot API may answer with anything: PTB then fails while
        # reading the reply (JSON that is no object, a user without its fields, ...).
        raise CommandError(
            f"could not ask the Bot API at {settings.telegram_api_url} for the bot's "
            f"username ({type(error).__name__}); check ALLIANCE_BOT_TOKEN and "
            "ALLIANCE_TELEGRAM_API_URL"
        ) from None
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise CommandError(
            f"the Bot API at {settings.telegram_api_url} named no usable username for the "
            "bot; check ALLIANCE_TELEGRAM_API_URL"
        )
    return username


@contextmanager
def _ptb_quiet() -> Iterator[None]:
    """PTB logs an unreadable reply with its traceback; the command says it in one line."""
    logger = logging.getLogger("telegram")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


async def invite_link(
    settings: Settings,
    config: ClinicConfig,
    code: str,
    clock: Clock | None = None,
    *,
    relink: bool = False,
) -> tuple[str, str]:
    """Store a new invite for ``code``; return the link and a line about its use."""
    try:
        role_of(config, code)
    except UnknownCodeError:
        known = ", ".join(config.person_codes()) or "none"
        raise CommandError(
            f"unknown code {code!r}: it is neither a client nor a therapist in "
            f"{settings.clinic_config} (known codes: {known})"
        ) from None
    username = await bot_username(settings)
    clock = clock or SystemClock()
    services = bootstrap(
        config, settings.database_url, clock, encryption_key=settings.encryption_keys()
    )
    try:
        issued = issue_invite(services.people, config, code, clock.now(), relink=relink)
    except CodeRetiredError:
        raise CommandError(f"{code} was retired (alliance retire): never used again") from None
    finally:
        services.database.close()
    return deep_link(username, issued.token), _note(issued, relink)


def revoke_invites(settings: Settings, config: ClinicConfig, code: str) -> int:
    """Revoke every unused invite of ``code`` (in the config or not); how many there were."""
    services = bootstrap(config, settings.database_url, encryption_key=settings.encryption_keys())
    try:
        try:
            role = role_of(config, code)
        except UnknownCodeError:
            known = services.people.client(code) or services.people.therapist(code)
            if known is None:
                raise CommandError(f"unknown code {code!r}: nobody has it, now or before") from None
            role = Role.THERAPIST if isinstance(known, TherapistRecord) else Role.CLIENT
        return services.people.revoke_invites(code, role, services.clock.now())
    finally:
        services.database.close()


def _note(issued: IssuedInvite, relink: bool) -> str:
    expires = issued.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    note = f"Single use, for {issued.role.value} {issued.code} only; expires {expires}."
    if relink:
        note += " It moves the person to the chat that opens it; the old chat is told."
    if issued.revoked:
        note += f" {issued.revoked} older unused invite(s) of {issued.code} no longer work."
    return note
