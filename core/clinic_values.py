"""Value types of the clinic config: local times and dates, sessions, the timing policy."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from core.schema_hints import text_schema
from core.timing import CheckinTiming, QuietHours

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_LOCAL_DT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


def _hhmm(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f"invalid time {str(value)!r}, expected HH:MM (24-hour)")


def _local_datetime(value: Any) -> Any:
    text = str(value)
    offset = f"{text!r} has a UTC offset; session times are local wall-clock times, drop it"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(offset)
        return value
    if isinstance(value, str) and _LOCAL_DT.fullmatch(value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"invalid date {value!r}: {exc}") from None
    if isinstance(value, str) and _LOCAL_DT.match(value) and _OFFSET.search(value):
        raise ValueError(offset)
    raise ValueError(f"invalid date and time {text!r}, expected local YYYY-MM-DDTHH:MM")


def _local_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"invalid date {value!r}: {exc}") from None
    raise ValueError(f"invalid date {str(value)!r}, expected YYYY-MM-DD")


def _session_ref(value: Any) -> Any:
    """A local day (YYYY-MM-DD) or a local start time (YYYY-MM-DDTHH:MM)."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and len(value) > 10):
        return _local_datetime(value)
    try:
        return _local_date(value)
    except ValueError:
        raise ValueError(
            f"invalid session {str(value)!r}, expected a local date YYYY-MM-DD "
            "or a local date and time YYYY-MM-DDTHH:MM"
        ) from None


_DELAY = re.compile(r"(\d{1,3})\s*(d|days?|h|hours?)", re.IGNORECASE)


def _delay(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"{value} needs a unit: '{value}d' for days or '{value}h' for hours")
    match = _DELAY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        expected = "expected days like '1d' or hours like '36h'"
        raise ValueError(f"invalid delay {str(value)!r}, {expected}")
    amount, days = int(match[1]), match[2][0].lower() == "d"
    if amount > (14 if days else 336):
        raise ValueError(f"delay {value!r} is too long: at most 14 days (336 hours)")
    return f"{amount}{'d' if days else 'h'}"


def _quiet(value: Any) -> Any:
    if isinstance(value, QuietHours):
        return value
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "none")):
        return False
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) == 2:
        start, end = (_hhmm(part.strip()) for part in parts)
        if start == end:
            raise ValueError("quiet hours start and end at the same time; use false for none")
        return QuietHours(start, end)
    raise ValueError(f'invalid quiet hours {str(value)!r}, expected "21:00-09:00" or false')


_DATE = r"\d{4}-\d{2}-\d{2}"
_DATE_TIME = rf"{_DATE}[T ]\d{{2}}:\d{{2}}(:\d{{2}})?"
LocalDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_local_datetime),
    text_schema(
        'local wall-clock date and time, "YYYY-MM-DDTHH:MM", no UTC offset',
        pattern=f"^{_DATE_TIME}$",
    ),
]
LocalDate = Annotated[
    dt.date,
    BeforeValidator(_local_date),
    text_schema('local date, "YYYY-MM-DD"', pattern=f"^{_DATE}$"),
]
SessionRef = Annotated[
    dt.date | dt.datetime,
    BeforeValidator(_session_ref),
    text_schema(
        'a local day "YYYY-MM-DD" or start "YYYY-MM-DDTHH:MM"',
        pattern=f"^({_DATE}|{_DATE_TIME})$",
    ),
]
Delay = Annotated[
    str,
    BeforeValidator(_delay),
    text_schema(
        "delay after the session ends: days like '1d' or hours like '36h'",
        pattern=r"^\s*\d{1,3}\s*([dD]([aA][yY][sS]?)?|[hH]([oO][uU][rR][sS]?)?)\s*$",
    ),
]
QuietSetting = Annotated[
    QuietHours | bool,
    BeforeValidator(_quiet),
    WithJsonSchema(
        {
            "description": 'quiet hours in local time, "21:00-09:00", or false for none',
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$"},
                {"const": False},
                {"type": "string", "enum": ["off", "none", "Off", "None", "OFF", "NONE"]},
            ],
        }
    ),
]
IcsPath = Annotated[str, Field(min_length=1, max_length=500)]

#: Defaults of the timing policy when neither the client nor the clinic sets a value.
DEFAULT_QUIET_HOURS = QuietHours(dt.time(21, 0), dt.time(9, 0))
DEFAULT_REMINDER_AFTER_HOURS = 24
DEFAULT_MAX_REMINDERS = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Timing(_Model):
    """A timing policy; a field left out is taken from the clinic, then the defaults."""

    delay: Delay | None = None  # "1d" keeps the local clock time, "36h" counts hours
    quiet_hours: QuietSetting | None = None  # "21:00-09:00" in the client's time, or false
    reminder_after_hours: int | None = Field(default=None, ge=1, le=168, strict=True)
    max_reminders: int | None = Field(default=None, ge=0, le=3, strict=True)
    expiry_hours: int | None = Field(default=None, ge=1, le=336, strict=True)


class Reschedule(_Model):
    """One session moved to another local date and time."""

    original: SessionRef = Field(alias="from")
    to: LocalDateTime


def resolve_timing(
    layers: Sequence[Timing | None], delay_days: int, expiry_hours: int
) -> CheckinTiming:
    """The first value each field is set to in ``layers`` (client, clinic), else defaults.

    ``delay_days`` and ``expiry_hours`` are the clinic's older top-level settings.
    """

    def pick(name: str, default: Any) -> Any:
        values = [getattr(t, name) for t in layers if t is not None]
        return next((v for v in values if v is not None), default)

    delay: str | None = pick("delay", None)
    if delay is not None and delay.endswith("d"):
        delay_days = int(delay[:-1])
    quiet = pick("quiet_hours", DEFAULT_QUIET_HOURS)
    return CheckinTiming(
        delay_days=delay_days,
        delay_hours=int(delay[:-1]) if delay and delay.endswith("h") else None,
        expiry=dt.timedelta(hours=pick("expiry_hours", expiry_hours)),
        quiet=quiet if isinstance(quiet, QuietHours) else None,
        reminder_after=dt.timedelta(
            hours=pick("reminder_after_hours", DEFAULT_REMINDER_AFTER_HOURS)
        ),
        max_reminders=pick("max_reminders", DEFAULT_MAX_REMINDERS),
    )
