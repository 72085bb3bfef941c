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
    # casefolded code -> where it is first: clients[i] as i, therapists[i] as -1 - i.
    # Only an int per person: a clinic network's config holds 100,000 clients.
    seen: dict[str, int] = {}
    groups: tuple[tuple[str, Sequence[Therapist | Client | None]], ...]
    groups = (("therapist", therapists), ("client", clients))
    for kind, group in groups:
        for i, person in enumerate(group):
            if person is None:
                continue
            key = person.code.casefold()
            if (at := seen.get(key)) is None:
                seen[key] = -1 - i if kind == "therapist" else i
                continue
            first = therapists[-1 - at] if at < 0 else clients[at]
            assert first is not None
            earlier = (f"therapists[{-1 - at}]" if at < 0 else f"clients[{at}]", first.code)
            issues.append(_duplicate(kind, i, person.code, earlier))
    known = list(dict.fromkeys(t.code for t in therapists if t is not None))
    codes = set(known)  # a set: 100,000 clients times 1,000 therapists would take seconds
    check_refs = bool(therapists) and None not in therapists
    for i, client in enumerate(clients):
        if client is not None and check_refs and client.therapist not in codes:
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


def _duplicate(kind: str, i: int, code: str, earlier: tuple[str, str]) -> ConfigIssue:
    """``code`` (of ``kind``s[i]) is already used by ``earlier`` (where, code as written)."""
    where = earlier[0] + (f" as {earlier[1]!r}" if earlier[1] != code else "")
    if earlier[0].startswith(kind):
        text = f"duplicate {kind} code {code!r} (already used by {where})"
    else:
        text = f"code {code!r} is already used by {where}; codes must all differ"
    return ConfigIssue((f"{kind}s", i, "code"), text)
