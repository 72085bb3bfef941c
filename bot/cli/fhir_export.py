"""FHIR R4 export: the questionnaires used, and one QuestionnaireResponse per answered check-in.

Everything goes into one ``Bundle`` of type ``collection``: first one ``Questionnaire`` per
questionnaire and version the exported check-ins were asked with (see
``bot.cli.fhir_questionnaire``), then the responses, each naming its own version as a
canonical ``url|version``. Clients appear only by their pseudonymous code, as an
identifier; there are no names. Skipped items are left out of a response. A note is an
item of type ``text`` and is included only when the client shared it with their therapist
(or with ``include_private_notes``, for the client's own request).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cli.fhir_questionnaire import (
    JSON,
    NOTE_LINK_ID,
    QUESTIONNAIRE_URL,
    canonical,
    used_questionnaires,
)
from bot.cli.progress import Track, untracked
from core.clock import SystemClock
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.catalog import DEFAULT_LANGUAGE
from storage import export_rows as export
from storage.database import Database
from storage.export_rows import CheckinExport, ExportFilter

__all__ = ["CLIENT_CODE_SYSTEM", "QUESTIONNAIRE_URL", "fhir_bundle", "response_resource"]

#: Identifier system of the pseudonymous client codes.
CLIENT_CODE_SYSTEM = "urn:alliance-checkins:client-code"
#: Extension on a response: when the session it is about started.
SESSION_START_URL = "urn:alliance-checkins:session-start"
_IDS = uuid.UUID("6f0c3f6e-6d43-4a35-9a35-5f4e2a9a7c11")  # namespace of response ids
_STATUS = {CheckinStatus.COMPLETED: "completed", CheckinStatus.EXPIRED: "stopped"}
#: The questionnaires known without a clinic config: the built-in one.
BUILT_IN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}


def fhir_bundle(
    database: Database,
    only: ExportFilter,
    include_private_notes: bool = False,
    track: Track = untracked,
    language: str = DEFAULT_LANGUAGE,
    questionnaires: Mapping[str, Questionnaire] = BUILT_IN,
) -> tuple[JSON, int]:
    """The Bundle of every answered check-in ``only`` keeps, and how many responses it holds.

    ``questionnaires`` are those the clinic config has now, by key (the built-in one
    included); item wording is in ``language``, the clinic's.
    """
    total = export.count(database, "checkins", only)
    checkins = list(track(export.answered_checkins(database, only), total, "check-ins"))
    responses = [
        response_resource(checkin, include_private_notes=include_private_notes)
        for checkin in checkins
    ]
    used: dict[tuple[str, str], list[tuple[str, int | None]]] = defaultdict(list)
    for checkin in checkins:
        used[checkin.questionnaire, checkin.questionnaire_version] += [
            (a.item_key, a.value) for a in checkin.answers
        ]
    resources = used_questionnaires(used, questionnaires, language)
    return bundle(resources, responses, SystemClock().now()), len(responses)


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
        "questionnaire": canonical(checkin.questionnaire, checkin.questionnaire_version),
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
        {"fullUrl": _urn(f"{q['url']}|{q['version']}"), "resource": q} for q in questionnaires
    ]
    entries += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in responses]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": now.isoformat(timespec="seconds"),
        "entry": entries,
    }


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_IDS, name)}"


def _time(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="seconds")
