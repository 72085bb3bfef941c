"""Sessions from iCalendar (.ics) files, matched to clients by the code in each event's title.

A calendar belongs to the clinic (``clinic.ics``, any client) or to one therapist
(``therapists[].ics``, only that therapist's clients). Recurring events are expanded with
their exceptions (EXDATE, and moved instances with a RECURRENCE-ID). An event is one
client's session when its SUMMARY contains exactly one client code as a separate word,
letter case ignored; events with no code, with two clients' codes, all-day events and
cancelled events (STATUS:CANCELLED) are left out. Times without a zone are read in the
calendar owner's zone. The summary itself is never stored or logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from core.clinic import Client, ClinicConfig
from core.schedule import Session

log = logging.getLogger(__name__)

_WORDS = re.compile(r"[^A-Za-z0-9_-]+")
_DEFAULT = timedelta(minutes=50)
#: The last calendar read from each file, used when the file cannot be read for a while:
#: otherwise a calendar that vanished for a moment would cancel every pending check-in.
_LAST_GOOD: dict[str, icalendar.Calendar] = {}


class CalendarError(ValueError):
    """A calendar file that cannot be read or is not iCalendar."""


def read_calendar(path: str | Path) -> icalendar.Calendar:
    """Parse an .ics file, or raise CalendarError with a plain reason."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise CalendarError("file not found") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise CalendarError(f"cannot be read ({reason})") from None
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        raise CalendarError(f"not an iCalendar file ({error})") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarError("not an iCalendar file (no VCALENDAR)")
    return calendar


def match_client(summary: str, clients: Sequence[Client]) -> Client | None:
    """The one client whose code is a word of ``summary``, or None (no code or several)."""
    words = {w.casefold() for w in _WORDS.split(summary) if w}
    found = [c for c in clients if c.code.casefold() in words]
    return found[0] if len(found) == 1 else None


def _sources(config: ClinicConfig) -> list[tuple[str, list[Client], ZoneInfo]]:
    sources = []
    if config.clinic.ics:
        sources.append((config.clinic.ics, list(config.clients), config.clinic.tz))
    for therapist in config.therapists:
        if therapist.ics:
            clients = config.clients_of(therapist.code)
            sources.append((therapist.ics, clients, config.therapist_tz(therapist)))
    return sources


def _calendar(path: str) -> icalendar.Calendar | None:
    try:
        _LAST_GOOD[path] = read_calendar(path)
    except CalendarError as error:
        kind = type(error).__name__
        log.warning("calendar not readable; using the last good copy", extra={"error": kind})
    return _LAST_GOOD.get(path)


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def calendar_sessions(
    config: ClinicConfig, start: datetime, end: datetime
) -> dict[str, list[Session]]:
    """Sessions from the config's calendar files starting between ``start`` and ``end``."""
    found: dict[str, list[Session]] = {}
    for path, clients, owner_tz in _sources(config):
        calendar = _calendar(path)
        if calendar is None:
            continue
        for event in recurring_ical_events.of(calendar).between(start, end):
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            client = match_client(str(event.get("SUMMARY", "")), clients)
            begins, ends = event.start, event.end
            if client is None or not isinstance(begins, datetime):
                continue
            first = _aware(begins, owner_tz)
            last = _aware(ends, owner_tz) if isinstance(ends, datetime) else first + _DEFAULT
            source = f"calendar {Path(path).name}"
            found.setdefault(client.code, []).append(Session(first, max(last, first), source))
    return found
