"""A client's own data as a JSON document (/mydata), and the preview text (/preview)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.render import session_date
from storage.audit import AuditEntry
from storage.client_data import CheckinCopy, ClientCopy

_SHARING = {True: "shared", False: "private", None: "undecided"}


def data_document(copy: ClientCopy, activity: list[AuditEntry], now: datetime) -> bytes:
    """Everything stored about the client, as UTF-8 JSON; times in their time zone."""
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
            {
                "session_start": local(c.session_start),
                "status": str(c.status),
                "answers": [
                    {"item": key, "value": value, "answered_at": local(at)}
                    for key, value, at in c.answers
                ],
                "note": None
                if c.note is None
                else {
                    "text": c.note.text,
                    "sharing": _SHARING[c.note.shared],
                    "contains_risk_words": c.note.risk,
                    "written_at": local(c.note.written_at),
                },
            }
            for c in copy.checkins
        ],
        "activity": [
            {"at": local(e.at), "event": e.kind, "via": e.via}
            for e in activity
            if e.kind != "therapist_notified"
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def preview_text(
    language: str,
    timezone: str,
    questionnaire: Questionnaire,
    latest: CheckinCopy | None,
    risk_notes_to_therapist: bool,
) -> SafeHtml:
    """What the therapist sees from the latest check-in; the note itself is never quoted."""
    if latest is None:
        return html_text(language, "preview.none")
    values = {key: value for key, value, _ in latest.answers}
    lines = [
        html_text(
            language,
            "preview.answer",
            label=plain(language, f"item.{item.key}.label"),
            value=plain(language, "preview.skipped")
            if values[item.key] is None
            else values[item.key],
        )
        for item in questionnaire.items
        if item.key in values
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
