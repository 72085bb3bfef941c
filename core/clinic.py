"""Clinic configuration models: validated, immutable, free of I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "de", "es")
"""Languages the bot can speak to clients: each has a complete catalog in ``messages/``."""

Loc = tuple[str | int, ...]
"""Location of a value inside the config, e.g. ``("clients", 2, "therapist")``."""

_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_LOCAL_DT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def format_loc(loc: Loc) -> str:
    """Render a location as ``clients[2].therapist``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
        known = name != "localtime"  # the server's own setting, not an IANA name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        known = False
    if not known:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')")
    return name


def _language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(f"unsupported language {code!r} (supported: {supported})")
    return code


def _code(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise ValueError(f"invalid code {code!r}: use 1-32 letters, digits, '_' or '-'")
    return code


def _day(value: str) -> str:
    key = value.lower()
    for day in _DAYS:
        if key in (day, day[:3]):
            return day
    raise ValueError(f"unknown day {value!r} (expected monday ... sunday, or mon ... sun)")


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


TimeZoneName = Annotated[str, AfterValidator(_zone)]
Language = Annotated[str, AfterValidator(_language)]
Code = Annotated[str, AfterValidator(_code)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
LocalDateTime = Annotated[dt.datetime, BeforeValidator(_local_datetime)]
CrisisText = Annotated[str, Field(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ClinicSettings(_Model):
    """Clinic-wide settings."""

    name: Name
    timezone: TimeZoneName
    language: Language = "en"
    crisis_contacts: dict[str, CrisisText] = Field(min_length=1)
    # A check-in is due this many days after a session ends, at the same local clock time.
    checkin_delay_days: int = Field(default=1, ge=0, le=14, strict=True)
    checkin_expiry_hours: int = Field(default=72, ge=1, le=336, strict=True)
    invite_expiry_days: int = Field(default=14, ge=1, le=90, strict=True)

    @property
    def tz(self) -> ZoneInfo:
        """The clinic's time zone."""
        return ZoneInfo(self.timezone)


class Therapist(_Model):
    """A therapist, known to the bot by a code."""

    code: Code
    display_name: Name
    timezone: TimeZoneName | None = None


class WeeklySession(_Model):
    """A recurring weekly session at a local wall-clock time."""

    day: Annotated[str, AfterValidator(_day)]
    time: Annotated[dt.time, BeforeValidator(_hhmm)]

    @property
    def weekday(self) -> int:
        """Day of the week, 0 = Monday."""
        return _DAYS.index(self.day)


class Sessions(_Model):
    """A client's session schedule, in the client's local time."""

    weekly: list[WeeklySession] = Field(default_factory=list)
    dates: list[LocalDateTime] = Field(default_factory=list)
    duration_minutes: int = Field(default=50, ge=5, le=600, strict=True)

    @model_validator(mode="after")
    def _no_repeats(self) -> Sessions:
        slots = [(s.day, s.time) for s in self.weekly]
        if twice := [s for s in slots if slots.count(s) > 1]:
            day, time = twice[0]
            raise ValueError(f"weekly session on {day} at {time:%H:%M} is listed twice")
        if twice_dates := [d for d in self.dates if self.dates.count(d) > 1]:
            raise ValueError(f"session date {twice_dates[0]:%Y-%m-%dT%H:%M} is listed twice")
        return self


class Client(_Model):
    """A client, known only by a pseudonymous code."""

    code: Code
    therapist: str = Field(min_length=1)
    timezone: TimeZoneName | None = None
    language: Language | None = None
    sessions: Sessions = Field(default_factory=Sessions)


class PrivacySettings(_Model):
    """How the clinic's data is kept (the ``privacy:`` section)."""

    # Without ALLIANCE_ENCRYPTION_KEY the bot refuses to start unless this is true.
    allow_plaintext_notes: bool = Field(default=False, strict=True)
    # Answers and notes older than this are erased by the daily purge.
    retention_months: int = Field(default=24, ge=1, le=240, strict=True)
    # When set, the first line of every message the bot sends, as a lock screen shows it.
    preview_line: Annotated[str, Field(min_length=1, max_length=60)] | None = None


class SafetySettings(_Model):
    """Risk language in notes and who is alerted (the ``safety:`` section)."""

    # A note with risk language reaches the therapist even if the client keeps it private.
    risk_notes_to_therapist: bool = Field(default=True, strict=True)
    # A therapist code (enrolled like any therapist) alerted about every risk note too.
    escalation_contact: str | None = None
    # Extra phrases per language, added to the shipped lists (or replacing them).
    risk_phrases: dict[Language, list[Annotated[str, Field(min_length=2, max_length=100)]]] = Field(
        default_factory=dict
    )
    replace_default_phrases: bool = Field(default=False, strict=True)


@dataclass(frozen=True)
class ConfigIssue:
    """One cross-field problem and where it is."""

    loc: Loc
    message: str


class CrossFieldError(ValueError):
    """All cross-field problems of a config, each with its own location."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{format_loc(i.loc)}: {i.message}" for i in self.issues))


def cross_field_issues(
    clinic: ClinicSettings | None,
    therapists: Sequence[Therapist | None],
    clients: Sequence[Client | None],
) -> list[ConfigIssue]:
    """Find cross-field problems; ``None`` marks an entry that failed validation."""
    issues: list[ConfigIssue] = []
    seen: dict[str, tuple[str, str]] = {}  # casefolded code -> (where, code as written)
    people: list[tuple[str, int, Therapist | Client | None]]
    people = [("therapist", i, t) for i, t in enumerate(therapists)]
    people += [("client", i, c) for i, c in enumerate(clients)]
    for kind, i, person in people:
        if person is None:
            continue
        if (earlier := seen.get(person.code.casefold())) is None:
            seen[person.code.casefold()] = (f"{kind}s[{i}]", person.code)
            continue
        where = earlier[0] + (f" as {earlier[1]!r}" if earlier[1] != person.code else "")
        if earlier[0].startswith(kind):
            text = f"duplicate {kind} code {person.code!r} (already used by {where})"
        else:
            text = f"code {person.code!r} is already used by {where}; codes must all differ"
        issues.append(ConfigIssue((f"{kind}s", i, "code"), text))
    known = list(dict.fromkeys(t.code for t in therapists if t is not None))
    check_refs = bool(therapists) and None not in therapists
    for i, client in enumerate(clients):
        if client is not None and check_refs and client.therapist not in known:
            text = f"unknown therapist {client.therapist!r} (known: {', '.join(known)})"
            issues.append(ConfigIssue(("clients", i, "therapist"), text))
    if clinic is not None:
        if clinic.language not in clinic.crisis_contacts:
            text = f"no crisis contact for the clinic language {clinic.language!r}"
            issues.append(ConfigIssue(("clinic", "crisis_contacts"), text))
        for i, client in enumerate(clients):
            if client and client.language and client.language not in clinic.crisis_contacts:
                text = f"no crisis contact for {client.language!r} in clinic.crisis_contacts"
                issues.append(ConfigIssue(("clients", i, "language"), text))
    return issues


class ClinicConfig(_Model):
    """A clinic's whole configuration."""

    clinic: ClinicSettings
    therapists: list[Therapist] = Field(min_length=1)
    clients: list[Client] = Field(default_factory=list)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)

    @model_validator(mode="after")
    def _cross_check(self) -> ClinicConfig:
        issues = cross_field_issues(self.clinic, self.therapists, self.clients)
        contact = self.safety.escalation_contact
        if contact is not None and self.therapist(contact) is None:
            known = ", ".join(t.code for t in self.therapists)
            text = f"unknown therapist {contact!r}: enrol the escalation contact as a therapist"
            issues.append(ConfigIssue(("safety", "escalation_contact"), f"{text} ({known})"))
        if issues:
            raise CrossFieldError(issues)
        return self

    def therapist(self, code: str) -> Therapist | None:
        """The therapist with exactly this code, if any."""
        return next((t for t in self.therapists if t.code == code), None)

    def client(self, code: str) -> Client | None:
        """The client with exactly this code, if any."""
        return next((c for c in self.clients if c.code == code), None)

    def clients_of(self, therapist_code: str) -> list[Client]:
        """Clients of the therapist with this code, in file order."""
        return [c for c in self.clients if c.therapist == therapist_code]

    def person_codes(self) -> tuple[str, ...]:
        """All therapist and client codes, in file order."""
        return tuple([t.code for t in self.therapists] + [c.code for c in self.clients])

    def client_tz(self, client: Client) -> ZoneInfo:
        """The client's time zone, defaulting to the clinic's."""
        return ZoneInfo(client.timezone) if client.timezone else self.clinic.tz

    def therapist_tz(self, therapist: Therapist) -> ZoneInfo:
        """The therapist's time zone, defaulting to the clinic's."""
        return ZoneInfo(therapist.timezone) if therapist.timezone else self.clinic.tz

    def client_language(self, client: Client) -> str:
        """The client's language, defaulting to the clinic's."""
        return client.language or self.clinic.language
