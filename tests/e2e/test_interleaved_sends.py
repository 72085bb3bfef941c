"""Sends to different chats interleave: one therapist's digest, its parts a second apart,
holds back only that therapist's chat. Through the real application and the sandbox."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapter.notifier import TelegramNotifier
from bot.adapter.views import View
from core.clinic import ClinicConfig
from core.delivery import RetryLater
from scheduler.sending import STOPPED
from tests.e2e.conftest import Clinic
from tests.e2e.test_digests import DIGEST_TIME, two_therapists, week_of_checkins

THERAPIST_CHATS = {3001, 3002}


@pytest.fixture
def config() -> ClinicConfig:
    """T01 with C101 and C102, T02 with C201 (as in the digest tests)."""
    return two_therapists()


async def test_two_therapists_digests_go_out_side_by_side_each_in_its_own_order(
    clinic: Clinic,
) -> None:
    await week_of_checkins(clinic)
    before = len(clinic.sandbox.bot_messages())
    clinic.clock.set(DIGEST_TIME)

    report = await clinic.tick()

    assert report.digests == 2
    sent = [m for m in clinic.sandbox.bot_messages()[before:] if m.chat_id in THERAPIST_CHATS]
    assert len(sent) == 4  # each a text and a chart, a second apart in its chat
    # One after the other, a chat's second part would come before the other chat's first.
    assert {sent[0].chat_id, sent[1].chat_id} == THERAPIST_CHATS
    for chat in THERAPIST_CHATS:
        text, chart = (m for m in sent if m.chat_id == chat)
        assert "weekly summary" in (text.text or "")
        assert chart.photo is not None


async def test_a_stopping_notifier_starts_no_further_part(clinic: Clinic) -> None:
    therapist = clinic.sandbox.user(3001)
    stopping = asyncio.Event()
    notifier = TelegramNotifier(clinic.application.bot, clinic.services, stopping=stopping)
    stopping.set()

    sent = await notifier.send_all(therapist.id, [View("one"), View("two")], skip_parts=1)

    assert sent.parts_sent == 1  # what was sent before is kept; nothing more went out
    assert sent.outcome == RetryLater(STOPPED)
    assert therapist.messages() == []
