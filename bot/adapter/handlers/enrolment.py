"""/start with an invite token, the consent question, and /help."""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapter.callback_data import ConsentTap, decode
from bot.adapter.handlers.common import edit, reply
from bot.adapter.handlers.therapist import show_therapist_menu
from bot.adapter.views import View, consent_view
from bot.process.services import Services
from core.enrolment import consent_version, hash_token, looks_like_token
from core.model import ClientRecord, ClientStatus, TherapistRecord
from messages.catalog import SafeHtml, html_text, plain
from storage.people import Redeemed, Redemption

log = logging.getLogger(__name__)

#: Statuses in which /start shows the consent question (again).
_ASKS_CONSENT = (ClientStatus.AWAITING_CONSENT, ClientStatus.DECLINED, ClientStatus.STOPPED)

_REFUSALS = {
    Redeemed.USED: "start.used",
    Redeemed.EXPIRED: "start.expired",
    Redeemed.REVOKED: "start.revoked",
    Redeemed.LINKED_ELSEWHERE: "start.linked_elsewhere",
    Redeemed.CHAT_TAKEN: "start.chat_taken",
    Redeemed.UNKNOWN: "start.stranger",
    Redeemed.GONE: "start.stranger",
}


class EnrolmentHandlers:
    """Linking a chat to a client or therapist code, and asking for consent."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Redeem an invite token, or tell a known chat where it stands."""
        chat = update.effective_chat
        if chat is None:
            return
        payload = context.args[0] if context.args else ""
        if payload and looks_like_token(payload):
            redemption = self.s.people.redeem(hash_token(payload), chat.id, self.s.clock.now())
            if redemption.outcome is Redeemed.LINKED and redemption.person is not None:
                await self._linked(update, chat.id, redemption)
                return
            known = self.s.people.by_chat(chat.id)
            if known is None or redemption.outcome is Redeemed.CHAT_TAKEN:
                key = _REFUSALS[redemption.outcome]
                await reply(update, View(html_text(self.s.config.clinic.language, key)))
                return
        person = self.s.people.by_chat(chat.id)
        if person is None:
            await reply(update, View(html_text(self.s.config.clinic.language, "start.stranger")))
            return
        if isinstance(person, ClientRecord) and person.status is ClientStatus.UNREACHABLE:
            self.s.people.set_reachable(chat.id, reachable=True)
        await reply(update, self._welcome(person))

    async def _linked(self, update: Update, chat_id: int, redemption: Redemption) -> None:
        """Welcome a newly linked chat; after a relink, tell the chat it replaced."""
        person = redemption.person
        assert person is not None
        bot, language = update.get_bot(), self.s.config.clinic.language
        if redemption.replaced_chat is not None:
            old_language = person.language if isinstance(person, ClientRecord) else language
            await _tell_replaced(bot, redemption.replaced_chat, old_language, self.s)
        welcome = self._welcome(person)
        if isinstance(person, TherapistRecord) and redemption.replaced_chat is not None:
            replaced = html_text(language, "relink.therapist_new")
            welcome = View(replaced + "\n\n" + welcome.text, welcome.markup)
        await reply(update, welcome)
        if isinstance(person, TherapistRecord):
            await show_therapist_menu(bot, chat_id, language)

    def _welcome(self, person: ClientRecord | TherapistRecord) -> View:
        if isinstance(person, TherapistRecord):
            therapist = self.s.config.therapist(person.code)
            name = therapist.display_name if therapist else person.code
            language = self.s.config.clinic.language
            welcome = html_text(language, "therapist.welcome", name=name, code=person.code)
            return View(welcome + html_text(language, "help.therapist_commands"))
        if person.status in _ASKS_CONSENT:
            return self.consent_request(person.language)
        if person.status is ClientStatus.PAUSED:
            return View(html_text(person.language, "status.paused"))
        return View(html_text(person.language, "consent.already"))

    def consent_request(self, language: str) -> View:
        """The consent text with the clinic's risk-note policy, and the two buttons."""
        config = self.s.config
        escalation = (
            html_text(language, "consent.risk.escalation")
            if config.safety.escalation_contact
            else SafeHtml("")
        )
        policy_key = (
            "consent.risk.shared"
            if config.safety.risk_notes_to_therapist
            else "consent.risk.private"
        )
        return consent_view(
            language,
            config.clinic.name,
            self.s.crisis(language),
            config.privacy.retention_months,
            html_text(language, policy_key, escalation=escalation),
        )

    async def consent(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record the client's answer to the consent question."""
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None:
            return
        tap = decode(query.data)
        person = self.s.people.by_chat(chat.id)
        if not isinstance(tap, ConsentTap) or not isinstance(person, ClientRecord):
            await query.answer(plain(self.s.config.clinic.language, "tap.unknown"))
            return
        language = person.language
        version = consent_version(self.s.config.safety.risk_notes_to_therapist)
        decided = self.s.people.decide_consent(chat.id, tap.given, version, self.s.clock.now())
        if not decided:
            await query.answer(plain(language, "tap.already"))
            return
        await query.answer(plain(language, "tap.saved"))
        key = "consent.declined"
        if tap.given:
            waiting = self.s.people.checkin_waiting(chat.id, self.s.clock.now())
            key = "consent.given_now" if waiting else "consent.given"
        view = View(html_text(language, key))
        if not isinstance(query.message, Message) or not await edit(query.message, view):
            await reply(update, view)

    async def help(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """What the bot does, that nobody reads the chat, and the crisis contacts."""
        chat = update.effective_chat
        if chat is None:
            return
        await reply(update, help_view(self.s, self.s.people.by_chat(chat.id)))


def help_view(services: Services, person: ClientRecord | TherapistRecord | None) -> View:
    """/help for a client, a therapist, or a stranger (who learns only that the bot is private)."""
    if isinstance(person, ClientRecord):
        crisis = services.crisis(person.language)
        return View(html_text(person.language, "help.client", crisis=crisis))
    language = services.config.clinic.language
    if isinstance(person, TherapistRecord):
        commands = html_text(language, "help.therapist_commands")
        usage = html_text(language, "cancel.usage")
        return View(SafeHtml(html_text(language, "help.therapist") + commands + "\n\n" + usage))
    return View(html_text(language, "start.stranger"))


async def _tell_replaced(bot: Bot, chat_id: int, language: str, services: Services) -> None:
    """Tell a chat it is no longer linked; a chat that cannot be reached does not stop it."""
    text = html_text(language, "relink.old_chat", clinic=services.config.clinic.name)
    try:
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        log.warning("replaced chat not told", extra={"error": type(error).__name__})
