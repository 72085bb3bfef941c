"""A client's own data as a JSON document (/mydata), and the preview text (/preview).

Both name each check-in's items from the questionnaire *that check-in* was asked with, so
a client who moved to another questionnaire sees each answer under the question it
answered. When the config no longer has that version (its wording changed since), the
items go by their keys: today's wording could be a question the client never read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.instrument import item_label, item_text, title
from messages.render import session_date
from storage.audit import AuditEntry
from storage.client_data import CheckinCopy, ClientCopy

_SHARING = {True: "shared", False: "private", None: "undecided"}


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
    question in the client's language (``null`` for a version the config no longer has).
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
    local: Callable[[datetime], str],
) -> dict[str, Any]:
    named = _names(language, questionnaire)

    def answer(key: str, value: int | None, at: datetime) -> dict[str, Any]:
        name, question = named.get(key, (None, None))
        return {
            "item": key,
            "name": name,
            "question": question,
            "value": value,
            "answered_at": local(at),
        }

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
) -> list[tuple[str, int | None]]:
    """(name, value) of each answer: in the questionnaire's order, else as stored, by key."""
    if questionnaire is None:
        return [(key, value) for key, value, _ in checkin.answers]
    values = {key: value for key, value, _ in checkin.answers}
    return [
        (item_label(language, questionnaire, item), values[item.key])
        for item in questionnaire.items
        if item.key in values
    ]


def preview_text(
    language: str,
    timezone: str,
    questionnaires: Mapping[str, Questionnaire],
    latest: CheckinCopy | None,
    risk_notes_to_therapist: bool,
) -> SafeHtml:
    """What the therapist sees from the latest check-in; the note itself is never quoted."""
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
