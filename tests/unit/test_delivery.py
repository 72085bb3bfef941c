"""Retry timing: capped exponential backoff with jitter, never sooner than Telegram asks."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.delivery import RETRY_BASE, RETRY_CAP, retry_delay

ALMOST_ONE = 0.999_999


def test_the_first_retry_waits_between_half_and_all_of_the_base_delay() -> None:
    assert retry_delay(1, 0.0) == RETRY_BASE / 2
    assert RETRY_BASE / 2 < retry_delay(1, ALMOST_ONE) < RETRY_BASE


def test_the_base_is_thirty_seconds_and_the_cap_thirty_minutes() -> None:
    assert timedelta(seconds=30) == RETRY_BASE
    assert timedelta(minutes=30) == RETRY_CAP


@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.5, ALMOST_ONE])
def test_each_failure_doubles_the_delay_until_the_cap(jitter: float) -> None:
    delays = [retry_delay(attempts, jitter) for attempts in range(1, 7)]
    for earlier, later in itertools.pairwise(delays):
        assert later == earlier * 2


def test_the_delay_grows_from_thirty_seconds_to_the_cap() -> None:
    full = [retry_delay(attempts, 0.0) * 2 for attempts in range(1, 9)]
    assert [d.total_seconds() for d in full] == [30, 60, 120, 240, 480, 960, 1800, 1800]


@pytest.mark.parametrize("attempts", [7, 8, 20, 64, 10_000, 10**9])
def test_the_delay_is_capped_however_many_attempts(attempts: int) -> None:
    assert retry_delay(attempts, 0.0) == RETRY_CAP / 2
    assert retry_delay(attempts, ALMOST_ONE) < RETRY_CAP


@pytest.mark.parametrize("attempts", [0, -1, -100])
def test_zero_or_negative_attempts_wait_like_the_first(attempts: int) -> None:
    assert retry_delay(attempts, 0.5) == retry_delay(1, 0.5)


def test_more_jitter_means_a_longer_wait() -> None:
    assert retry_delay(3, 0.1) < retry_delay(3, 0.6) < retry_delay(3, 0.9)


def test_a_retry_after_longer_than_the_backoff_wins() -> None:
    asked = timedelta(minutes=5)
    assert retry_delay(1, 0.5, retry_after=asked) == asked


def test_a_retry_after_shorter_than_the_backoff_does_not_shorten_it() -> None:
    assert retry_delay(5, 0.5, retry_after=timedelta(seconds=1)) == retry_delay(5, 0.5)


def test_a_retry_after_longer_than_the_cap_is_still_honoured() -> None:
    asked = timedelta(hours=2)
    assert retry_delay(50, 0.9, retry_after=asked) == asked


@settings(max_examples=100, deadline=None, database=None)
@given(
    attempts=st.integers(-5, 10_000),
    jitter=st.floats(0.0, 1.0, exclude_max=True),
    retry_after=st.one_of(st.none(), st.integers(0, 10_000).map(lambda s: timedelta(seconds=s))),
)
def test_the_delay_is_within_its_jitter_bounds_and_never_sooner_than_asked(
    attempts: int, jitter: float, retry_after: timedelta | None
) -> None:
    delay = retry_delay(attempts, jitter, retry_after)
    doublings = min(max(attempts - 1, 0), 64)
    backoff = timedelta(seconds=min(30 * 2**doublings, 1800))
    assert delay >= backoff / 2
    assert delay <= max(backoff, retry_after or timedelta(0))
    assert delay >= (retry_after or timedelta(0))
    assert delay > timedelta(0)


@settings(max_examples=100, deadline=None, database=None)
@given(attempts=st.integers(1, 40), jitter=st.floats(0.0, 1.0, exclude_max=True))
def test_the_delay_never_shrinks_as_attempts_grow(attempts: int, jitter: float) -> None:
    assert retry_delay(attempts + 1, jitter) >= retry_delay(attempts, jitter)
