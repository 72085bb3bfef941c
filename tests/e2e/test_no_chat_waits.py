"""No chat waits for another, and replies survive Telegram's hiccups.

A stranger flooding the bot does not slow a client tapping through a check-in, and gets a
bounded number of replies; two dozen clients opening their invites while Telegram fails
some calls and floods others all see the consent question and can agree.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from functools import partial

import pytest

from bot.adapter.updates import BACKLOG
from core.clinic import ClinicConfig
from core.model import ClientStatus
from sandbox import SandboxMessage, SimUser
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic, eventually, shows_step

#: A day after C101's Tuesday session: its check-in is due.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: Two dozen clients: the two of the test clinic and 22 more.
CODES = ["C101", "C102", *(f"C2{n:02d}" for n in range(22))]
#: Seconds the bot's flood costs a stranger's chat: one reply a second.
FLOOD = 15


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with two dozen clients."""
    base = clinic_config().model_dump()
    base["clients"] += [
        {"code": code, "therapist": "T01", "sessions": {"dates": ["2026-11-24T10:00"]}}
        for code in CODES[2:]
    ]
    return ClinicConfig.model_validate(base)


async def _tap_seconds(client: SimUser, checkin: SandboxMessage, label: str, step: int) -> float:
    """Seconds from a tap to its answer and the check-in's next question."""
    started = time.monotonic()
    answer = await client.tap(checkin, text=label)
    assert answer.text == "Saved."
    await client.wait_for_message(partial(shows_step, number=step))
    return time.monotonic() - started


async def test_a_flooding_stranger_does_not_slow_a_client_tapping_through_a_checkin(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    client, stranger = clinic.sandbox.user(1001), clinic.sandbox.user(6001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()
    quiet = await _tap_seconds(client, checkin, "8", 2)

    with caplog.at_level(logging.WARNING, logger="bot.adapter.updates"):
        for n in range(FLOOD):
            await stranger.send_text(f"hello {n}")
        await stranger.wait_for_message()  # the bot is working through the flood now
        flooded = [
            await _tap_seconds(client, checkin, label, step)
            for step, label in enumerate(("3", "Skip", "9"), start=3)
        ]
        # Before, each tap waited for every reply to the stranger: about a second each.
        assert max(flooded) < quiet + 0.5
        await eventually(lambda: len(stranger.messages()) >= BACKLOG, seconds=FLOOD)

    assert len(stranger.messages()) < FLOOD  # the rest of the flood was dropped, unanswered
    drops = [r for r in caplog.records if r.getMessage() == "updates dropped from a flooding chat"]
    assert drops
    assert drops[0].__dict__["chat_id"] == 6001


async def test_every_client_opening_an_invite_while_telegram_falters_is_asked_for_consent(
    clinic: Clinic,
) -> None:
    users = [clinic.sandbox.user(2000 + n) for n in range(len(CODES))]
    invites = [await clinic.invite(code) for code in CODES]
    sandbox = clinic.sandbox
    methods = ["sendMessage", "editMessageText", "answerCallbackQuery"]
    sandbox.fail_randomly(methods, error_code=502, fraction=0.15, seed=11)
    sandbox.fail_next("sendMessage", error_code=429, seconds=2)  # a short flood wait

    for user, invite in zip(users, invites, strict=True):
        await user.send_command("start", invite)
    asked = await asyncio.gather(
        *(user.wait_for_message(lambda m: "I agree" in m.button_labels, 30) for user in users)
    )
    await asyncio.gather(
        *(user.tap(q, text="I agree", timeout=30) for user, q in zip(users, asked, strict=True))
    )

    assert sandbox.stats.errors[502] > 0
    assert sandbox.stats.too_many_requests > 0
    sandbox.clear_faults()
    statuses = []
    for code in CODES:
        record = clinic.services.people.client(code)
        assert record is not None
        statuses.append(record.status)
    assert statuses == [ClientStatus.ACTIVE] * len(CODES)
