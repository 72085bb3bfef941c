"""The retention cut-off: calendar months back, the day clamped to the month's end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.retention import months_before


def noon(year: int, month: int, day: int) -> datetime:
    """12:30 UTC on a day."""
    return datetime(year, month, day, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "months", "expected"),
    [
        (noon(2026, 11, 26), 24, noon(2024, 11, 26)),
        (noon(2026, 11, 26), 1, noon(2026, 10, 26)),
        (noon(2026, 1, 15), 1, noon(2025, 12, 15)),
        (noon(2026, 5, 31), 3, noon(2026, 2, 28)),
        (noon(2028, 5, 31), 3, noon(2028, 2, 29)),  # leap year
        (noon(2026, 3, 31), 1, noon(2026, 2, 28)),
        (noon(2026, 12, 31), 12, noon(2025, 12, 31)),
        (noon(2026, 11, 26), 0, noon(2026, 11, 26)),
        (noon(2026, 11, 26), 240, noon(2006, 11, 26)),
    ],
)
def test_months_before_counts_calendar_months(
    now: datetime, months: int, expected: datetime
) -> None:
    assert months_before(now, months) == expected


def test_months_before_keeps_the_time_zone() -> None:
    assert months_before(noon(2026, 11, 26), 6).tzinfo is UTC


def test_a_negative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        months_before(noon(2026, 11, 26), -1)
