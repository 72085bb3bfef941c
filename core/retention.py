"""How long answers and notes are kept: the cut-off instant for a retention period."""

from __future__ import annotations

import calendar
from datetime import datetime


def months_before(now: datetime, months: int) -> datetime:
    """The same instant ``months`` calendar months earlier (the day clamped to the month).

    31 May minus 3 months is 28 (or 29) February at the same time of day.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)
