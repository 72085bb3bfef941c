"""FHIR R4 ``Questionnaire`` resources: one per questionnaire *and version* an export used.

A check-in records the key and version (a hash of items, wording and scale) of the
questionnaire it asked. Each version in an export becomes one resource with the canonical
``url`` (:data:`QUESTIONNAIRE_URL` and the key) and ``version`` (the hash), so a response
can name exactly what was asked as ``url|version`` and answers of two versions are never
read as one instrument.

**A version the config still has** is written out whole: each item with its wording in the
export's language (the clinic's), type ``integer`` with the ``minValue``/``maxValue``
extensions, its Bordin dimension as ``code``, a reversed item marked by an extension, and
one ``answerOption`` per point of the scale whose label, where the questionnaire gives one,
is in the :data:`POINT_LABEL_URL` extension. Points stay integers (not ``valueCoding``
with type ``choice``) so that responses keep their ``valueInteger`` answers, which every
receiver can compute with. The licence, if any, is the ``copyright``.

**A version the config no longer has** (its wording or scale changed since, or the
questionnaire was removed) cannot be written from memory: nothing but the config ever held
its wording. Leaving it out would leave responses pointing at nothing, and describing it
with today's wording would claim a text the client never read. So it is written with what
the answers themselves show: the item keys answered, in the order first asked, with no
text, and the lowest and highest answer seen in the description, not as ``minValue`` or
``maxValue`` (a range seen is not the scale). It is marked ``status: retired`` with the
:data:`WORDING_UNKNOWN` tag, and its description says why.

**The repair follow-up** is an item of every questionnaire version, like the note: linkId
``repair``, type ``choice``, not required, after the questionnaire's items and before the
note, with the answer options yes, partly and not-yet (system :data:`REPAIR_SYSTEM`,
displayed in the export's language, each with its stored value 2, 1 or 0 as the
``ordinalValue`` extension). It is asked only after a follow-up was raised (a concern the
therapist marked as discussed, or a needs-attention flag in a report), so most responses
leave it out. It is one item of the check-in's own questionnaire rather than a small
questionnaire of its own because a check-in is one ``QuestionnaireResponse`` that names one
questionnaire; its answer belongs with the check-in that asked it. It is never part of a
version's hash (its wording is the project's, as the note's is).

**A therapist's estimate** answers the version's ``overall`` item (its first item of that
dimension) in a response of its own (``bot.cli.fhir_export``). A version without such an
item, or one no longer in the config (whose overall item cannot be known), gets the item
:data:`ESTIMATE_LINK_ID` for the estimates to answer, on the questionnaire's scale when it
is known, only when the export holds an estimate of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from core.estimate import overall_item
from core.questionnaire import Item, Questionnaire
from core.repair import REPAIR_KEY, RepairAnswer
from messages.catalog import plain
from messages.instrument import item_text, point_labels, title

#: Canonical URL prefix of the questionnaires; the questionnaire's key follows.
QUESTIONNAIRE_URL = "urn:alliance-checkins:questionnaire:"
#: Extension on an answer option: what the point means, in the export's language.
POINT_LABEL_URL = "urn:alliance-checkins:point-label"
#: Extension on an item: a higher answer means worse (answers are exported as given).
REVERSED_URL = "urn:alliance-checkins:reverse-scored"
#: Code system of the alliance dimension an item measures.
DIMENSION_SYSTEM = "urn:alliance-checkins:dimension"
#: Tag on a questionnaire version that is no longer in the clinic config.
WORDING_UNKNOWN = {"system": "urn:alliance-checkins:tag", "code": "wording-unknown"}
NOTE_LINK_ID = "note"
#: The repair follow-up's item, and the code system of its answers (stored value: code).
REPAIR_LINK_ID = REPAIR_KEY
REPAIR_SYSTEM = "urn:alliance-checkins:repair-answer"
REPAIR_CODES = {
    RepairAnswer.YES: "yes",
    RepairAnswer.PARTLY: "partly",
    RepairAnswer.NOT_YET: "not-yet",
}
#: How each answer reads: as the button the client tapped.
_REPAIR_WORDS = {
    RepairAnswer.YES: "button.repair.yes",
    RepairAnswer.PARTLY: "button.repair.partly",
    RepairAnswer.NOT_YET: "button.repair.not_yet",
}
#: The item a therapist's estimate answers when the version has no ``overall`` item known.
ESTIMATE_LINK_ID = "overall-estimate"
_ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
JSON = dict[str, Any]


def canonical(key: str, version: str) -> str:
    """How a response names the questionnaire version it answers."""
    return f"{QUESTIONNAIRE_URL}{key}|{version}"


def _header(key: str, version: str, language: str) -> JSON:
    return {
        "resourceType": "Questionnaire",
        "id": re.sub(r"[^A-Za-z0-9.-]", "-", f"{key}-{version}")[:64],
        "url": QUESTIONNAIRE_URL + key,
        "version": version,
        "name": "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", key)),
        "status": "active",
        "subjectType": ["Patient"],
        "language": language,
    }


def _note(language: str) -> JSON:
    return {
        "linkId": NOTE_LINK_ID,
        "text": plain(language, "export.fhir.note"),
        "type": "text",
        "required": False,
    }


def repair_coding(value: RepairAnswer, language: str) -> JSON:
    """The coding of a stored repair answer (2, 1 or 0)."""
    display = plain(language, _REPAIR_WORDS[value])
    return {"system": REPAIR_SYSTEM, "code": REPAIR_CODES[value], "display": display}


def _repair(language: str) -> JSON:
    return {
        "linkId": REPAIR_LINK_ID,
        "text": plain(language, "export.fhir.repair"),
        "type": "choice",
        "required": False,
        "answerOption": [
            {
                "valueCoding": repair_coding(value, language)
                | {"extension": [{"url": _ORDINAL, "valueDecimal": int(value)}]}
            }
            for value in REPAIR_CODES
        ],
    }


def _estimate(language: str, questionnaire: Questionnaire | None) -> JSON:
    item: JSON = {
        "linkId": ESTIMATE_LINK_ID,
        "text": plain(language, "export.fhir.estimate"),
        "type": "integer",
        "required": False,
    }
    if questionnaire is not None:
        item["extension"] = [
            {"url": _MIN, "valueInteger": questionnaire.scale_min},
            {"url": _MAX, "valueInteger": questionnaire.scale_max},
        ]
    return item


def estimate_link_id(known: Mapping[str, Questionnaire], key: str, version: str) -> str:
    """The item a therapist's estimate of a check-in of this version answers."""
    questionnaire = known.get(key)
    if questionnaire is None or questionnaire.version != version:
        return ESTIMATE_LINK_ID
    overall = overall_item(questionnaire)
    return ESTIMATE_LINK_ID if overall is None else overall.key


def questionnaire_resource(questionnaire: Questionnaire, language: str) -> JSON:
    """A version the config has: every item with its wording, scale and labelled points."""
    resource = _header(questionnaire.key, questionnaire.version, language)
    if questionnaire.builtin:
        resource["title"] = plain(language, "export.fhir.title")
        description = plain(language, "export.fhir.description")
    else:
        resource["title"] = title(language, questionnaire)
        description = plain(
            language,
            "export.fhir.clinic",
            low=questionnaire.scale_min,
            high=questionnaire.scale_max,
        )
    if questionnaire.validated:
        description += " " + plain(language, "export.fhir.validated")
    elif questionnaire.builtin:
        description += " " + plain(language, "export.fhir.not_validated")
    resource["description"] = description
    if questionnaire.licence:
        resource["copyright"] = questionnaire.licence
    items = [_item(language, questionnaire, item) for item in questionnaire.items]
    resource["item"] = [*items, _repair(language), _note(language)]
    return resource


def _item(language: str, questionnaire: Questionnaire, item: Item) -> JSON:
    resource: JSON = {
        "linkId": item.key,
        "code": [{"system": DIMENSION_SYSTEM, "code": item.dimension}],
        "text": item_text(language, questionnaire, item),
        "type": "integer",
        "required": False,
        "extension": [
            {"url": _MIN, "valueInteger": questionnaire.scale_min},
            {"url": _MAX, "valueInteger": questionnaire.scale_max},
        ],
    }
    if item.reverse:
        resource["extension"].append({"url": REVERSED_URL, "valueBoolean": True})
    labels = _labels(language, questionnaire, item)
    resource["answerOption"] = [
        {"valueInteger": point}
        | (
            {"extension": [{"url": POINT_LABEL_URL, "valueString": labels[point]}]}
            if point in labels
            else {}
        )
        for point in questionnaire.scale
    ]
    return resource


def _labels(language: str, questionnaire: Questionnaire, item: Item) -> dict[int, str]:
    """What the points mean: the built-in items name their two ends in the catalog."""
    if not questionnaire.builtin:
        return point_labels(language, questionnaire)
    return {
        questionnaire.scale_min: plain(language, f"item.{item.key}.low"),
        questionnaire.scale_max: plain(language, f"item.{item.key}.high"),
    }


def unknown_version(
    key: str, version: str, answers: Sequence[tuple[str, int | None]], language: str
) -> JSON:
    """A version the config no longer has, from its answers (item key, value) alone."""
    answers = [(item, value) for item, value in answers if item != REPAIR_LINK_ID]
    keys = list(dict.fromkeys(item for item, _ in answers))
    values = [value for _, value in answers if value is not None]
    resource = _header(key, version, language)
    resource["status"] = "retired"
    resource["meta"] = {"tag": [WORDING_UNKNOWN]}
    description = plain(language, "export.fhir.unknown", questionnaire=key)
    if values:
        description += " " + plain(language, "export.fhir.seen", low=min(values), high=max(values))
    resource["description"] = description
    items = [{"linkId": k, "type": "integer", "required": False} for k in keys]
    resource["item"] = [*items, _repair(language), _note(language)]
    return resource


def used_questionnaires(
    used: Mapping[tuple[str, str], Sequence[tuple[str, int | None]]],
    known: Mapping[str, Questionnaire],
    language: str,
    estimated: Collection[tuple[str, str]] = (),
) -> list[JSON]:
    """A resource per (key, version) used, whole when ``known`` has that version.

    ``used`` gives each version's answers (item key, value), for a version no longer known;
    ``estimated`` the versions a therapist's estimate in the export was made on.
    """
    resources = []
    for key, version in sorted(used):
        questionnaire = known.get(key)
        if questionnaire is not None and questionnaire.version == version:
            resource = questionnaire_resource(questionnaire, language)
        else:
            questionnaire = None
            resource = unknown_version(key, version, used[key, version], language)
        if (key, version) in estimated and estimate_link_id(known, key, version) == (
            ESTIMATE_LINK_ID
        ):
            resource["item"].insert(-2, _estimate(language, questionnaire))
        resources.append(resource)
    return resources


def partly_described(resources: Iterable[JSON]) -> list[str]:
    """The canonical references of the versions written from their answers alone."""
    return [
        f"{r['url']}|{r['version']}"
        for r in resources
        if r.get("resourceType") == "Questionnaire"
        and WORDING_UNKNOWN in r.get("meta", {}).get("tag", [])
    ]
