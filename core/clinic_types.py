"""The text types of the clinic config: time zone names, pseudonymous codes, names."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationInfo

from core.schema_hints import text_schema

_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_SHARED = "shared"
_Value = TypeVar("_Value")


def sharing() -> dict[str, Any]:
    """A validation context in which a value marked ``Shared`` is made once per equal value.

    100,000 clients mostly repeat a few therapist codes, time zones and schedule shapes;
    validated in one such context, equal ones are one object, so a config holds each once.
    The table lives as long as the context (one load), so nothing is kept past it.
    """
    return {_SHARED: {}}


def _shared(value: _Value, info: ValidationInfo) -> _Value:
    """The first equal value validated in this ``sharing()`` context, else ``value``.

    Only immutable values are shared: strings and frozen records or models.
    """
    table = info.context.get(_SHARED) if isinstance(info.context, dict) else None
    return value if table is None else table.setdefault(value, value)


#: Marks a field whose equal values are one object when validated in ``sharing()``.
Shared = AfterValidator(_shared)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
        known = name != "localtime"  # the server's own setting, not an IANA name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        known = False
    if not known:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')")
    return name


def session_zone(name: str) -> str:
    return name if name in ("client", "therapist") else _zone(name)


def _code(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise ValueError(f"invalid code {code!r}: use 1-32 letters, digits, '_' or '-'")
    return code


TimeZoneName = Annotated[
    str,
    AfterValidator(_zone),
    Shared,
    text_schema("IANA time zone name", examples=["Europe/Berlin", "America/New_York"]),
]
Code = Annotated[
    str,
    AfterValidator(_code),
    text_schema("pseudonymous code, never a name", pattern=f"^{_CODE.pattern}$"),
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
CrisisText = Annotated[str, Field(min_length=1, max_length=500)]
