"""Retiring a code from the command line: storage does the work; the old chat is told."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.adapter.invites import UnknownCodeError, role_of
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.enrolment import Role
from messages.catalog import html_text
from storage.retired import Retirement


@dataclass(frozen=True)
class Retired:
    """What retiring did, and the language to tell the unlinked chat in."""

    code: str
    retirement: Retirement
    language: str


def retire_code(settings: Settings, config: ClinicConfig, code: str) -> Retired | None:
    """Retire ``code`` (in the config or only in the database); None: nobody has it."""
    services = bootstrap(config, settings.database_url, encryption_key=settings.encryption_keys())
    try:
        try:
            role: Role | None = role_of(config, code)
        except UnknownCodeError:
            role = None
        client = services.people.client(code)
        language = client.language if client is not None else config.clinic.language
        retirement = services.people.retire(code, role, services.clock.now())
    finally:
        services.database.close()
    return None if retirement is None else Retired(code, retirement, language)


async def tell_unlinked(settings: Settings, config: ClinicConfig, retired: Retired) -> str:
    """Tell the unlinked chat politely; a line saying whether that worked."""
    chat_id = retired.retirement.unlinked_chat
    assert chat_id is not None
    text = html_text(retired.language, "retire.unlinked", clinic=config.clinic.name)
    request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    try:
        async with Bot(
            settings.require_token(), base_url=settings.api_base_url, request=request
        ) as bot:
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        return f"The chat of {retired.code} could not be told ({type(error).__name__})."
    return f"The chat of {retired.code} was told it is no longer linked."
