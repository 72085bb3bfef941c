"""Cross-field checks of the clinic config, and where in the file each problem is."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.questionnaire import DEFAULT_QUESTIONNAIRE

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


class ValueIssuesError(ValueError):
    """Problems inside one value, each at a location relative to that value.

    Raised by a model's own validator, which cannot know where the model is in the file:
    the loader prefixes the value's location, so each problem names its own field.
    """

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


Gaps = Callable[[str], list[tuple[Loc, str]]]
"""What a client speaking a language would miss of a questionnaire: (where, what) per gap."""


@dataclass(frozen=True)
class QuestionnaireDraft:
    """What the checks need of one ``questionnaires:`` entry, however much of it is valid."""

    key: str | None  # None when the key itself is invalid (or the entry is unread)
    gaps: Gaps | None = None  # None when nothing of the wording could be checked
    unread: str | None = None  # the path of a ``file:`` entry the loader did not read


def questionnaire_key(client: Client, therapist: Therapist | None, clinic: ClinicSettings) -> str:
    """The key of the questionnaire a client answers: their own, else their therapist's,
    else the clinic's, else the built-in one."""
    own = client.questionnaire or (therapist.questionnaire if therapist else None)
    return own or clinic.questionnaire or DEFAULT_QUESTIONNAIRE.key


def questionnaire_issues(
    clinic: ClinicSettings | None,
    therapists: Sequence[Therapist | None],
    clients: Sequence[Client | None],
    entries: Sequence[QuestionnaireDraft | None],
) -> list[ConfigIssue]:
    """Unknown, duplicate and unread questionnaires, and wording a client would miss.

    ``None`` marks an entry that failed validation (its fields, for a person), so that the
    checks also run on a config with other problems: every problem shows at once.
    """
    issues: list[ConfigIssue] = []
    where: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry is None or entry.key is None:
            if entry is not None and entry.unread is not None:
                text = f"{entry.unread!r} was not read: load the config with the alliance loader"
                issues.append(ConfigIssue(("questionnaires", i, "file"), text))
        elif entry.key == DEFAULT_QUESTIONNAIRE.key or entry.key in where:
            text = f"duplicate questionnaire key {entry.key!r}"
            issues.append(ConfigIssue(("questionnaires", i, "key"), text))
        else:
            where[entry.key] = i
    known = ", ".join([DEFAULT_QUESTIONNAIRE.key, *where])
    # an entry whose key is not known may be the one a reference means
    if all(e is not None and e.key is not None for e in entries):
        for loc, key in _refs(clinic, therapists, clients):
            if key != DEFAULT_QUESTIONNAIRE.key and key not in where:
                issues.append(ConfigIssue(loc, f"unknown questionnaire {key!r} (known: {known})"))
    if clinic is not None:
        drafts = {key: (i, entries[i]) for key, i in where.items()}
        issues += _missing_wording(clinic, therapists, clients, drafts)
    return issues


def _refs(
    clinic: ClinicSettings | None,
    therapists: Sequence[Therapist | None],
    clients: Sequence[Client | None],
) -> Iterator[tuple[Loc, str]]:
    """Each questionnaire reference and where it is, one at a time: 100,000 clients mostly
    make none, and a list of where each might be would take about 15 MB while the config loads."""
    if clinic is not None and clinic.questionnaire is not None:
        yield ("clinic", "questionnaire"), clinic.questionnaire
    for kind, people in (("therapists", therapists), ("clients", clients)):
        for i, person in enumerate(people):
            if person is not None and person.questionnaire is not None:
                yield (kind, i, "questionnaire"), person.questionnaire


def _missing_wording(
    clinic: ClinicSettings,
    therapists: Sequence[Therapist | None],
    clients: Sequence[Client | None],
    drafts: dict[str, tuple[int, QuestionnaireDraft | None]],
) -> list[ConfigIssue]:
    """Gaps in the wording of each questionnaire for each language its clients speak.

    Digests and exports are in the clinic's language, so it is always needed too. A client
    whose therapist is unknown because that therapist's entry is invalid is left out.
    """
    by_code = {t.code: t for t in therapists if t is not None}
    complete = None not in therapists
    needed: dict[str, dict[str, str]] = {}  # key -> language -> first client who speaks it
    for client in clients:
        if client is None or (client.therapist not in by_code and not complete):
            continue
        key = questionnaire_key(client, by_code.get(client.therapist), clinic)
        if key in drafts:
            language = client.language or clinic.language
            needed.setdefault(key, {clinic.language: "the clinic"}).setdefault(
                language, f"client {client.code}"
            )
    issues = []
    for key, languages in needed.items():
        i, draft = drafts[key]
        if draft is None or draft.gaps is None:
            continue
        for language, who in languages.items():
            for loc, gap in draft.gaps(language):
                text = f"{gap} ({who} uses {key!r} in {language!r})"
                issues.append(ConfigIssue(("questionnaires", i, *loc), text))
    return issues
