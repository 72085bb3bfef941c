"""FHIR R4 export: the questionnaires used, one QuestionnaireResponse per answered check-in,
and one per therapist's estimate.

Everything goes into one ``Bundle`` of type ``collection``: first one ``Questionnaire`` per
questionnaire and version the exported check-ins were asked with (see
``bot.cli.fhir_questionnaire``), then the clients' responses, then the therapists'
estimates, each naming its own version as a canonical ``url|version``. Clients appear
only by their pseudonymous code, as an identifier; there are no names. Skipped items are
left out of a response. A note is an item of type ``text`` and is included only when the
client shared it with their therapist (or with ``include_private_notes``, for the client's
own request).

A repair answer is the ``repair`` item of the check-in's response, answered with a
``valueCoding`` (yes, partly, not-yet); the extension :data:`REPAIR_KIND_URL` says what
it followed up (``concern``: a note the therapist marked as discussed; ``flag``: a
needs-attention flag in a report). A therapist's estimate saved with a value is a
``QuestionnaireResponse`` of its own on the same questionnaire version, tagged
:data:`ESTIMATE_TAG`: ``subject`` is the client's code as in the client's responses,
``author`` and ``source`` the therapist's code as a ``Practitioner`` identifier (the
therapist answered it), ``authored`` when it was saved, and its one item the version's
overall item (see ``bot.cli.fhir_questionnaire.estimate_link_id``).
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
    REPAIR_CODES,
    REPAIR_LINK_ID,
    canonical,
    estimate_link_id,
    repair_coding,
    used_questionnaires,
)
from bot.cli.progress import Track, untracked
from core.clock import SystemClock
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from core.repair import RepairAnswer
from messages.catalog import DEFAULT_LANGUAGE
from storage import export_estimates
from storage import export_rows as export
from storage.database import Database
from storage.export_estimates import EstimateExport
from storage.export_rows import CheckinExport, ExportFilter

__all__ = [
    "CLIENT_CODE_SYSTEM",
    "ESTIMATE_TAG",
    "QUESTIONNAIRE_URL",
    "THERAPIST_CODE_SYSTEM",
    "estimate_resource",
    "fhir_bundle",
    "response_resource",
]

#: Identifier systems of the pseudonymous client and therapist codes.
CLIENT_CODE_SYSTEM = "urn:alliance-checkins:client-code"
THERAPIST_CODE_SYSTEM = "urn:alliance-checkins:therapist-code"
#: Extension on a response: when the session it is about started.
SESSION_START_URL = "urn:alliance-checkins:session-start"
#: Extension on a repair answer: what it followed up (``concern`` or ``flag``).
REPAIR_KIND_URL = "urn:alliance-checkins:repair-kind"
#: Tag of a response that is a therapist's estimate, not the client's answers.
ESTIMATE_TAG = {"system": "urn:alliance-checkins:tag", "code": "therapist-estimate"}
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
    """The Bundle of every answered check-in and estimate ``only`` keeps, and how many
    check-ins (clients' responses) it holds.

    ``questionnaires`` are those the clinic config has now, by key (the built-in one
    included); item wording is in ``language``, the clinic's.
    """
    total = export.count(database, "checkins", only)
    checkins = list(track(export.answered_checkins(database, only), total, "check-ins"))
    total = export_estimates.count(database, only)
    estimates = list(track(export_estimates.estimates(database, only), total, "estimates"))
    responses = [
        response_resource(checkin, include_private_notes=include_private_notes, language=language)
        for checkin in checkins
    ]
    used: dict[tuple[str, str], list[tuple[str, int | None]]] = defaultdict(list)
    for checkin in checkins:
        used[checkin.questionnaire, checkin.questionnaire_version] += [
            (a.item_key, a.value) for a in checkin.answers
        ]
    estimated = {(e.questionnaire, e.questionnaire_version) for e in estimates}
    for version in estimated:
        used[version] += []  # a version only estimates were made on is described too
    resources = used_questionnaires(used, questionnaires, language, estimated)
    rated = [
        estimate_resource(e, estimate_link_id(questionnaires, *_version(e))) for e in estimates
    ]
    return bundle(resources, [*responses, *rated], SystemClock().now()), len(responses)


def _version(estimate: EstimateExport) -> tuple[str, str]:
    return estimate.questionnaire, estimate.questionnaire_version


def response_resource(
    checkin: CheckinExport, *, include_private_notes: bool = False, language: str = DEFAULT_LANGUAGE
) -> JSON:
    """A ``QuestionnaireResponse`` for one check-in; times in the client's zone, the repair
    answer's display in ``language``."""
    zone = ZoneInfo(checkin.timezone)
    items: list[JSON] = [
        {"linkId": a.item_key, "answer": [{"valueInteger": a.value}]}
        for a in checkin.answers
        if a.value is not None and a.item_key != REPAIR_LINK_ID
    ]
    items += _repair_answer(checkin, language)
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


def _repair_answer(checkin: CheckinExport, language: str) -> list[JSON]:
    """The repair item, if the check-in asked the follow-up and the client answered it."""
    value = next((a.value for a in checkin.answers if a.item_key == REPAIR_LINK_ID), None)
    if value is None or value not in REPAIR_CODES:
        return []  # not asked, skipped (or a value no version of the bot stores)
    item: JSON = {
        "linkId": REPAIR_LINK_ID,
        "answer": [{"valueCoding": repair_coding(RepairAnswer(value), language)}],
    }
    if checkin.repair is not None:
        item["extension"] = [{"url": REPAIR_KIND_URL, "valueCode": checkin.repair}]
    return [item]


def estimate_resource(estimate: EstimateExport, link_id: str) -> JSON:
    """A therapist-rated ``QuestionnaireResponse``: the estimate as the answer to
    ``link_id`` (the version's overall item), by the therapist, about the client."""
    zone = ZoneInfo(estimate.timezone)
    therapist = {
        "type": "Practitioner",
        "identifier": {"system": THERAPIST_CODE_SYSTEM, "value": estimate.therapist_code},
    }
    name = f"estimate/{estimate.client_code}/{estimate.session_start.isoformat()}"
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(uuid.uuid5(_IDS, name)),
        "meta": {"tag": [ESTIMATE_TAG]},
        "extension": [
            {"url": SESSION_START_URL, "valueDateTime": _time(estimate.session_start, zone)}
        ],
        "questionnaire": canonical(estimate.questionnaire, estimate.questionnaire_version),
        "status": "completed",
        "subject": {"identifier": {"system": CLIENT_CODE_SYSTEM, "value": estimate.client_code}},
        "authored": _time(estimate.estimated_at, zone),
        "author": therapist,
        "source": therapist,
        "item": [{"linkId": link_id, "answer": [{"valueInteger": estimate.value}]}],
    }


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
