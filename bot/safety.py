"""Risk language in a note: crisis contacts for the client now, an alert for the therapist.

The client's message is fixed, reviewed wording (``risk.client``): it says the message is
automatic and that nobody reads the chat, and gives the clinic's crisis contacts; it never
counsels. The therapist (and the clinic's escalation contact, if configured) get a private
alert with the client's code at once. The flag is stored with the note, so an alert that
could not be sent is sent by a later tick.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot

from bot.notices import DELIVERED, send_to
from bot.services import Services
from bot.views import View
from messages.catalog import html_text
from storage.risk_notes import RiskNote

#: A flagged note is left to the handler that stored it for this long before a tick
#: sends its alert instead (the handler alerts at once; this covers a crash or a failure).
HANDLER_GRACE = timedelta(minutes=2)


def crisis_view(services: Services, language: str) -> View:
    """What the client sees at once after writing a note with risk language."""
    key = "risk.client" if services.config.safety.risk_notes_to_therapist else "risk.client_private"
    return View(html_text(language, key, crisis=services.crisis(language)))


def idle_crisis_view(services: Services, language: str) -> View:
    """What a client sees after writing risk words outside a check-in (nothing is stored)."""
    return View(html_text(language, "risk.idle", crisis=services.crisis(language)))


async def alert(bot: Bot, services: Services, note: RiskNote) -> bool:
    """Alert the therapist and escalation contact; False if it should be tried again later."""
    config = services.config
    language = config.clinic.language
    if config.safety.risk_notes_to_therapist:
        text = html_text(language, "therapist.risk_alert", code=note.client_code, note=note.text)
    else:
        text = html_text(language, "therapist.risk_alert_no_text", code=note.client_code)
    therapist = services.people.therapist(note.therapist_code)
    outcome = await send_to(bot, therapist, services.lock_screen(text))
    if outcome.startswith("failed:"):
        return False
    outcomes = [f"therapist {outcome}"]
    contact = config.safety.escalation_contact
    if contact is not None and contact != note.therapist_code:
        if outcome == DELIVERED:
            status = html_text(language, "alert.therapist_alerted")
        else:
            status = html_text(language, "alert.therapist_not_reached")
        escalation = html_text(
            language,
            "therapist.escalation_alert",
            code=note.client_code,
            therapist=note.therapist_code,
            therapist_status=status,
        )
        contact_record = services.people.therapist(contact)
        sent = await send_to(bot, contact_record, services.lock_screen(escalation))
        outcomes.append(f"escalation {sent}")
    services.risk_notes.mark_alerted(note, services.clock.now(), ", ".join(outcomes))
    return True


async def send_pending_alerts(bot: Bot, services: Services) -> int:
    """Send the alerts still owed for flagged notes; returns how many went out."""
    before = services.clock.now() - HANDLER_GRACE
    sent = 0
    for note in services.risk_notes.pending(before):
        sent += await alert(bot, services, note)
    return sent
