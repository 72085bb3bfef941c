"""Immediate messages to therapists: a client stopped, erased their data, or wrote risk words.

Each is sent at once (not held for a digest), protected from forwarding, and audited with
its outcome, whether or not the therapist could be reached. Telegram errors are sorted by
the notifier's ``classify``, the one place that does it; the outcome is a typed
``core.delivery`` value, written to the audit log as a short word (``audit_word``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.adapter.notifier import classify
from bot.process.services import Services
from core.audit import Actor, AuditKind
from core.delivery import Delivered, Delivery, Unreachable
from core.model import TherapistRecord
from messages.catalog import html_text

log = logging.getLogger(__name__)

#: What a client did, and the message that tells their therapist.
_NOTICES = {"stopped": "therapist.client_stopped", "deleted": "therapist.client_deleted"}

#: The error name of a therapist (or escalation contact) with no chat linked yet.
NOT_ENROLLED = "NotEnrolled"


@dataclass(frozen=True)
class Refused:
    """Telegram refused the message itself (a 400 other than a missing chat): the same
    text would be refused again, so it is not worth retrying as it is."""

    error: str


Outcome = Delivery | Refused


async def send_to(bot: Bot, therapist: TherapistRecord | None, text: str) -> Outcome:
    """Send ``text`` to a therapist's chat, protected from forwarding; never raises."""
    if therapist is None or therapist.chat_id is None:
        return Unreachable(NOT_ENROLLED)
    try:
        message = await bot.send_message(
            therapist.chat_id, text, parse_mode=ParseMode.HTML, protect_content=True
        )
    except TelegramError as error:
        outcome = classify(error)
        log.warning(
            "therapist message failed",
            extra={"therapist": therapist.code, "error": type(error).__name__},
        )
        if isinstance(error, BadRequest) and not isinstance(outcome, Unreachable):
            return Refused(type(error).__name__)
        return outcome
    return Delivered(chat_id=message.chat_id, message_id=message.message_id)


def audit_word(outcome: Outcome) -> str:
    """An outcome as the audit log writes it: ``delivered``, ``unreachable:Forbidden``..."""
    if isinstance(outcome, Delivered):
        return "delivered"
    if isinstance(outcome, Unreachable):
        if outcome.error == NOT_ENROLLED:
            return "therapist_not_enrolled"
        return f"unreachable:{outcome.error}"
    if isinstance(outcome, Refused):
        return f"refused:{outcome.error}"
    return f"failed:{outcome.error}"


async def tell_therapist(
    bot: Bot, services: Services, client_code: str, therapist_code: str, event: str, via: str
) -> Outcome:
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
        detail=f"{event}: {audit_word(outcome)}",
    )
    return outcome
