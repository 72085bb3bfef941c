"""Immediate messages to therapists: a client stopped, erased their data, or wrote risk words.

Each is sent at once (not held for a digest), protected from forwarding, and audited with
its outcome, whether or not the therapist could be reached.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.services import Services
from core.audit import Actor, AuditKind
from core.model import TherapistRecord
from messages.catalog import html_text

log = logging.getLogger(__name__)

#: What a client did, and the message that tells their therapist.
_NOTICES = {"stopped": "therapist.client_stopped", "deleted": "therapist.client_deleted"}

#: Outcomes of a send, as written to the audit log.
DELIVERED = "delivered"
NOT_ENROLLED = "therapist_not_enrolled"


async def send_to(bot: Bot, therapist: TherapistRecord | None, text: str) -> str:
    """Send ``text`` to a therapist's chat; returns the outcome for the audit log."""
    if therapist is None or therapist.chat_id is None:
        return NOT_ENROLLED
    try:
        await bot.send_message(
            therapist.chat_id, text, parse_mode=ParseMode.HTML, protect_content=True
        )
    except Forbidden as error:
        return f"unreachable:{type(error).__name__}"
    except TelegramError as error:
        log.warning(
            "therapist message failed",
            extra={"therapist": therapist.code, "error": type(error).__name__},
        )
        return f"failed:{type(error).__name__}"
    return DELIVERED


async def tell_therapist(
    bot: Bot, services: Services, client_code: str, therapist_code: str, event: str, via: str
) -> str:
    """Tell a client's therapist that the client ``stopped`` or ``deleted`` their data."""
    key = _NOTICES[event]
    language = services.config.clinic.language
    therapist = services.people.therapist(therapist_code)
    text = services.lock_screen(html_text(language, key, code=client_code))
    outcome = await send_to(bot, therapist, text)
    services.audit.record(
        AuditKind.THERAPIST_NOTIFIED,
        services.clock.now(),
        actor=Actor.SYSTEM,
        client_code=client_code,
        therapist_code=therapist_code,
        via=via,
        detail=f"{event}: {outcome}",
    )
    return outcome
