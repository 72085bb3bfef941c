"""``alliance invite``: a single-use deep link that enrols one client or therapist."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.errors import CommandError
from bot.services import bootstrap
from bot.settings import Settings
from core.clinic import ClinicConfig
from core.clock import SystemClock
from core.enrolment import Role, deep_link, new_invite


async def bot_username(settings: Settings) -> str:
    """Ask the Bot API who the bot is (``getMe``)."""
    request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    try:
        async with Bot(
            settings.require_token(), base_url=settings.api_base_url, request=request
        ) as bot:
            username = bot.username
    except TelegramError as error:
        raise CommandError(
            f"could not ask the Bot API at {settings.telegram_api_url} for the bot's "
            f"username ({type(error).__name__}); check ALLIANCE_BOT_TOKEN and "
            "ALLIANCE_TELEGRAM_API_URL"
        ) from None
    return username


async def invite_link(settings: Settings, config: ClinicConfig, code: str) -> tuple[str, str]:
    """Store a new invite for ``code``; return the link and a line about its use."""
    if config.client(code) is not None:
        role = Role.CLIENT
    elif config.therapist(code) is not None:
        role = Role.THERAPIST
    else:
        known = ", ".join(config.person_codes()) or "none"
        raise CommandError(
            f"unknown code {code!r}: it is neither a client nor a therapist in "
            f"{settings.clinic_config} (known codes: {known})"
        )
    username = await bot_username(settings)
    clock = SystemClock()
    services = bootstrap(
        config, settings.database_url, clock, encryption_key=settings.encryption_keys()
    )
    try:
        now = clock.now()
        invite = new_invite(now, timedelta(days=config.clinic.invite_expiry_days))
        services.people.create_invite(code, role, invite, now)
    finally:
        services.database.close()
    expires = invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    note = f"Single use, for {role.value} {code} only; expires {expires}."
    return deep_link(username, invite.token), note
