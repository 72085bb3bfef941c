"""Start-up with the real jobs: the bot answers people while its first planning still runs."""

from __future__ import annotations

import asyncio
import threading

import pytest

import bot.adapter.application as application_module
from bot.adapter.application import build_application
from bot.adapter.polling import polling
from bot.process.services import Services, bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import FixedClock
from sandbox import BotApiSandbox
from storage.planned import PlanCounts
from tests.e2e.conftest import KEY, TOKEN

WAIT = 10.0


async def test_the_bot_answers_while_its_first_planning_runs(
    config: ClinicConfig,
    clock: FixedClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = threading.Event(), threading.Event()
    planned: list[Services] = []

    def slow_plan(services: Services) -> PlanCounts:
        """A first planning that takes until the test lets it finish."""
        started.set()
        release.wait(timeout=30)
        planned.append(services)
        return PlanCounts()

    monkeypatch.setattr(application_module, "plan", slow_plan)
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as sandbox:
        settings = Settings(
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_url=sandbox.api_root,
            encryption_key=KEY,
            tick_seconds=3600,  # no tick during the test
        )
        services = bootstrap(config, database_url, clock, encryption_key=KEY)
        application = build_application(settings, services)
        try:
            async with polling(application):
                assert await asyncio.to_thread(started.wait, WAIT), "the first planning never ran"
                user = sandbox.user(4242)
                await user.send_command("help")
                answer = await user.wait_for_message(lambda m: bool(m.text), WAIT)
                assert answer.text
                assert not planned, "the answer waited for the planning"
                release.set()
                for _ in range(100):
                    if planned:
                        break
                    await asyncio.sleep(0.05)  # the planning thread finishing, not time passing
                assert planned == [services]
        finally:
            release.set()
            services.database.close()
