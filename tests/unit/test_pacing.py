"""The pacer's timeline, with a fake clock whose sleeps move time on."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapter.pacing import Pacer, TurnTooFarError


class FakeTime:
    """A monotonic clock that only moves when someone sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.overshoot = 0.0  # how late every sleeper wakes

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.overshoot


def _pacer(time: FakeTime, rate: float = 10) -> Pacer:
    return Pacer(rate, clock=time.clock, sleep=time.sleep)


async def test_turns_come_one_interval_apart_and_the_first_is_free() -> None:
    time = FakeTime()
    pacer = _pacer(time)
    admitted = []
    for _ in range(5):
        await pacer.turn()
        admitted.append(round(time.now - 100, 3))
    assert admitted == [0.0, 0.1, 0.2, 0.3, 0.4]


async def test_late_wake_ups_do_not_slow_a_steady_sender_down() -> None:
    time = FakeTime()
    time.overshoot = 0.02  # every sleep wakes 20 ms late
    pacer = _pacer(time)
    for _ in range(101):
        await pacer.turn()
        time.now += 0.005  # the request itself
    # 100 intervals of 0.1 s on the timeline; only the last wake-up's lateness shows
    assert time.now - 100 == pytest.approx(10.0 + 0.02 + 0.005, abs=1e-6)


async def test_an_idle_spell_saves_no_burst() -> None:
    time = FakeTime()
    pacer = _pacer(time)
    await pacer.turn()
    time.now += 60
    await pacer.turn()
    started = time.now
    await pacer.turn()
    assert time.now - started == pytest.approx(0.1)


async def test_concurrent_callers_get_successive_turns_in_order() -> None:
    time = FakeTime()
    pacer = _pacer(time)
    order: list[int] = []

    async def caller(n: int) -> None:
        await pacer.turn()
        order.append(n)

    await asyncio.gather(*(caller(n) for n in range(4)))
    assert order == [0, 1, 2, 3]
    assert pacer.wait_left() == pytest.approx(0.4 - (time.now - 100))


async def test_a_hold_keeps_every_turn_back_and_a_long_one_is_refused_not_waited() -> None:
    time = FakeTime()
    pacer = _pacer(time)
    pacer.hold(3)
    with pytest.raises(TurnTooFarError) as refused:
        await pacer.turn(max_wait=2)
    assert refused.value.seconds == pytest.approx(3)
    assert time.now == 100  # nothing waited, no turn taken

    await pacer.turn(max_wait=5)
    assert time.now == pytest.approx(103)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


async def test_after_a_late_turn_no_window_holds_more_than_its_share() -> None:
    time = FakeTime()
    pacer = Pacer(10, per_window=10, window=1.05, clock=time.clock, sleep=time.sleep)
    sent = []
    for n in range(40):
        time.overshoot = 0.08 if n == 5 else 0.0  # this one wakes late; the timeline stays
        await pacer.turn()
        sent.append(time.now)
    for i in range(len(sent) - 10):
        assert sent[i + 10] - sent[i] >= 1.05 - 1e-9
    assert sent[-1] - sent[0] == pytest.approx(3.9 + 0.08, abs=0.1)  # still about 10 a second


async def test_a_turn_out_of_line_waits_for_no_queue_and_leaves_the_queue_in_place() -> None:
    time = FakeTime()
    pacer = Pacer(10, per_window=10, window=1.0, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        await pacer.turn()  # the queue's turns so far: 0.0, 0.1, 0.2; the next at 0.3
    queued = pacer.wait_left()

    await pacer.prompt()

    assert time.now == pytest.approx(100.2)  # at once
    assert pacer.wait_left() == pytest.approx(queued)  # the queue's next turn unchanged


async def test_turns_out_of_line_count_in_the_window_the_queue_waits_for() -> None:
    time = FakeTime()
    pacer = Pacer(10, per_window=10, window=1.0, clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        await pacer.prompt()  # ten replies at once fill the window
    assert time.now == 100

    await pacer.turn()  # the queue's turn is now, but the window is full
    assert time.now == pytest.approx(101)
    await pacer.prompt()  # and so is a reply's
    assert time.now == pytest.approx(101)  # the second of the ten left at 100 too


async def test_a_turn_out_of_line_waits_out_a_hold_or_refuses_a_long_one() -> None:
    time = FakeTime()
    pacer = _pacer(time)
    pacer.hold(3)
    with pytest.raises(TurnTooFarError):
        await pacer.prompt(max_wait=2)
    assert time.now == 100

    await pacer.prompt(max_wait=5)
    assert time.now == pytest.approx(103)


class SharedTime:
    """A clock for callers waiting at once: a sleep lets the others run, then moves the
    clock to its end (never back)."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        end = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, end)


async def test_a_turn_out_of_line_gets_the_room_the_queue_waits_for_first() -> None:
    time = SharedTime()
    pacer = Pacer(10, per_window=10, window=1.0, clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        await pacer.prompt()  # the window is full until 101
    order: list[str] = []

    async def queued() -> None:
        await pacer.turn()
        order.append("queue")

    async def reply() -> None:
        await pacer.prompt()
        order.append("reply")

    await asyncio.gather(queued(), reply())  # the queue's turn asked first

    assert order == ["reply", "queue"]
    assert time.now == pytest.approx(101.1)  # the queue's turn the moment after
