"""Risk language in a note: crisis contacts for the client now, an alert for the therapist.

The client's message is fixed, reviewed wording (``risk.client``): it says the message is
automatic and that nobody reads the chat, and gives the clinic's crisis contacts; it never
counsels. It goes first, through ``send_crisis_reply``.

The therapist and the clinic's escalation contact (if configured) are each alerted on
their own: a failure with one never skips the other, and each try is audited. The
therapist's alert is a first message in fixed wording (its first line names no client)
and, under the clinic's policy, the note quoted in the messages after it, each under
Telegram's limit in UTF-16 units (``messages.risk``). A quote Telegram refuses (400) is
left out: the first message already says where to look for the note. A recipient is
settled once they got the alert or cannot be reached; the alert is done, and
``alerted_at`` set, when every recipient is settled. Until then the tick tries again,
sending each recipient only what has not reached them yet (``storage.risk_notes``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.adapter.handlers.common import reply
from bot.adapter.notices import Refused, audit_word, send_to
from bot.adapter.retry import urgent
from bot.adapter.views import View
from bot.process.services import Services
from core.delivery import Delivered, Unreachable
from messages.catalog import SafeHtml, html_text
from messages.risk import escalation_alert, risk_alert
from storage.risk_notes import OWED, Progress, RiskNote

log = logging.getLogger(__name__)

#: A flagged note is left to the handler that stored it for this long before a tick
#: sends its alert instead (the handler alerts at once; this covers a crash or a failure).
HANDLER_GRACE = timedelta(minutes=2)

#: The recipients of an alert, by role (the ``via`` of their audit entries).
THERAPIST = "therapist"
ESCALATION = "escalation"

#: The outcome of a try that delivered the first message but Telegram refused a quote.
WITHOUT_NOTE = "delivered without note"


def crisis_view(services: Services, language: str) -> View:
    """What the client sees at once after writing a note with risk language."""
    key = "risk.client" if services.config.safety.risk_notes_to_therapist else "risk.client_private"
    return View(html_text(language, key, crisis=services.crisis(language)))


def idle_crisis_view(services: Services, language: str) -> View:
    """What a client sees after writing risk words outside a check-in (nothing is stored)."""
    return View(html_text(language, "risk.idle", crisis=services.crisis(language)))


async def send_crisis_reply(
    update: Update, services: Services, language: str, *, idle: bool = False
) -> bool:
    """Send the client the crisis contacts, before anything else; False if it failed.

    The one place the crisis reply is sent, marked urgent: ahead of the queue of paced
    messages (``bot.adapter.retry.urgent``). A refusal from Telegram is logged and must stop
    nothing else: the check-in goes on and the therapist is still alerted.
    """
    view = idle_crisis_view(services, language) if idle else crisis_view(services, language)
    try:
        with urgent():
            await reply(update, view)
    except TelegramError as error:
        log.error("crisis message failed", extra={"error": type(error).__name__})
        return False
    return True


async def alert(bot: Bot, services: Services, note: RiskNote) -> bool:
    """Alert the therapist and the escalation contact, each once; False while one is owed.

    Marked urgent: the alerts go ahead of the queue of paced messages (``bot.adapter.retry``).
    """
    with urgent():
        return await _alert(bot, services, note)


async def _alert(bot: Bot, services: Services, note: RiskNote) -> bool:
    config = services.config
    language = config.clinic.language
    text = note.text if config.safety.risk_notes_to_therapist else None
    message = risk_alert(language, note.client_code, text)
    texts = [message.head, *message.quotes]
    done = {THERAPIST: await _alert_one(bot, services, note, THERAPIST, note.therapist_code, texts)}
    contact = config.safety.escalation_contact
    if contact is not None and contact != note.therapist_code:
        status = _therapist_status(done[THERAPIST])
        escalation = escalation_alert(language, note.client_code, note.therapist_code, status)
        done[ESCALATION] = await _alert_one(bot, services, note, ESCALATION, contact, [escalation])
    if not all(progress.settled for progress in done.values()):
        return False
    summary = ", ".join(f"{role} {progress.outcome}" for role, progress in done.items())
    services.risk_notes.mark_alerted(note, services.clock.now(), summary)
    return True


def _therapist_status(progress: Progress) -> str:
    """What the escalation contact is told about the therapist's alert."""
    if progress.sent:
        return "alerted"
    return "not_reached" if progress.settled else "pending"


async def _alert_one(
    bot: Bot, services: Services, note: RiskNote, role: str, code: str, texts: Sequence[SafeHtml]
) -> Progress:
    """Send one recipient what they have not had of the alert yet, and audit the try."""
    progress = services.risk_notes.progress(note, role)
    if progress.settled:
        return progress  # never the same recipient twice
    progress = await _send_from(bot, services, note, code, texts, progress.sent)
    services.risk_notes.record_try(note, role, code, progress, services.clock.now())
    return progress


async def _send_from(
    bot: Bot, services: Services, note: RiskNote, code: str, texts: Sequence[SafeHtml], start: int
) -> Progress:
    """Send ``texts[start:]`` in order; every message after the first quotes the note."""
    person = services.people.therapist(code)
    sent = start
    for index in range(start, len(texts)):
        outcome = await send_to(bot, person, services.lock_screen(texts[index]))
        if isinstance(outcome, Delivered):
            sent += 1
            if index > 0:
                services.therapist_messages.record(
                    outcome.chat_id, outcome.message_id, [note.client_code], services.clock.now()
                )
            continue
        if isinstance(outcome, Refused) and index > 0:
            log.error("risk alert quote refused", extra={"checkin_id": note.checkin_id})
            return Progress(sent, WITHOUT_NOTE)
        if isinstance(outcome, Unreachable):
            return Progress(sent, audit_word(outcome))
        return Progress(sent, f"{OWED}{outcome.error}")
    return Progress(sent, "delivered")


async def send_pending_alerts(bot: Bot, services: Services) -> int:
    """Send the alerts still owed for flagged notes; returns how many were completed."""
    before = services.clock.now() - HANDLER_GRACE
    sent = 0
    for note in services.risk_notes.pending(before):
        sent += await alert(bot, services, note)
    return sent
