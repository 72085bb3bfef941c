"""Clinic configuration models: validated, immutable, free of I/O."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from core.clinic_checks import ConfigIssue as ConfigIssue
from core.clinic_checks import CrossFieldError as CrossFieldError
from core.clinic_checks import Loc as Loc
from core.clinic_checks import cross_field_issues as cross_field_issues
from core.clinic_checks import format_loc as format_loc
from core.clinic_types import Code, CrisisText, Name, Shared, TimeZoneName, session_zone
from core.clinic_values import SUPPORTED_LANGUAGES as SUPPORTED_LANGUAGES
from core.clinic_values import (
    ClockTime,
    IcsPath,
    Language,
    LocalDate,
    LocalDateTime,
    Reschedule,
    SessionRef,
    Timing,
    Weekday,
    weekday_index,
)
from core.questionnaire_config import (
    Instruments,
    QuestionnaireEntry,
    QuestionnaireKey,
    questionnaire_issues,
)
from core.report_config import DigestSettings, FlagSettings, TherapistDigest
from core.timing import CheckinTiming, resolve_timing

#: The timing a clinic gets when it says nothing: one set of defaults, ``CheckinTiming``'s.
_DEFAULTS = CheckinTiming()
_HOUR = timedelta(hours=1)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ClinicSettings(_Model):
    """Clinic-wide settings."""

    name: Name
    timezone: TimeZoneName
    language: Language = "en"
    crisis_contacts: dict[str, CrisisText] = Field(min_length=1)
    # A check-in is due this many days after a session ends, at the same local clock time.
    checkin_delay_days: int = Field(default=_DEFAULTS.delay_days, ge=0, le=14, strict=True)
    checkin_expiry_hours: int = Field(default=_DEFAULTS.expiry // _HOUR, ge=1, le=336, strict=True)
    invite_expiry_days: int = Field(default=14, ge=1, le=90, strict=True)
    # A therapist's invite opens digests, risk alerts and /history: it expires sooner.
    therapist_invite_expiry_days: int = Field(default=3, ge=1, le=90, strict=True)
    timing: Timing = Field(default_factory=Timing)
    ics: IcsPath | None = None  # a calendar file with every therapist's sessions
    questionnaire: QuestionnaireKey | None = None  # every client's, unless set closer
    # Closing the loop (both off unless a clinic turns them on; see docs/closing-the-loop.md):
    # the next check-in asks whether a discussed concern or a flag was taken up ...
    repair_check: bool = Field(default=False, strict=True)
    # ... and therapists guess each session's overall rating before the client answers.
    therapist_estimate: bool = Field(default=False, strict=True)
    estimate_after_minutes: int = Field(default=30, ge=0, le=720, strict=True)

    @property
    def tz(self) -> ZoneInfo:
        """The clinic's time zone."""
        return ZoneInfo(self.timezone)


class Therapist(_Model):
    """A therapist, known to the bot by a code."""

    code: Code
    display_name: Name
    timezone: TimeZoneName | None = None
    ics: IcsPath | None = None  # a calendar file with this therapist's sessions
    digest: TherapistDigest | None = None
    questionnaire: QuestionnaireKey | None = None  # for this therapist's clients
    repair_check: bool | None = Field(default=None, strict=True)  # else the clinic's
    therapist_estimate: bool | None = Field(default=None, strict=True)  # else the clinic's


#: The per-client records are slotted pydantic dataclasses, not models: validated the same
#: way, but a model instance keeps a dict and a set of the fields given, about 1.9 KB a
#: client with its sessions; these take about a fifth of that (100,000 clients: ~35 MB).
_RECORD = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(config=_RECORD, frozen=True, slots=True)
class WeeklySession:
    """A recurring session at a local wall-clock time, every week or every few weeks."""

    day: Weekday
    time: ClockTime
    every: int = Field(default=1, ge=1, le=8, strict=True)  # weeks
    start: LocalDate | None = None
    end: LocalDate | None = None

    @property
    def weekday(self) -> int:
        """Day of the week, 0 = Monday."""
        return weekday_index(self.day)

    @model_validator(mode="after")
    def _dates_in_order(self) -> WeeklySession:
        if self.every > 1 and self.start is None:
            raise ValueError(f"'every: {self.every}' needs a 'start' date to count weeks from")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


@dataclass(config=_RECORD, frozen=True, slots=True)
class Sessions:
    """A client's session schedule, in the client's local time."""

    weekly: tuple[WeeklySession, ...] = ()
    dates: tuple[LocalDateTime, ...] = ()
    duration_minutes: int = Field(default=50, ge=5, le=600, strict=True)
    cancelled: tuple[SessionRef, ...] = ()
    rescheduled: tuple[Reschedule, ...] = ()
    # The zone the times above are written in: the client's (default), "therapist", or IANA.
    timezone: Annotated[str, AfterValidator(session_zone)] | None = None

    @model_validator(mode="after")
    def _no_repeats(self) -> Sessions:
        if len(self.weekly) > 1:
            slots = [(s.day, s.time) for s in self.weekly]
            if twice := [s for s in slots if slots.count(s) > 1]:
                day, time = twice[0]
                raise ValueError(f"weekly session on {day} at {time:%H:%M} is listed twice")
        if len(self.dates) > 1 and (
            twice_dates := [d for d in self.dates if self.dates.count(d) > 1]
        ):
            raise ValueError(f"session date {twice_dates[0]:%Y-%m-%dT%H:%M} is listed twice")
        return self


#: A client without a schedule in the config (calendar files may still give sessions).
NO_SESSIONS = Sessions()


@dataclass(config=_RECORD, frozen=True, slots=True)
class Client:
    """A client, known only by a pseudonymous code."""

    code: Code
    therapist: Annotated[str, Field(min_length=1), Shared]
    timezone: TimeZoneName | None = None
    language: Language | None = None
    sessions: Annotated[Sessions, Shared] = NO_SESSIONS
    timing: Annotated[Timing, Shared] | None = None  # overrides the clinic's, field by field
    questionnaire: Annotated[QuestionnaireKey, Shared] | None = None
    repair_check: bool | None = Field(default=None, strict=True)  # else the therapist's


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


class ClinicConfig(_Model):
    """A clinic's whole configuration."""

    clinic: ClinicSettings
    therapists: list[Therapist] = Field(min_length=1)
    clients: list[Client] = Field(default_factory=list)
    flags: FlagSettings = Field(default_factory=FlagSettings)
    digests: DigestSettings = Field(default_factory=DigestSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    questionnaires: list[QuestionnaireEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_check(self) -> ClinicConfig:
        issues = cross_field_issues(self.clinic, self.therapists, self.clients)
        issues += questionnaire_issues(self)
        contact = self.safety.escalation_contact
        if contact is not None and self.therapist(contact) is None:
            known = ", ".join(t.code for t in self.therapists)
            text = f"unknown therapist {contact!r}: enrol the escalation contact as a therapist"
            issues.append(ConfigIssue(("safety", "escalation_contact"), f"{text} ({known})"))
        if issues:
            raise CrossFieldError(issues)
        return self

    @cached_property
    def instruments(self) -> Instruments:
        """The questionnaires by key, and which one each client answers."""
        return Instruments(self)

    def therapist(self, code: str) -> Therapist | None:
        """The therapist with exactly this code, if any."""
        return self.therapists_by_code.get(code)

    def client(self, code: str) -> Client | None:
        """The client with exactly this code, if any."""
        return self.clients_by_code.get(code)

    def clients_of(self, therapist_code: str) -> list[Client]:
        """Clients of the therapist with this code, in file order."""
        return list(self.clients_by_therapist.get(therapist_code, ()))

    # Lookups by code, built once per config: the tick asks for every send, and a clinic
    # network's config holds 100,000 clients. The model is frozen, so they never go stale.
    @cached_property
    def therapists_by_code(self) -> dict[str, Therapist]:
        """Therapists by code (codes are unique: checked on load)."""
        return {t.code: t for t in self.therapists}

    @cached_property
    def clients_by_code(self) -> dict[str, Client]:
        """Clients by code."""
        return {c.code: c for c in self.clients}

    @cached_property
    def clients_by_therapist(self) -> dict[str, tuple[Client, ...]]:
        """Each therapist's clients, in file order."""
        grouped: dict[str, list[Client]] = {}
        for client in self.clients:
            grouped.setdefault(client.therapist, []).append(client)
        return {code: tuple(clients) for code, clients in grouped.items()}

    def person_codes(self) -> tuple[str, ...]:
        """All therapist and client codes, in file order."""
        return tuple([t.code for t in self.therapists] + [c.code for c in self.clients])

    def client_tz(self, client: Client) -> ZoneInfo:
        """The client's time zone, defaulting to the clinic's."""
        return ZoneInfo(client.timezone) if client.timezone else self.clinic.tz

    def therapist_tz(self, therapist: Therapist) -> ZoneInfo:
        """The therapist's time zone, defaulting to the clinic's."""
        return ZoneInfo(therapist.timezone) if therapist.timezone else self.clinic.tz

    def session_tz(self, client: Client) -> ZoneInfo:
        """The zone a client's session times are written in (the client's by default)."""
        zone = client.sessions.timezone
        if zone == "therapist":
            therapist = self.therapist(client.therapist)
            return self.therapist_tz(therapist) if therapist else self.clinic.tz
        return ZoneInfo(zone) if zone not in (None, "client") else self.client_tz(client)

    def checkin_timing(self, client: Client) -> CheckinTiming:
        """The client's timing policy: their own fields, then the clinic's, then defaults."""
        clinic = self.clinic
        return resolve_timing(
            [client.timing, clinic.timing], clinic.checkin_delay_days, clinic.checkin_expiry_hours
        )

    def repair_check(self, client: Client) -> bool:
        """Whether this client's check-ins ask if a repair landed: theirs, else the
        therapist's, else the clinic's setting."""
        if client.repair_check is not None:
            return client.repair_check
        therapist = self.therapist(client.therapist)
        if therapist is not None and therapist.repair_check is not None:
            return therapist.repair_check
        return self.clinic.repair_check

    def estimates(self, therapist: Therapist) -> bool:
        """Whether this therapist is asked to estimate their clients' ratings."""
        own = therapist.therapist_estimate
        return self.clinic.therapist_estimate if own is None else own

    def client_language(self, client: Client) -> str:
        """The client's language, defaulting to the clinic's."""
        return client.language or self.clinic.language
