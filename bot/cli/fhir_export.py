"""FHIR R4 export: the questionnaire, and one QuestionnaireResponse per answered check-in.

Everything goes into one ``Bundle`` of type ``collection``. Clients appear only by their
pseudonymous code, as an identifier; there are no names. Skipped items are left out of a
response. A note is an item of type ``text`` and is included only when the client shared
it with their therapist (or with ``include_private_notes``, for the client's own request).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.progress import Track, untracked
from core.clock import SystemClock
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.catalog import DEFAULT_LANGUAGE, plain
from storage import export_rows as export
from storage.database import Database
from storage.export_rows import CheckinExport, ExportFilter

#: Identifier system of the pseudonymous client codes.
CLIENT_CODE_SYSTEM = "urn:alliance-checkins:client-code"
#: Canonical URL prefix of the questionnaires; the questionnaire's key follows.
QUESTIONNAIRE_URL = "urn:alliance-checkins:questionnaire:"
#: Extension on a response: when the session it is about started.
SESSION_START_URL = "urn:alliance-checkins:session-start"
NOTE_LINK_ID = "note"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
_IDS = uuid.UUID("6f0c3f6e-6d43-4a35-9a35-5f4e2a9a7c11")  # namespace of response ids
_STATUS = {CheckinStatus.COMPLETED: "completed", CheckinStatus.EXPIRED: "stopped"}
JSON = dict[str, Any]
#: The questionnaires a check-in can have been asked with, by key.
QUESTIONNAIRES = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}


def fhir_bundle(
    database: Database,
    only: ExportFilter,
    include_private_notes: bool = False,
    track: Track = untracked,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[JSON, int]:
    """The Bundle of every answered check-in ``only`` keeps, and how many responses it holds."""
    total = export.count(database, "checkins", only)
    responses = [
        response_resource(checkin, include_private_notes=include_private_notes)
        for checkin in track(export.answered_checkins(database, only), total, "check-ins")
    ]
    used = {DEFAULT_QUESTIONNAIRE.key} | {
        r["questionnaire"][len(QUESTIONNAIRE_URL) :] for r in responses
    }
    questionnaires = [questionnaire_resource(QUESTIONNAIRES[k], language) for k in sorted(used)]
    return bundle(questionnaires, responses, SystemClock().now()), len(responses)


def questionnaire_resource(questionnaire: Questionnaire, language: str) -> JSON:
    """A ``Questionnaire``: the items with their wording, answers integers on the scale."""
    items: list[JSON] = [
        {
            "linkId": item.key,
            "text": plain(language, f"item.{item.key}.stem"),
            "type": "integer",
            "required": False,
            "extension": [
                {"url": _MIN, "valueInteger": questionnaire.scale_min},
                {"url": _MAX, "valueInteger": questionnaire.scale_max},
            ],
        }
        for item in questionnaire.items
    ]
    items.append(
        {
            "linkId": NOTE_LINK_ID,
            "text": plain(language, "export.fhir.note"),
            "type": "text",
            "required": False,
        }
    )
    validated = "export.fhir.validated" if questionnaire.validated else "export.fhir.not_validated"
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire.key,
        "url": QUESTIONNAIRE_URL + questionnaire.key,
        "name": "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", questionnaire.key)),
        "title": plain(language, "export.fhir.title"),
        "status": "active",
        "subjectType": ["Patient"],
        "language": language,
        "description": plain(language, "export.fhir.description")
        + " "
        + plain(language, validated),
        "item": items,
    }


def response_resource(checkin: CheckinExport, *, include_private_notes: bool = False) -> JSON:
    """A ``QuestionnaireResponse`` for one check-in; times in the client's zone."""
    zone = ZoneInfo(checkin.timezone)
    items: list[JSON] = [
        {"linkId": a.item_key, "answer": [{"valueInteger": a.value}]}
        for a in checkin.answers
        if a.value is not None
    ]
    note = checkin.note
    if note is not None and (note.shared is True or include_private_notes):
        items.append({"linkId": NOTE_LINK_ID, "answer": [{"valueString": note.text}]})
    changed = [a.answered_at for a in checkin.answers] + ([note.written_at] if note else [])
    authored = checkin.completed_at or max(changed)
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response_id(checkin)),
        "extension": [
            {"url": SESSION_START_URL, "valueDateTime": _time(checkin.session_start, zone)}
        ],
        "questionnaire": QUESTIONNAIRE_URL + checkin.questionnaire,
        "status": _STATUS.get(CheckinStatus(checkin.status), "in-progress"),
        "subject": {"identifier": {"system": CLIENT_CODE_SYSTEM, "value": checkin.client_code}},
        "authored": _time(authored, zone),
    }
    if items:
        resource["item"] = items
    return resource


def response_id(checkin: CheckinExport) -> uuid.UUID:
    """Stable across exports and database copies: from the client code and session start."""
    return uuid.uuid5(_IDS, f"{checkin.client_code}/{checkin.session_start.isoformat()}")


def bundle(questionnaires: Iterable[JSON], responses: Iterable[JSON], now: datetime) -> JSON:
    """A ``collection`` Bundle of the questionnaires, then the responses."""
    entries = [
        {"fullUrl": f"urn:uuid:{uuid.uuid5(_IDS, q['url'])}", "resource": q} for q in questionnaires
    ]
    entries += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in responses]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": now.isoformat(timespec="seconds"),
        "entry": entries,
    }


def _time(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="seconds")
