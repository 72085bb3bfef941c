"""Cross-field checks of the clinic config, and where in the file each problem is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.clinic import Client, ClinicSettings, Therapist

Loc = tuple[str | int, ...]
"""Location of a value inside the config, e.g. ``("clients", 2, "therapist")``."""


def format_loc(loc: Loc) -> str:
    """Render a location as ``clients[2].therapist``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


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
        for old, new in (("checkin_delay_days", "delay"), ("checkin_expiry_hours", "expiry_hours")):
            if old in clinic.model_fields_set and getattr(clinic.timing, new) is not None:
                text = f"set either clinic.{old} or clinic.timing.{new}, not both"
                issues.append(ConfigIssue(("clinic", "timing", new), text))
        if clinic.language not in clinic.crisis_contacts:
            text = f"no crisis contact for the clinic language {clinic.language!r}"
            issues.append(ConfigIssue(("clinic", "crisis_contacts"), text))
        for i, client in enumerate(clients):
            if client and client.language and client.language not in clinic.crisis_contacts:
                text = f"no crisis contact for {client.language!r} in clinic.crisis_contacts"
                issues.append(ConfigIssue(("clients", i, "language"), text))
    return issues
