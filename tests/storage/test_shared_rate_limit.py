"""Two rate limiters (two workers) on one PostgreSQL database spend one Telegram budget: one
overall timeline, each chat's spacing across both, and a ``429`` seen by one holds the
other. Time is fake: sleeping moves the shared clock on."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import RetryAfter

from bot.adapter.budget import LocalBudget, SharedBudget
from bot.adapter.pacing import Pacer
from bot.adapter.ratelimit import (
    CHAT_MARGIN,
    OVERALL,
    PER_CHAT,
    WINDOW,
    ChatSpacedRateLimiter,
    send_budget,
)
from bot.adapter.retry import replying, urgent
from storage.database import Database
from storage.send_budget import SendSlots

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
#: What the database keeps of an instant, and so of a wait.
MICROSECOND = 1e-6


class FakeTime:
    """One clock for both workers (as the database's is), moved on only by sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def instant(self) -> datetime:
        return START + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Calls:
    """The Bot API: records when each send reached it, and to which chat."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.sent: list[tuple[float, int]] = []

    async def send(self, chat: int, limiter: ChatSpacedRateLimiter, **options: float) -> None:
        async def call() -> bool:
            self.sent.append((self.time.now, chat))
            if "flood" in options:
                raise RetryAfter(timedelta(seconds=options["flood"]))
            return True

        data = {"chat_id": chat, "text": "x"}
        await limiter.process_request(call, (), {}, "sendMessage", data, None)


@pytest.fixture
def workers(database: Database, database_url: str) -> Iterator[list[Database]]:
    """Two workers' handles on the same PostgreSQL database."""
    if not database.is_postgresql:
        pytest.skip("the send budget is shared through PostgreSQL only")
    second = Database.connect(database_url, upgrade=False)
    yield [database, second]
    second.close()


def _limiter(
    database: Database, time: FakeTime, max_flood_wait: float = 10
) -> ChatSpacedRateLimiter:
    slots = SendSlots(database, 1 / OVERALL, PER_CHAT + CHAT_MARGIN, clock=time.instant)
    local = LocalBudget(Pacer(OVERALL, *WINDOW, clock=time.clock, sleep=time.sleep))
    return ChatSpacedRateLimiter(
        clock=time.clock,
        sleep=time.sleep,
        max_flood_wait=max_flood_wait,
        budget=SharedBudget(slots, local, WINDOW, clock=time.clock, sleep=time.sleep),
    )


async def test_two_workers_sending_to_other_chats_keep_to_one_overall_pace(
    workers: list[Database],
) -> None:
    time = FakeTime()
    first, second = (_limiter(database, time) for database in workers)
    calls = Calls(time)

    for n in range(30):  # the workers' ticks take turns, each to chats of its own
        await calls.send(100 + n, first if n % 2 else second)

    times = [at for at, _ in calls.sent]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / OVERALL - MICROSECOND  # each alone would have sent at once
    assert times[-1] == pytest.approx(29 / OVERALL, abs=30 * MICROSECOND)


async def test_a_chat_is_spaced_across_workers(workers: list[Database]) -> None:
    time = FakeTime()
    first, second = (_limiter(database, time) for database in workers)
    calls = Calls(time)

    await calls.send(7, first)
    await calls.send(8, second)
    await calls.send(7, second)

    (to_7, _), (to_8, _), (again_to_7, _) = calls.sent
    assert to_8 - to_7 < 0.1  # another chat did not wait
    assert again_to_7 - to_7 >= PER_CHAT + CHAT_MARGIN - MICROSECOND


async def test_sends_another_worker_put_out_late_hold_this_ones_until_the_window_has_room(
    workers: list[Database],
) -> None:
    time = FakeTime()
    theirs = SendSlots(workers[1], 1 / OVERALL, PER_CHAT + CHAT_MARGIN, clock=time.instant)
    per_window, window = WINDOW
    for _ in range(per_window):  # its turns came over the last second; the sends, just now
        theirs.stamp(per_window, window)
    calls = Calls(time)

    await calls.send(7, _limiter(workers[0], time))

    assert calls.sent[0][0] == pytest.approx(window, abs=MICROSECOND)


async def test_a_reply_skips_the_shared_queue_but_not_a_chats_spacing(
    workers: list[Database],
) -> None:
    time = FakeTime()
    first, second = (_limiter(database, time) for database in workers)
    queue = SendSlots(workers[0], 1 / OVERALL, PER_CHAT + CHAT_MARGIN, clock=time.instant)
    for _ in range(29):  # the round's sends in flight took the next second's turns
        queue.reserve(None)
    calls = Calls(time)

    with replying():
        await calls.send(8, second)
    assert calls.sent[-1][0] == 0.0  # at once, not after the queue
    await calls.send(7, first)  # a scheduled send waits for the queue
    assert calls.sent[-1][0] == pytest.approx(29 / OVERALL, abs=30 * MICROSECOND)
    with replying():  # a reply to the same chat from the other worker: its spacing holds
        await calls.send(7, second)
    assert calls.sent[-1][0] - calls.sent[-2][0] >= PER_CHAT + CHAT_MARGIN - MICROSECOND


async def test_a_429_seen_by_one_worker_holds_the_other(workers: list[Database]) -> None:
    time = FakeTime()
    first, second = _limiter(workers[0], time), _limiter(workers[1], time, max_flood_wait=2)
    calls = Calls(time)
    with pytest.raises(RetryAfter):
        await calls.send(7, first, flood=3)

    with pytest.raises(RetryAfter) as held:  # longer than it waits inside a request
        await calls.send(8, second)
    assert held.value.retry_after == timedelta(seconds=3)
    assert len(calls.sent) == 1  # the second worker did not call Telegram
    with urgent():  # an urgent send skips the queue, not the hold
        await calls.send(9, _limiter(workers[1], time))
    assert calls.sent[-1][0] >= 3 - MICROSECOND


async def test_the_budget_follows_the_database(database: Database) -> None:
    budget = send_budget(database)
    assert isinstance(budget, SharedBudget if database.is_postgresql else LocalBudget)


async def test_without_the_database_a_worker_paces_alone_rather_than_fail_its_sends() -> None:
    time = FakeTime()
    unreachable = Database.connect("postgresql+psycopg://nobody@127.0.0.1:1/none", upgrade=False)
    try:
        limiter = _limiter(unreachable, time)
        calls = Calls(time)
        for chat in (7, 8):
            await calls.send(chat, limiter)
    finally:
        unreachable.close()
    assert [chat for _, chat in calls.sent] == [7, 8]
    assert calls.sent[1][0] - calls.sent[0][0] == pytest.approx(1 / OVERALL)


async def test_a_limiter_shut_down_and_started_again_still_sends(
    workers: list[Database],
) -> None:
    time = FakeTime()
    limiter = _limiter(workers[0], time)
    calls = Calls(time)
    await calls.send(7, limiter)

    await limiter.shutdown()
    await limiter.initialize()
    await calls.send(8, limiter)

    assert [chat for _, chat in calls.sent] == [7, 8]
