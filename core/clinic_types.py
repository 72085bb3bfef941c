"""The text types of the clinic config: time zone names, pseudonymous codes, names."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field

from core.schema_hints import text_schema

_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


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
    text_schema("IANA time zone name", examples=["Europe/Berlin", "America/New_York"]),
]
Code = Annotated[
    str,
    AfterValidator(_code),
    text_schema("pseudonymous code, never a name", pattern=f"^{_CODE.pattern}$"),
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
CrisisText = Annotated[str, Field(min_length=1, max_length=500)]
