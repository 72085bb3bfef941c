"""What the clinic config loader reports: each problem with its file, line and path.

A value pydantic refused is said in plain words, with a hint where one helps; cross-field
problems are found even when other fields are invalid, so every problem shows at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from core.clinic import (
    Client,
    ClinicConfig,
    ClinicSettings,
    PrivacySettings,
    SafetySettings,
    Sessions,
    Therapist,
    WeeklySession,
)
from core.clinic_checks import (
    ConfigIssue,
    CrossFieldError,
    Loc,
    ValueIssuesError,
    cross_field_issues,
    format_loc,
    questionnaire_issues,
)
from core.clinic_values import Reschedule, Timing
from core.questionnaire_config import ItemSpec, QuestionnaireFile, QuestionnaireSpec, ScaleSpec
from core.questionnaire_drafts import draft
from core.report_config import DigestSettings, FlagSettings, QuietHours, TherapistDigest

Where = Callable[[list[Loc]], list[tuple[int, int]]]
"""(line, column) in the file of each location; a mapping key stands for its value."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a clinic file; ``path`` is empty for whole-file problems."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True)
class Part:
    """A part of the config read from a file of its own: what is at or below ``loc``."""

    loc: Loc
    file: str
    where: Where


class ClinicConfigError(Exception):
    """The clinic file is unusable; ``problems`` lists every problem found.

    They are in line order, file by file (in the order each file first has a problem).
    """

    def __init__(self, problems: list[ConfigProblem]) -> None:
        files = {file: n for n, file in enumerate(dict.fromkeys(p.file for p in problems))}
        self.problems = sorted(problems, key=lambda p: (files[p.file], p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(file: str, message: str, line: int | None = None) -> ClinicConfigError:
    """The error for one whole-file problem."""
    return ClinicConfigError([ConfigProblem(file, "", line, message)])


def validation_problems(
    file: str, where: Where, data: Any, exc: ValidationError, parts: Sequence[Part] = ()
) -> list[ConfigProblem]:
    """Every problem pydantic found in ``data``, in file order, plus the cross-field ones.

    A problem at or below a ``part``'s location is reported in that part's file, with its
    path inside that file.
    """
    issues: list[ConfigIssue] = []
    for err in exc.errors():
        error = err.get("ctx", {}).get("error")
        loc = _written(err["loc"])
        if isinstance(error, CrossFieldError):
            issues += error.issues
        elif isinstance(error, ValueIssuesError):
            issues += [ConfigIssue((*loc, *i.loc), i.message) for i in error.issues]
        else:
            issues.append(ConfigIssue(loc, problem_message(err, data)))
    if not any(isinstance(e.get("ctx", {}).get("error"), CrossFieldError) for e in exc.errors()):
        issues += _partial_cross_check(data)
    return _placed(Part((), file, where), parts, issues)


def _written(loc: tuple[str | int, ...]) -> Loc:
    """A pydantic error's location as the file writes it: without the tag of a union's
    member (``questionnaires.0.inline.key``) or the mark of a dict key."""
    if len(loc) > 2 and loc[0] == "questionnaires" and loc[2] in ("inline", "file"):
        loc = (*loc[:2], *loc[3:])
    return tuple(p for p in loc if p != "[key]")


def _placed(whole: Part, parts: Sequence[Part], issues: list[ConfigIssue]) -> list[ConfigProblem]:
    """Each issue as a problem of the file it is in, the whole file's first, each in order."""
    grouped: dict[Part, list[ConfigIssue]] = {whole: []}
    for issue in issues:
        part = next((p for p in parts if issue.loc[: len(p.loc)] == p.loc), whole)
        inner = issue.loc[len(part.loc) :]
        grouped.setdefault(part, []).append(ConfigIssue(inner, issue.message))
    problems = []
    for part, inside in grouped.items():
        positions = part.where([issue.loc for issue in inside])
        ordered = sorted(zip(positions, inside, strict=True), key=lambda pair: pair[0])
        problems += [
            ConfigProblem(part.file, format_loc(i.loc), at[0], i.message) for at, i in ordered
        ]
    return problems


def _partial_cross_check(data: dict[Any, Any]) -> list[ConfigIssue]:
    """Cross-check entries whose relevant fields are valid, so all problems show at once."""

    def valid(model: type[Any], value: Any, keys: tuple[str, ...] = ()) -> Any:
        if keys and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in keys}
        try:
            return TypeAdapter(model).validate_python(value)
        except ValidationError:
            return None

    def items(key: str) -> list[Any]:
        value = data.get(key)
        return value if isinstance(value, list) else []

    clinic = valid(ClinicSettings, data.get("clinic"))
    therapists = [valid(Therapist, t, ("code", "display_name")) for t in items("therapists")]
    clients = [valid(Client, c, ("code", "therapist", "language")) for c in items("clients")]
    issues = cross_field_issues(clinic, therapists, clients)
    # again with each person's questionnaire, which the checks above do without
    therapists = [valid(Therapist, t, (*_PERSON, "display_name")) for t in items("therapists")]
    clients = [valid(Client, c, (*_PERSON, "therapist", "language")) for c in items("clients")]
    drafts = [draft(entry) for entry in items("questionnaires")]
    return issues + questionnaire_issues(clinic, therapists, clients, drafts)


_PERSON = ("code", "questionnaire")


#: The model of each section, by the key it is under (for "did you mean" hints).
_MODELS: dict[str | None, type[Any]] = {
    None: ClinicConfig,
    "clinic": ClinicSettings,
    "therapists": Therapist,
    "clients": Client,
    "sessions": Sessions,
    "weekly": WeeklySession,
    "privacy": PrivacySettings,
    "safety": SafetySettings,
    "timing": Timing,
    "rescheduled": Reschedule,
    "flags": FlagSettings,
    "digests": DigestSettings,
    "digest": TherapistDigest,
    "quiet_hours": QuietHours,
    "questionnaires": QuestionnaireSpec,
    "file": QuestionnaireFile,  # the tag of a questionnaire entry's ``file:`` form
    "scale": ScaleSpec,
    "items": ItemSpec,
}
_HINTS = {
    "clinic": "add a 'clinic:' section with name, timezone and crisis_contacts",
    "therapists": "list at least one therapist with a code and a display_name",
    "crisis_contacts": "crisis contacts are shown to clients; add at least one for {lang!r}",
    "timezone": "an IANA time zone such as 'Europe/Berlin'",
    "therapist": "the code of this client's therapist",
    "code": "a short code such as 'T01' or 'C101'; never a name",
    "display_name": "the name shown to this therapist",
    "day": "a weekday such as 'tuesday'",
    "time": 'a local time such as "15:00"',
    "name": "the clinic's name",
}

_PLAIN = {
    "string_type": "expected text, got {got}",
    "int_type": "expected a whole number, got {got}",
    "list_type": "expected a list, got {got}",
    "dict_type": "expected 'key: value' entries, got {got}",
    "model_type": "expected 'key: value' entries, got {got}",
    "dataclass_type": "expected 'key: value' entries, got {got}",
    "greater_than_equal": "must be at least {ge}, got {input}",
    "less_than_equal": "must be at most {le}, got {input}",
    "string_too_short": "must not be empty",
    "string_too_long": "too long: at most {max_length} characters",
    "too_long": "too many: at most {max_length} entries, got {actual_length}",
    "literal_error": "expected one of {expected}, got {got}",
    "int_parsing": "expected a whole number, got {got}",
}


def problem_message(err: ErrorDetails, data: Any) -> str:
    """One validation error in plain words, with a hint where one helps."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err["input"]
    field = str(err["loc"][-1]) if err["loc"] else ""
    clinic = data.get("clinic") if isinstance(data, dict) else None
    lang = clinic.get("language") if isinstance(clinic, dict) else None
    hint = _HINTS.get(field, "").format(lang=lang if isinstance(lang, str) else "en")
    if kind in ("missing", "too_short"):
        text = "required" if kind == "missing" else "must not be empty"
        return f"{text} ({hint})" if hint else text
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):  # a model's, a record's
        parent = next((p for p in reversed(err["loc"][:-1]) if isinstance(p, str)), None)
        parent = "questionnaires" if parent == "inline" else parent  # a union member's tag
        fields = _MODELS[parent].__pydantic_fields__ if parent in _MODELS else {}
        allowed = [info.alias or name for name, info in fields.items()]
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
        return f"unknown field {field!r} ({hint})"
    if kind == "value_error":
        return str(ctx["error"])
    if kind == "string_type" and isinstance(value, int | float):
        return f"expected text, got {_describe(value)}; put it in quotes"
    template = _PLAIN.get(kind)
    return template.format(got=_describe(value), input=value, **ctx) if template else err["msg"]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, int | float | str):
        return f"the {'text' if isinstance(value, str) else 'number'} {value!r}"
    kinds = {list: "a list", dict: "'key: value' entries", type(None): "nothing (empty)"}
    return kinds.get(type(value), type(value).__name__)
