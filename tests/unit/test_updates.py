"""The update processor: each chat in order, chats side by side, a flooding chat bounded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from telegram import Bot, CallbackQuery, Chat, Message, Update, User

import bot.adapter.updates
from bot.adapter.retry import is_replying
from bot.adapter.updates import ChatOrderedProcessor

_WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _message(chat_id: int, n: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(n, message=Message(n, _WHEN, chat, text="hi"))


class FakeBot:
    """Records the taps it was asked to answer."""

    def __init__(self) -> None:
        self.answered: list[dict[str, Any]] = []

    async def answer_callback_query(self, **kwargs: Any) -> bool:
        self.answered.append(kwargs)
        return True


def _tap(chat_id: int, n: int, fake: FakeBot) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    user = User(chat_id, "Sim", is_bot=False)
    message = Message(n, _WHEN, chat, text="question")
    query = CallbackQuery(f"q{n}", user, "instance", message=message, data="x")
    query.set_bot(cast(Bot, fake))
    return Update(n, callback_query=query)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def _start(
    processor: ChatOrderedProcessor, update: Update, work: Awaitable[None]
) -> asyncio.Task[None]:
    return asyncio.create_task(processor.process_update(update, work))


async def test_updates_from_one_chat_are_handled_one_at_a_time_in_arrival_order() -> None:
    seen: list[str] = []

    async def handle(n: int) -> None:
        seen.append(f"start {n}")
        for _ in range(5 - n):  # earlier updates take longer
            await asyncio.sleep(0)
        seen.append(f"end {n}")

    async with ChatOrderedProcessor() as processor:
        await asyncio.gather(*(_start(processor, _message(7, n), handle(n)) for n in range(4)))

    assert seen == [f"{edge} {n}" for n in range(4) for edge in ("start", "end")]


async def test_another_chat_is_handled_while_a_chat_waits_for_its_turn() -> None:
    release = asyncio.Event()
    done: list[int] = []

    async def slow() -> None:
        await release.wait()
        done.append(1)

    async def quick(chat: int) -> None:
        done.append(chat)

    async with ChatOrderedProcessor(running=2) as processor:
        first = _start(processor, _message(1, 1), slow())
        queued = [_start(processor, _message(1, n), quick(1)) for n in range(2, 7)]
        other = _start(processor, _message(2, 9), quick(2))
        await asyncio.wait_for(other, 1.0)  # one running slot is taken, five wait for chat 1

        assert done == [2]
        release.set()
        await asyncio.gather(first, *queued)
    assert done == [2, 1, 1, 1, 1, 1, 1]


async def test_updates_without_a_chat_run_freely_and_count_as_replies() -> None:
    replying: list[bool] = []

    async def handle() -> None:
        replying.append(is_replying())

    async with ChatOrderedProcessor() as processor:
        await processor.process_update(Update(1), handle())
        await processor.process_update(_message(3, 2), handle())

    assert replying == [True, True]
    assert not is_replying()


async def test_a_flooding_chat_gets_at_most_its_share_a_minute_and_others_are_unaffected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    handled: list[int] = []

    async def handle(chat: int) -> None:
        handled.append(chat)

    async with ChatOrderedProcessor(per_minute=3, clock=clock) as processor:
        with caplog.at_level(logging.WARNING, logger="bot.adapter.updates"):
            for n in range(12):
                await processor.process_update(_message(66, n), handle(66))
        await processor.process_update(_message(5, 99), handle(5))
        clock.now += 61
        await processor.process_update(_message(66, 100), handle(66))

    assert handled == [66, 66, 66, 5, 66]
    drops = [r for r in caplog.records if r.getMessage() == "updates dropped from a flooding chat"]
    assert [(r.__dict__["chat_id"], r.__dict__["dropped"]) for r in drops] == [(66, 1)]


async def test_a_chat_with_a_full_backlog_has_its_next_updates_dropped() -> None:
    release = asyncio.Event()
    handled: list[int] = []

    async def handle(n: int) -> None:
        await release.wait()
        handled.append(n)

    async with ChatOrderedProcessor(backlog=2) as processor:
        tasks = [_start(processor, _message(8, n), handle(n)) for n in range(5)]
        await _settle()
        release.set()
        await asyncio.gather(*tasks)

    assert handled == [0, 1]


async def test_a_dropped_tap_is_still_answered_at_once_without_text() -> None:
    fake = FakeBot()
    release = asyncio.Event()
    handled: list[int] = []

    async def handle(n: int) -> None:
        await release.wait()
        handled.append(n)

    async with ChatOrderedProcessor(backlog=1) as processor:
        first = _start(processor, _tap(9, 1, fake), handle(1))
        await _settle()
        await asyncio.wait_for(processor.process_update(_tap(9, 2, fake), handle(2)), 1.0)

        assert [answer["callback_query_id"] for answer in fake.answered] == ["q2"]
        assert fake.answered[0]["text"] is None
        release.set()
        await first
    assert handled == [1]


async def test_idle_chats_are_forgotten_so_memory_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.adapter.updates, "_REMEMBER", 5)
    clock = FakeClock()

    async def handle() -> None:
        pass

    async with ChatOrderedProcessor(clock=clock) as processor:
        for chat in range(20):
            await processor.process_update(_message(chat + 1, chat), handle())
        assert processor.known_chats() == 20  # all of them sent something within the minute
        clock.now += 61
        await processor.process_update(_message(500, 500), handle())

        assert processor.known_chats() == 1
