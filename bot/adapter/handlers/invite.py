"""/invite CODE: a therapist enrols one of their own clients from the session room.

The reply is the single-use link and its QR code as one photo, so the client can scan it
from the therapist's phone. The same rules as ``alliance invite`` apply (``bot/adapter/invites.py``:
older unused invites of the code stop working), except that a relink is never issued here:
moving a person who already uses the bot to another chat is the clinic's decision
(``alliance invite CODE --relink``), because the old chat loses everything.

Anyone but an enrolled therapist, and a code that is not one of theirs (another
therapist's client, a therapist, a retired or unknown code), get one and the same
refusal, so nobody learns from it which codes exist.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.adapter.handlers.common import reply
from bot.adapter.invites import IssuedInvite, issue_invite
from bot.adapter.qr import qr_png_bytes
from bot.adapter.views import View
from bot.process.services import Services
from core.audit import Actor
from core.enrolment import deep_link
from core.model import TherapistRecord
from messages.catalog import html_text
from messages.render import long_date
from storage.people import CodeRetiredError

log = logging.getLogger(__name__)


class InviteHandlers:
    """A therapist's invite for their own client, as a link and a QR code."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def invite(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Issue an invite for one of the therapist's own clients, or refuse politely."""
        chat = update.effective_chat
        if chat is None:
            return
        issued = self._issue(chat.id, list(context.args or []))
        language = self.s.config.clinic.language
        if issued is None:
            log.info("invite refused", extra={"chat_id": chat.id})
            await reply(update, View(html_text(language, "invite.refused")))
            return
        link = deep_link(context.bot.username, issued.token)
        client = self.s.people.client(issued.code)
        expires = issued.expires_at.astimezone(self.s.config.clinic.tz)
        caption = html_text(
            language,
            "invite.ready",
            code=issued.code,
            link=link,
            date=long_date(language, expires.date()),
            time=f"{expires:%H:%M}",
        )
        if client is not None and client.chat_id is not None:
            caption = html_text(language, "invite.already_linked", ready=caption)
        await chat.send_photo(
            qr_png_bytes(link), caption=caption, parse_mode=ParseMode.HTML, protect_content=True
        )

    def _issue(self, chat_id: int, args: list[str]) -> IssuedInvite | None:
        """The invite, when this chat is an enrolled therapist and the code their client."""
        person = self.s.people.by_chat(chat_id)
        config = self.s.config
        if not isinstance(person, TherapistRecord) or config.therapist(person.code) is None:
            return None
        client = config.client(args[0]) if len(args) == 1 else None
        if client is None or client.therapist != person.code:
            return None
        now = self.s.clock.now()
        try:
            audited_as = (Actor.THERAPIST, "/invite")
            return issue_invite(self.s.people, config, client.code, now, audited_as=audited_as)
        except CodeRetiredError:
            return None
