"""Sessions from iCalendar files, matched to clients by the code in each event's title."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.clinic import ClinicConfig
from core.schedule import Session


def calendar_sessions(
    config: ClinicConfig, start: datetime, end: datetime
) -> dict[str, Sequence[Session]]:
    """Sessions from the config's calendar files between ``start`` and ``end``, by client."""
    return {}
