"""The real PTB application, polling the local Telegram sandbox over HTTP.

Time is a FixedClock: the tests plan and tick by hand instead of waiting for jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from bot.adapter.application import App, PlanCounts, build_application, plan, tick
from bot.adapter.invites import invite_link
from bot.adapter.polling import polling
from bot.process.crypto import new_key
from bot.process.reload import reconfigure
from bot.process.services import Services, bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import FixedClock
from sandbox import BotApiSandbox, SandboxMessage, SimUser
from scheduler.tick import TickReport

TOKEN = "123456:E2E-TEST-TOKEN"
#: Notes are encrypted in every end-to-end test, as in production.
KEY = new_key()


@dataclass
class Clinic:
    """A running bot with its sandbox, clock and storage, as one test sees it."""

    sandbox: BotApiSandbox
    services: Services
    application: App
    settings: Settings
    clock: FixedClock
    notes: dict[str, Any] = field(default_factory=dict)  # per-test scratch space

    async def invite(self, code: str) -> str:
        """A fresh invite token for ``code``, made the way ``alliance invite`` makes it."""
        link, _note = await invite_link(self.settings, self.services.config, code)
        return link.rsplit("=", 1)[1]

    async def enrol(self, user: SimUser, code: str, consent: bool = True) -> SandboxMessage:
        """Open an invite link as ``user`` and answer the consent question."""
        await user.send_command("start", await self.invite(code))
        request = await user.wait_for_message(lambda m: "I agree" in m.button_labels)
        if consent:
            await user.tap(request, text="I agree")
        return request

    async def enrol_therapist(self, user: SimUser, code: str = "T01") -> SandboxMessage:
        """Open therapist ``code``'s invite link as ``user``; returns the welcome."""
        await user.send_command("start", await self.invite(code))
        return await user.wait_for_message(lambda m: "linked to therapist code" in (m.text or ""))

    async def answer(
        self, user: SimUser, values: Sequence[str], note: str | None = None, share: str = "Share"
    ) -> None:
        """Answer ``user``'s open check-in: tap each of ``values`` (a scale value or Skip),
        then Skip the note prompt, or write ``note`` and tap ``share`` (a button's label or
        part of it: "Share", "Keep")."""
        checkin = user.last_message()
        for number, value in enumerate(values, start=2):
            await user.tap(checkin, text=value)
            await user.wait_for_message(partial(shows_step, number=number))
        if note is None:
            await user.tap(checkin, text="Skip")
        else:
            await user.send_text(note)
            choice = await user.wait_for_message(lambda m: "Keep it private" in m.button_labels)
            await user.tap(choice, text=share)
        await user.wait_for_message(lambda m: "answers are saved" in (m.text or ""))

    def plan(self) -> PlanCounts:
        """Run the planning job once."""
        return plan(self.services)

    def reconfigure(self, config: ClinicConfig) -> PlanCounts:
        """Load a changed config as ``alliance sync`` and the running bot do."""
        return reconfigure(self.services, config)

    async def tick(self) -> TickReport:
        """Run the scheduler tick once at the clock's time."""
        return await tick(self.application.bot, self.services)

    async def advance(self, delta: timedelta) -> TickReport:
        """Move the clock and tick."""
        self.clock.advance(delta)
        return await self.tick()


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until the bot has finished work it does after its last message (an audit entry).

    Not a clock: the FixedClock stands still; this only lets the handler's task finish.
    """
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


def shows_step(message: SandboxMessage, number: int) -> bool:
    """Whether a check-in message shows question ``number`` (5 and up: the note prompt)."""
    text = message.text or ""
    return f"question {number} of 4" in text or (number > 4 and "bring up next time" in text)


@pytest.fixture
def settings_changes() -> dict[str, Any]:
    """Settings a test module or class changes for its bot (override this fixture)."""
    return {}


@pytest.fixture
async def clinic(
    config: ClinicConfig, clock: FixedClock, database_url: str, settings_changes: dict[str, Any]
) -> AsyncIterator[Clinic]:
    """The bot running against the sandbox with the test clinic and a fixed clock."""
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as sandbox:
        settings = Settings(
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_url=sandbox.api_root,
            encryption_key=KEY,
            **settings_changes,
        )
        services = bootstrap(config, database_url, clock, encryption_key=KEY)
        application = build_application(settings, services, schedule_jobs=False)
        async with polling(application):
            yield Clinic(sandbox, services, application, settings, clock)
        services.database.close()
