"""Value types of the clinic config: days, local times and dates, sessions, quiet hours.

The parsing of weekdays and ``HH:MM`` times lives here once; ``clinic.py`` and
``report_config.py`` use these types.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import core_schema

from core.clinic_types import Shared
from core.schema_hints import any_case, text_schema

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "de", "es")
"""Languages the bot can speak to clients: each has a complete catalog in ``messages/``."""


def _language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(f"unsupported language {code!r} (supported: {supported})")
    return code


Language = Annotated[
    str,
    AfterValidator(_language),
    Shared,
    text_schema("language code", enum=list(SUPPORTED_LANGUAGES)),
]

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_LOCAL_DT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


def _day(value: str) -> str:
    key = value.lower()
    for day in _DAYS:
        if key in (day, day[:3]):
            return day
    raise ValueError(f"unknown day {value!r} (expected monday ... sunday, or mon ... sun)")


def weekday_index(day: str) -> int:
    """0 = Monday, for a day name as stored by ``Weekday``."""
    return _DAYS.index(day)


def _hhmm(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value
    time = _clock(value) if isinstance(value, str) else None
    if time is None:
        raise ValueError(f"invalid time {str(value)!r}, expected HH:MM (24-hour)")
    return time


@functools.lru_cache(maxsize=4096)  # all 2,880 ways to write a valid time, and then some
def _clock(text: str) -> dt.time | None:
    """The time ``HH:MM`` says, else None; one object per text, as times are immutable."""
    match = _HHMM.fullmatch(text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    return None


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
_CLOCK = r"([01]?[0-9]|2[0-3]):[0-5][0-9]"
Weekday = Annotated[
    str,
    AfterValidator(_day),
    text_schema(
        "weekday, e.g. tuesday or tue",
        pattern=f"^({any_case((*_DAYS, *(d[:3] for d in _DAYS)))})$",
    ),
]
ClockTime = Annotated[
    dt.time,
    BeforeValidator(_hhmm),
    text_schema('local time, 24-hour "HH:MM", in quotes', pattern=f"^{_CLOCK}$"),
]
IcsPath = Annotated[str, Field(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class QuietHours(_Model):
    """A daily period in local time when nothing is sent, e.g. 21:00-09:00.

    The start is inside the period, the end is not; a start after the end runs past
    midnight. A start equal to the end is refused: it could mean "all day" or "never", and
    ``false`` already says never (see ``QuietSetting``). An end or start left out of the
    ``{start, end}`` form is the default's.
    """

    start: ClockTime = dt.time(21, 0)
    end: ClockTime = dt.time(9, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError(
                f"quiet hours start and end at the same time ({self.start:%H:%M}); "
                "use false for none"
            )
        return self

    def contains(self, wall: dt.time) -> bool:
        """Whether a local clock time falls inside the quiet period (start in, end out)."""
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


_QUIET_FORMS = 'expected "21:00-09:00", {start: "21:00", end: "09:00"} or false'


def _quiet(value: Any, model: ValidatorFunctionWrapHandler) -> Any:
    """A written quiet-hours setting as ``QuietHours``, or False for none."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "none")):
        return False
    if isinstance(value, str) and len(parts := value.split("-")) == 2:
        start, end = (_hhmm(part.strip()) for part in parts)
        return model({"start": start, "end": end})
    if isinstance(value, dict | QuietHours):
        return model(value)  # field errors keep their path: quiet_hours.end, ...
    shown = "true" if value is True else repr(str(value))
    raise ValueError(f"invalid quiet hours {shown}, {_QUIET_FORMS}")


def _written(value: QuietHours | Literal[False]) -> str | Literal[False]:
    """A setting as the config writes it ("21:00-09:00" or false): dumps load back."""
    return str(value) if isinstance(value, QuietHours) else False


class _QuietForms:
    """Validates ``QuietSetting``: ``_quiet`` around the ``QuietHours`` model."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_wrap_validator_function(
            _quiet,
            handler.generate_schema(QuietHours),
            serialization=core_schema.plain_serializer_function_ser_schema(_written),
        )


_CLOCK_SCHEMA = {"type": "string", "pattern": f"^{_CLOCK}$"}
#: Quiet hours as the config writes them, at every level: a string, a mapping, or false.
QuietSetting = Annotated[
    QuietHours | Literal[False],
    _QuietForms,
    WithJsonSchema(
        {
            "description": (
                'quiet hours in local time: "21:00-09:00", {start: "21:00", end: "09:00"} '
                "(a start or end left out is 21:00 or 09:00), or false for none"
            ),
            "anyOf": [
                {"type": "string", "pattern": rf"^\s*{_CLOCK}\s*-\s*{_CLOCK}\s*$"},
                {
                    "type": "object",
                    "properties": {"start": _CLOCK_SCHEMA, "end": _CLOCK_SCHEMA},
                    "additionalProperties": False,
                },
                {"const": False},
                {"type": "string", "pattern": rf"^\s*({any_case(('off', 'none'))})\s*$"},
            ],
        }
    ),
]


class Timing(_Model):
    """A timing policy; a field left out is taken from the clinic, then the defaults."""

    delay: Delay | None = None  # "1d" keeps the local clock time, "36h" counts hours
    quiet_hours: QuietSetting | None = None  # in the client's time; false for none
    reminder_after_hours: int | None = Field(default=None, ge=1, le=168, strict=True)
    max_reminders: int | None = Field(default=None, ge=0, le=3, strict=True)
    expiry_hours: int | None = Field(default=None, ge=1, le=336, strict=True)


class Reschedule(_Model):
    """One session moved to another local date and time."""

    original: SessionRef = Field(alias="from")
    to: LocalDateTime
