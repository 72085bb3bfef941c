"""Calendar files named in a clinic file: found next to it, and readable before anything starts."""

from __future__ import annotations

import os
from typing import Any

from core.clinic_checks import Loc
from scheduler.calendars import CalendarError, read_calendar


def resolve_calendars(file: str, data: Any) -> list[tuple[Loc, str]]:
    """Make every ``ics`` path absolute (relative to ``file``) and check each file reads.

    Changes ``data`` in place; returns a (location, message) per unreadable calendar.
    """
    owners: list[tuple[Loc, Any]] = []
    if isinstance(data, dict):
        owners.append((("clinic",), data.get("clinic")))
        therapists = data.get("therapists")
        if isinstance(therapists, list):
            owners += [(("therapists", i), t) for i, t in enumerate(therapists)]
    problems: list[tuple[Loc, str]] = []
    for loc, owner in owners:
        if not isinstance(owner, dict) or not isinstance(owner.get("ics"), str):
            continue
        written = owner["ics"]
        owner["ics"] = path = os.path.join(os.path.dirname(os.path.abspath(file)), written)
        try:
            read_calendar(path)
        except CalendarError as error:
            problems.append(
                ((*loc, "ics"), f"calendar {written!r} (read next to this file): {error}")
            )
    return problems
