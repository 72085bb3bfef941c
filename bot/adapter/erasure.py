"""Erasing one client's data, for /delete and ``alliance erase``, and saying what was done.

The answers and notes go first, in one transaction. Then the messages in therapists'
chats that quoted the client's notes (digest and brief parts, /history replies, risk
alerts; see ``storage.therapist_messages``) are deleted while Telegram still allows it:
48 hours after sending, judged by the recorded time. A digest part can quote several
clients' notes; deleting it removes it for all of them, and the therapist can ask /digest
again for what remains. A refusal counts as not deleted; a message already gone counts
as deleted. The records are then forgotten; if anything fails before that, they stay and
the next erasure tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.request import HTTPXRequest

from bot.adapter.notices import tell_therapist
from bot.cli.errors import CommandError
from bot.process.services import Services, bootstrap
from bot.process.settings import Settings
from core.audit import Actor
from core.clinic import ClinicConfig
from core.clock import SystemClock
from messages.catalog import SafeHtml, html_text
from storage.client_data import Erased
from storage.therapist_messages import QuotingMessage

log = logging.getLogger(__name__)

#: How long after sending Telegram lets a bot delete a message in a private chat, less a
#: margin for the time the request takes and clocks that disagree a little.
DELETABLE_FOR = timedelta(hours=48) - timedelta(minutes=5)
#: How ``alliance erase`` appears in the audit log.
VIA = "alliance erase"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: answers and notes erased, therapist messages deleted and not."""

    erased: Erased
    deleted: int
    kept: int


async def erase_client(
    bot: Bot, services: Services, client_code: str, *, actor: str, via: str
) -> Erasure:
    """Erase a client's answers and notes and delete the messages that quoted them.

    Raises only when the erasure itself failed, and then nothing was erased.
    """
    quoting = services.therapist_messages.for_client(client_code)
    now = services.clock.now()
    erased = services.client_data.erase(client_code, now, actor=actor, via=via)
    deleted = await delete_quoting(bot, quoting, now)
    try:
        services.therapist_messages.forget(client_code)
    except SQLAlchemyError as error:  # erased all the same; the next erasure tries again
        log.error("quoting records not forgotten", extra={"error": type(error).__name__})
    return Erasure(erased, deleted, len(quoting) - deleted)


async def delete_quoting(bot: Bot, quoting: Sequence[QuotingMessage], now: datetime) -> int:
    """Delete the messages still young enough; returns how many are gone."""
    gone = 0
    for message in quoting:
        if now - message.sent_at >= DELETABLE_FOR:
            continue
        try:
            await bot.delete_message(message.chat_id, message.message_id)
        except BadRequest as error:
            if "not found" in error.message.lower():  # deleted by the therapist already
                gone += 1
            else:
                log.warning("quoting message not deleted", extra={"error": type(error).__name__})
            continue
        except TelegramError as error:
            log.warning("quoting message not deleted", extra={"error": type(error).__name__})
            continue
        gone += 1
    return gone


def erasure_text(language: str, erasure: Erasure) -> SafeHtml:
    """What was erased, and what the therapist may still have in their chat."""
    lines = [
        html_text(
            language,
            "delete.done.erased",
            answers=erasure.erased.answers,
            notes=erasure.erased.notes,
        )
    ]
    if erasure.deleted:
        lines.append(html_text(language, "delete.done.quoted_deleted", count=erasure.deleted))
    if erasure.kept:
        lines.append(html_text(language, "delete.done.quoted_kept", count=erasure.kept))
    if not erasure.deleted and not erasure.kept:
        lines.append(html_text(language, "delete.done.quoted_none"))
    return SafeHtml("\n\n".join(lines))


async def erase_by_clinic(settings: Settings, config: ClinicConfig, client_code: str) -> Erasure:
    """``alliance erase``: the clinic acts on a request received outside Telegram.

    The Bot API is reached first (nothing is erased when it cannot be); then the erasure,
    audited with the clinic as actor, and the therapist told as after /delete.
    """
    services = bootstrap(
        config, settings.database_url, SystemClock(), encryption_key=settings.encryption_keys()
    )
    try:
        client = services.people.client(client_code)
        if client is None:
            raise CommandError(f"unknown client code {client_code!r}: no such client is stored")
        request = HTTPXRequest(connect_timeout=5, read_timeout=15)
        try:
            bot = Bot(settings.require_token(), base_url=settings.api_base_url, request=request)
            await bot.initialize()
        except TelegramError as error:
            raise CommandError(
                f"could not reach the Bot API at {settings.telegram_api_url} "
                f"({type(error).__name__}); nothing was erased"
            ) from None
        async with bot:
            erasure = await erase_client(bot, services, client_code, actor=Actor.CLINIC, via=VIA)
            if erasure.erased:
                await tell_therapist(
                    bot, services, client_code, client.therapist_code, "deleted", VIA
                )
        return erasure
    finally:
        services.database.close()
