"""Chat membership: a client who blocks the bot becomes unreachable, and back."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.process.services import Services


class MembershipHandlers:
    """Keeps the client's reachability in step with Telegram's membership updates."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def changed(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The client blocked (``kicked``) or unblocked (``member``) the bot."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if status == ChatMember.BANNED:
            self.s.people.set_reachable(change.chat.id, reachable=False)
        elif status == ChatMember.MEMBER:
            self.s.people.set_reachable(change.chat.id, reachable=True)
