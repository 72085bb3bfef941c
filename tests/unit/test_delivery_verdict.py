"""What comes of one send: sent, chat gone, try again at a time, or give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.delivery import (
    MAX_UNKNOWN_SENDS,
    RETRY_BASE,
    RETRY_CAP,
    Delivered,
    Next,
    RetryLater,
    Unreachable,
    Verdict,
    judge,
    retry_delay,
)

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _half() -> float:
    return 0.5


def test_a_delivered_send_is_sent_and_never_draws_jitter() -> None:
    def no_jitter() -> float:
        raise AssertionError("a sent item is not retried")

    assert judge(Delivered(1, 2), NOW, 1, MAX_UNKNOWN_SENDS, no_jitter) == Verdict(Next.SENT)


def test_an_ordinary_fault_is_tried_again_after_the_backoff_with_the_given_jitter() -> None:
    verdict = judge(RetryLater("NetworkError"), NOW, 3, 0, _half)

    assert verdict == Verdict(Next.RETRY, "NetworkError", NOW + retry_delay(3, 0.5))
    assert verdict.retry_at == NOW + RETRY_BASE * 4 * 0.75


def test_a_fixed_jitter_gives_the_same_time_each_call() -> None:
    times = {judge(RetryLater("TimedOut"), NOW, 40, 0, lambda: 0.0).retry_at for _ in range(5)}

    assert times == {NOW + RETRY_CAP / 2}


def test_the_random_jitter_stays_within_the_backoff_bounds() -> None:
    for _ in range(50):
        at = judge(RetryLater("TimedOut"), NOW, 1, 0).retry_at
        assert at is not None
        assert NOW + RETRY_BASE / 2 <= at < NOW + RETRY_BASE


def test_a_429_is_tried_again_no_sooner_than_telegram_asked() -> None:
    asked = timedelta(minutes=7)

    verdict = judge(RetryLater("RetryAfter", retry_after=asked), NOW, 1, 0, _half)

    assert (verdict.next, verdict.retry_at) == (Next.RETRY, NOW + asked)


def test_a_chat_that_refuses_is_gone_with_a_time_for_items_that_keep_trying() -> None:
    verdict = judge(Unreachable("Forbidden"), NOW, 2, MAX_UNKNOWN_SENDS, _half)

    assert verdict == Verdict(Next.GONE, "Forbidden", NOW + retry_delay(2, 0.5))


def test_a_send_of_unknown_fate_counts_and_the_last_one_allowed_gives_up() -> None:
    unknown = RetryLater("TelegramError", unknown=True)

    before_last = judge(unknown, NOW, 2, MAX_UNKNOWN_SENDS - 2, _half)
    last = judge(unknown, NOW, 3, MAX_UNKNOWN_SENDS - 1, _half)

    assert (before_last.next, before_last.unknown) == (Next.RETRY, True)
    assert last == Verdict(Next.GIVE_UP, "TelegramError", unknown=True)
