"""Sorting what a send raised: chat gone, try again, or of unknown fate (bounded)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.adapter.notifier import classify
from core.delivery import (
    MAX_UNKNOWN_SENDS,
    Delivered,
    Delivery,
    Next,
    RetryLater,
    Unreachable,
    judge,
)


def _timed_out(cause: Exception) -> TimedOut:
    error = TimedOut()
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error",
    [
        TelegramError("Invalid server response"),  # a proxy's page instead of JSON
        KeyError("result"),  # an envelope without its result
        TypeError("Message.__init__() missing 1 required argument"),
        json.JSONDecodeError("Expecting value", "<html>", 0),
        _timed_out(httpx.ReadTimeout("read")),  # the request left: it may have arrived
        _timed_out(httpx.WriteTimeout("write")),
    ],
)
def test_errors_after_the_request_may_have_arrived_are_of_unknown_fate(error: Exception) -> None:
    assert classify(error) == RetryLater(type(error).__name__, unknown=True)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("Bad Gateway"),
        BadRequest("message text is empty"),
        _timed_out(httpx.ConnectTimeout("connect")),  # the request never left
        _timed_out(httpx.PoolTimeout("pool")),
    ],
)
def test_faults_telegram_describes_are_retried_as_before(error: Exception) -> None:
    assert classify(error) == RetryLater(type(error).__name__)


def test_a_blocked_bot_or_a_missing_chat_makes_the_client_unreachable() -> None:
    assert classify(Forbidden("Forbidden: bot was blocked by the user")) == Unreachable("Forbidden")
    assert classify(BadRequest("Bad Request: chat not found")) == Unreachable("BadRequest")


def test_a_flood_limit_is_waited_out() -> None:
    assert classify(RetryAfter(timedelta(seconds=7))) == RetryLater(
        "RetryAfter", retry_after=timedelta(seconds=7)
    )


def test_the_log_names_the_error_type_only(caplog: pytest.LogCaptureFixture) -> None:
    classify(KeyError("a client's private words"))

    (record,) = caplog.records
    assert record.__dict__["error"] == "KeyError"
    assert "private" not in record.getMessage()


def test_only_the_last_send_of_unknown_fate_gives_up() -> None:
    unknown = RetryLater("TelegramError", unknown=True)
    assert [_gives_up(n, unknown) for n in range(MAX_UNKNOWN_SENDS + 1)] == [False] * (
        MAX_UNKNOWN_SENDS - 1
    ) + [True, True]
    assert not _gives_up(MAX_UNKNOWN_SENDS, RetryLater("NetworkError"))
    assert not _gives_up(MAX_UNKNOWN_SENDS, Unreachable("Forbidden"))
    assert not _gives_up(MAX_UNKNOWN_SENDS, Delivered(1, 2))


def _gives_up(unknown_before: int, outcome: Delivery) -> bool:
    verdict = judge(outcome, datetime(2026, 11, 25, tzinfo=UTC), 1, unknown_before)
    return verdict.next is Next.GIVE_UP
