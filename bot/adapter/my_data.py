"""A client's own data as a JSON document (/mydata), and the preview text (/preview).

Both name each check-in's items from the questionnaire *that check-in* was asked with, so
a client who moved to another questionnaire sees each answer under the question it
answered. When the config no longer has that version (its wording changed since), the
items go by their keys: today's wording could be a question the client never read.

**Repair answers** (item ``repair``) are named for what they followed up: whether what the
client raised was taken up (after a discussed concern), or whether the session helped with
what was not working (after a flag); the note behind a concern is never quoted, and the
answer reads as the button the client tapped. Both show them.

**A therapist's estimate** of a session is never shown to the client, here either (the
clinical guide: a guess shown to the client would read as a grade and colour their next
answers). It is the therapist's own work record; a request of access that must include it
is answered by the clinic from ``alliance export``, which carries it. The follow-ups raised
for the client are listed (kind, rule, when, and the session whose check-in asked), never
with the note.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.questionnaire import Questionnaire
from core.repair import REPAIR_KEY, FollowupKind, RepairAnswer
from messages.catalog import SafeHtml, html_text, plain
from messages.instrument import item_label, item_text, title
from messages.render import session_date
from storage.audit import AuditEntry
from storage.client_data import CheckinCopy, ClientCopy, FollowupCopy

_SHARING = {True: "shared", False: "private", None: "undecided"}
#: What a repair answer followed up, as the client reads it (never the note itself).
_REPAIR_LABEL = {FollowupKind.CONCERN: "data.repair.concern", FollowupKind.FLAG: "data.repair.flag"}
#: A repair answer as the button the client tapped.
_REPAIR_WORDS = {
    RepairAnswer.YES: "button.repair.yes",
    RepairAnswer.PARTLY: "button.repair.partly",
    RepairAnswer.NOT_YET: "button.repair.not_yet",
}
Local = Callable[[datetime], str]


def repair_label(language: str, kind: str | None) -> str:
    """What a repair answer is about: the follow-up's kind (a flag's when unknown)."""
    known = kind if kind in _REPAIR_LABEL else FollowupKind.FLAG
    return plain(language, _REPAIR_LABEL[FollowupKind(known)])


def repair_word(language: str, value: int | None) -> str | None:
    """A repair answer in words; ``None`` when skipped (or a value never stored)."""
    if value is None or value not in _REPAIR_WORDS:
        return None
    return plain(language, _REPAIR_WORDS[RepairAnswer(value)])


def asked_with(
    questionnaires: Mapping[str, Questionnaire], checkin: CheckinCopy
) -> Questionnaire | None:
    """The questionnaire ``checkin`` was asked with, if the config still has that version."""
    questionnaire = questionnaires.get(checkin.questionnaire)
    if questionnaire is None or questionnaire.version != checkin.questionnaire_version:
        return None
    return questionnaire


def data_document(
    copy: ClientCopy,
    activity: list[AuditEntry],
    now: datetime,
    questionnaires: Mapping[str, Questionnaire],
) -> bytes:
    """Everything stored about the client, as UTF-8 JSON; times in their time zone.

    Each check-in names its questionnaire and version, and each answer its item's name and
    question in the client's language (``null`` for a version the config no longer has);
    a repair answer is named for what it followed up and given in words too, and a
    therapist's estimate is labelled as theirs.
    """
    tz = ZoneInfo(copy.timezone)

    def local(instant: datetime) -> str:
        return instant.astimezone(tz).isoformat(timespec="seconds")

    document = {
        "about": "Everything the check-in bot stores about you (GDPR Art. 15 and 20).",
        "generated_at": local(now),
        "client_code": copy.code,
        "therapist_code": copy.therapist_code,
        "status": copy.status,
        "language": copy.language,
        "timezone": copy.timezone,
        "consent_history": [
            {"at": local(c.at), "version": c.version, "event": c.event} for c in copy.consents
        ],
        "checkins": [
            _checkin(c, asked_with(questionnaires, c), copy.language, local) for c in copy.checkins
        ],
        "follow_ups": [_followup(f, copy.language, local) for f in copy.followups],
        "activity": [
            {"at": local(e.at), "event": e.kind, "via": e.via}
            for e in activity
            if e.kind != "therapist_notified"
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _checkin(
    checkin: CheckinCopy,
    questionnaire: Questionnaire | None,
    language: str,
    local: Local,
) -> dict[str, Any]:
    named = _names(language, questionnaire)
    named[REPAIR_KEY] = (repair_label(language, checkin.repair),) * 2

    def answer(key: str, value: int | None, at: datetime) -> dict[str, Any]:
        name, question = named.get(key, (None, None))
        found = {"item": key, "name": name, "question": question, "value": value}
        if key == REPAIR_KEY:
            found["answer"] = repair_word(language, value)
        return found | {"answered_at": local(at)}

    note = checkin.note
    return {
        "session_start": local(checkin.session_start),
        "status": str(checkin.status),
        "questionnaire": checkin.questionnaire,
        "questionnaire_version": checkin.questionnaire_version,
        "questionnaire_title": title(language, questionnaire) if questionnaire else None,
        "answers": [answer(*a) for a in checkin.answers],
        "note": None
        if note is None
        else {
            "text": note.text,
            "sharing": _SHARING[note.shared],
            "contains_risk_words": note.risk,
            "written_at": local(note.written_at),
        },
    }


def _followup(followup: FollowupCopy, language: str, local: Local) -> dict[str, Any]:
    return {
        "about": repair_label(language, followup.kind),
        "kind": followup.kind,
        "rule": followup.rule,
        "raised_at": local(followup.raised_at),
        "asked_in_session": None if followup.asked_in is None else local(followup.asked_in),
    }


def _names(language: str, questionnaire: Questionnaire | None) -> dict[str, tuple[str, str]]:
    """Each item's (name, question) by key; none for a version the config no longer has."""
    if questionnaire is None:
        return {}
    return {
        item.key: (
            item_label(language, questionnaire, item),
            item_text(language, questionnaire, item),
        )
        for item in questionnaire.items
    }


def _named_answers(
    language: str, questionnaire: Questionnaire | None, checkin: CheckinCopy
) -> list[tuple[str, int | str | None]]:
    """(name, value) of each answer: in the questionnaire's order, else as stored, by key;
    then the repair answer, in words."""
    values = {key: value for key, value, _ in checkin.answers}
    named: list[tuple[str, int | str | None]] = (
        [(key, value) for key, value in values.items() if key != REPAIR_KEY]
        if questionnaire is None
        else [
            (item_label(language, questionnaire, item), values[item.key])
            for item in questionnaire.items
            if item.key in values and item.key != REPAIR_KEY
        ]
    )
    if REPAIR_KEY in values:
        label = repair_label(language, checkin.repair)
        named.append((label, repair_word(language, values[REPAIR_KEY])))
    return named


def preview_text(
    language: str,
    timezone: str,
    questionnaires: Mapping[str, Questionnaire],
    latest: CheckinCopy | None,
    risk_notes_to_therapist: bool,
) -> SafeHtml:
    """What the therapist sees from the latest check-in; the note itself is never quoted,
    nor the concern a repair answer followed up. The therapist's estimate is not shown: it
    is not something the therapist sees from the client."""
    if latest is None:
        return html_text(language, "preview.none")
    lines = [
        html_text(
            language,
            "preview.answer",
            label=label,
            value=plain(language, "preview.skipped") if value is None else value,
        )
        for label, value in _named_answers(language, asked_with(questionnaires, latest), latest)
    ]
    note = latest.note
    if note is None:
        note_key = "preview.note.none"
    elif note.shared is True:
        note_key = "preview.note.shared"
    elif note.risk and risk_notes_to_therapist:
        note_key = "preview.note.risk"
    else:
        note_key = "preview.note.private" if note.shared is False else "preview.note.undecided"
    return html_text(
        language,
        "preview.text",
        session_date=session_date(language, latest.session_start.astimezone(ZoneInfo(timezone))),
        answers=SafeHtml("\n".join(lines)),
        note=html_text(language, note_key),
    )
