"""Turns on the shared send timelines: two workers (two engines on one PostgreSQL database)
never get turns closer than the spacing, and a hold set by one holds the other."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from storage.database import Database
from storage.send_budget import SendSlots, TurnStatus
from storage.tables import SendSlotRow

INTERVAL = 1 / 29
SPACING = 1.05
#: Microseconds: the database keeps instants to the microsecond.
TICK = timedelta(microseconds=1)


@pytest.fixture
def other(database: Database, database_url: str) -> Iterator[Database]:
    """A second worker's handle on the same database: an engine of its own."""
    if not database.is_postgresql:
        pytest.skip("the send budget is shared through PostgreSQL only")
    second = Database.connect(database_url, upgrade=False)
    yield second
    second.close()


def _near(seconds: float | list[float]) -> object:
    """Equal to the microsecond the database keeps."""
    return pytest.approx(seconds, abs=2e-6)


def _slots(database: Database, clock: FixedClock | None = None) -> SendSlots:
    return SendSlots(database, INTERVAL, SPACING, clock.now if clock else None)


def test_two_workers_reserving_at_once_never_get_turns_closer_than_the_interval(
    database: Database, other: Database
) -> None:
    workers = [_slots(database), _slots(other)]

    def reserve_many(slots: SendSlots) -> list[datetime]:
        turns = [slots.reserve(None) for _ in range(40)]
        assert {turn.status for turn in turns} == {TurnStatus.GRANTED}
        return [turn.at for turn in turns]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(reserve_many, workers)

    turns = sorted(first + second)
    assert len(set(turns)) == 80
    gaps = [later - earlier for earlier, later in itertools.pairwise(turns)]
    assert min(gaps) >= timedelta(seconds=INTERVAL) - TICK


def test_a_chat_one_worker_sends_to_waits_for_its_spacing_in_the_other(
    database: Database, other: Database, clock: FixedClock
) -> None:
    mine, theirs = _slots(database, clock), _slots(other, clock)
    sent = mine.reserve(7)
    assert (sent.status, sent.wait) == (TurnStatus.GRANTED, 0.0)

    busy = theirs.reserve(7)
    assert (busy.status, busy.wait) == (TurnStatus.CHAT_BUSY, _near(SPACING))
    elsewhere = theirs.reserve(8)  # another chat goes on, at the next overall turn
    assert (elsewhere.status, elsewhere.wait) == (TurnStatus.GRANTED, _near(INTERVAL))

    clock.advance(timedelta(seconds=SPACING))
    again = theirs.reserve(7)
    assert again.status is TurnStatus.GRANTED
    assert again.at - sent.at >= timedelta(seconds=SPACING)


def test_a_hold_set_by_one_worker_holds_the_others_turns(
    database: Database, other: Database, clock: FixedClock
) -> None:
    mine, theirs = _slots(database, clock), _slots(other, clock)
    mine.reserve(None)

    mine.hold(5)

    assert theirs.hold_left() == _near(5)
    too_far = theirs.reserve(8, max_wait=2)
    assert (too_far.status, too_far.wait) == (TurnStatus.TOO_FAR, _near(5))
    granted = theirs.reserve(8, max_wait=10)
    assert (granted.status, granted.wait) == (TurnStatus.GRANTED, _near(5))
    clock.advance(timedelta(seconds=6))
    assert mine.hold_left() == 0.0


def test_the_shared_window_counts_sends_that_really_went_out_from_every_worker(
    database: Database, other: Database, clock: FixedClock
) -> None:
    mine, theirs = _slots(database, clock), _slots(other, clock)
    for n in range(30):  # late turns of both workers, going out 10 ms apart
        assert (mine if n % 2 else theirs).stamp(30, 1.025) == 0.0
        clock.advance(timedelta(seconds=0.01))
    clock.advance(timedelta(seconds=0.2))  # 0.5 s after the first

    assert mine.stamp(30, 1.025) == _near(0.525)  # the window is full: nothing counted
    assert theirs.stamp(30, 1.025) == _near(0.525)
    clock.advance(timedelta(seconds=0.525))
    assert theirs.stamp(30, 1.025) == 0.0  # the first left the window
    assert mine.stamp(30, 1.025) == _near(0.01)  # the second leaves 10 ms later


def test_the_window_keeps_only_as_many_instants_as_it_counts(
    database: Database, clock: FixedClock
) -> None:
    if not database.is_postgresql:
        pytest.skip("the send budget is shared through PostgreSQL only")
    slots = _slots(database, clock)
    for _ in range(100):
        slots.stamp(3, 0.1)
        clock.advance(timedelta(seconds=0.2))

    with database.transaction() as s:
        sent = s.scalar(select(SendSlotRow.sent).where(SendSlotRow.key == "global"))
    assert sent is not None
    assert len(sent) == 3
    assert sent == sorted(sent)


def test_no_turns_are_saved_up_while_nobody_sends(database: Database, clock: FixedClock) -> None:
    if not database.is_postgresql:
        pytest.skip("the send budget is shared through PostgreSQL only")
    slots = _slots(database, clock)
    slots.reserve(None)
    clock.advance(timedelta(seconds=10))

    turns = [slots.reserve(None) for _ in range(3)]

    assert [turn.wait for turn in turns] == _near([0, INTERVAL, 2 * INTERVAL])


def test_chats_not_sent_to_for_a_while_are_forgotten(database: Database, clock: FixedClock) -> None:
    if not database.is_postgresql:
        pytest.skip("the send budget is shared through PostgreSQL only")
    slots = _slots(database, clock)
    slots.reserve(7)
    clock.advance(timedelta(seconds=30))
    slots.reserve(8)
    clock.advance(timedelta(seconds=40))

    assert slots.forget(older_than=60) == 1

    with database.transaction() as s:
        keys = set(s.scalars(select(SendSlotRow.key)))
    assert keys == {"global", "8"}


def test_sqlite_has_the_table_but_no_shared_budget(database: Database) -> None:
    if database.is_postgresql:
        pytest.skip("SQLite only")
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SendSlotRow)) == 0
    with pytest.raises(ValueError, match="PostgreSQL"):
        _slots(database)
