"""Repair answers and therapists' estimates in the FHIR export: the repair item with its
codings, estimates as therapist-authored responses on the overall item, and a bundle that
still validates as R4 (with the R4B models of fhir.resources), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import delete, select, update

from bot.cli.fhir_export import (
    BUILT_IN,
    CLIENT_CODE_SYSTEM,
    ESTIMATE_TAG,
    REPAIR_KIND_URL,
    THERAPIST_CODE_SYSTEM,
    fhir_bundle,
)
from bot.cli.fhir_questionnaire import ESTIMATE_LINK_ID, REPAIR_SYSTEM
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from storage.database import Database
from storage.export_rows import ExportFilter
from storage.tables import CheckinRow, ClientRow, EstimateRow
from tests.storage.test_loop_data_rights import closing_the_loop

#: A clinic questionnaire without an overall item (wording written for this test).
NO_OVERALL = Questionnaire(
    key="session-check",
    items=(Item("heard", "bond", {"en": "I was listened to."}),),
    scale_min=1,
    scale_max=5,
    title={"en": "Session check"},
)


def client_id(code: str) -> Any:
    return select(ClientRow.id).where(ClientRow.code == code).scalar_subquery()


def on_no_overall(database: Database, code: str) -> None:
    """The client's check-ins were asked on a clinic questionnaire without an overall item."""
    with database.transaction() as s:
        s.execute(
            update(CheckinRow)
            .where(CheckinRow.client_id == client_id(code))
            .values(questionnaire=NO_OVERALL.key, questionnaire_version=NO_OVERALL.version)
        )


def resources(
    document: dict[str, Any],
) -> tuple[list[FhirQuestionnaire], list[QuestionnaireResponse]]:
    bundle = Bundle.model_validate(json.loads(json.dumps(document)))
    found = [entry.resource for entry in bundle.entry or []]
    return (
        [r for r in found if isinstance(r, FhirQuestionnaire)],
        [r for r in found if isinstance(r, QuestionnaireResponse)],
    )


def is_estimate(response: QuestionnaireResponse) -> bool:
    tags = response.meta.tag if response.meta else None
    return any(
        (t.system, t.code) == (ESTIMATE_TAG["system"], ESTIMATE_TAG["code"]) for t in tags or []
    )


def test_the_repair_answer_is_its_own_coded_item_of_the_checkins_questionnaire(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)

    document, count = fhir_bundle(database, ExportFilter(client_code="C101"))

    (questionnaire,), responses = resources(document)
    assert count == 1  # check-ins: the estimates are responses too, but not check-ins
    links = [i.linkId for i in questionnaire.item or []]
    assert links == ["bond", "goals", "tasks", "overall", "repair", "note"]
    repair = (questionnaire.item or [])[4]
    assert (repair.type, repair.required) == ("choice", False)
    options = [o.valueCoding for o in repair.answerOption or []]
    assert [(c.system, c.code, c.display) for c in options if c] == [
        (REPAIR_SYSTEM, "yes", "Yes"),
        (REPAIR_SYSTEM, "partly", "Partly"),
        (REPAIR_SYSTEM, "not-yet", "Not yet"),
    ]
    assert [float(e.valueDecimal or 0) for c in options if c for e in c.extension or []] == [
        2,
        1,
        0,
    ]
    (client,) = [r for r in responses if not is_estimate(r)]
    items = {i.linkId: i for i in client.item or []}
    assert list(items) == ["bond", "goals", "tasks", "overall", "repair"]  # the note undecided
    answer = (items["repair"].answer or [])[0]
    assert answer.valueInteger is None
    assert answer.valueCoding is not None
    assert (answer.valueCoding.code, answer.valueCoding.display) == ("not-yet", "Not yet")
    assert [(e.url, e.valueCode) for e in items["repair"].extension or []] == [
        (REPAIR_KIND_URL, "concern")
    ]


def test_each_saved_estimate_is_a_response_by_the_therapist_on_the_overall_item(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)

    document, _ = fhir_bundle(database, ExportFilter(), language="de")

    _, responses = resources(document)
    estimates = [r for r in responses if is_estimate(r)]
    assert len(estimates) == 3
    first = estimates[0]
    assert first.author is not None
    assert first.author.type == "Practitioner"
    assert first.author.identifier is not None
    assert (first.author.identifier.system, first.author.identifier.value) == (
        THERAPIST_CODE_SYSTEM,
        "T01",
    )
    assert first.source == first.author
    assert first.subject is not None
    assert first.subject.identifier is not None
    assert (first.subject.identifier.system, first.subject.identifier.value) == (
        CLIENT_CODE_SYSTEM,
        "C101",
    )
    canonical = f"urn:alliance-checkins:questionnaire:alliance-v1|{DEFAULT_QUESTIONNAIRE.version}"
    assert first.questionnaire == canonical
    assert first.status == "completed"
    assert [(i.linkId, (i.answer or [])[0].valueInteger) for i in first.item or []] == [
        ("overall", 6)
    ]
    assert first.authored is not None
    assert first.authored.isoformat() == "2026-11-24T16:20:00+01:00"
    ids = {r.id for r in responses}
    assert len(ids) == len(responses)  # an estimate never takes its check-in's id
    again, _ = fhir_bundle(database, ExportFilter(), language="de")
    assert {r.id for r in resources(again)[1]} == ids  # stable across exports


def test_a_version_without_a_known_overall_item_gets_one_for_the_estimates(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    on_no_overall(database, "C102")
    with database.transaction() as s:  # C101's version is no longer in the config
        s.execute(
            update(CheckinRow)
            .where(CheckinRow.client_id == client_id("C101"))
            .values(questionnaire_version="000000000000")
        )
    known = {**BUILT_IN, NO_OVERALL.key: NO_OVERALL}

    document, _ = fhir_bundle(database, ExportFilter(), questionnaires=known)

    questionnaires, responses = resources(document)
    by_url = {(q.url or "").rsplit(":", 1)[-1]: q for q in questionnaires}
    assert set(by_url) == {"alliance-v1", "session-check"}
    own, gone = by_url["session-check"], by_url["alliance-v1"]
    assert [i.linkId for i in own.item or []] == ["heard", ESTIMATE_LINK_ID, "repair", "note"]
    scale = [e.valueInteger for e in (own.item or [])[1].extension or []]
    assert scale == [1, 5]
    assert gone.status == "retired"
    assert [i.linkId for i in gone.item or []] == [
        "bond",
        "goals",
        "tasks",
        "overall",
        ESTIMATE_LINK_ID,
        "repair",
        "note",
    ]  # the repair answer is the repair item, never an integer item of its own
    assert not (gone.item or [])[4].extension  # its scale is not known either
    linked = {
        (r.subject.identifier.value if r.subject and r.subject.identifier else None): [
            i.linkId for i in r.item or []
        ]
        for r in responses
        if is_estimate(r)
    }
    assert linked == {"C101": [ESTIMATE_LINK_ID], "C102": [ESTIMATE_LINK_ID]}


def test_a_version_gets_the_estimate_item_only_when_an_estimate_of_it_is_exported(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    on_no_overall(database, "C102")
    known = {**BUILT_IN, NO_OVERALL.key: NO_OVERALL}
    only_c102 = ExportFilter(client_code="C102")

    estimated, _ = fhir_bundle(database, only_c102, questionnaires=known)
    with database.transaction() as s:
        s.execute(delete(EstimateRow))
    plain, _ = fhir_bundle(database, only_c102, questionnaires=known)

    (own,), responses = resources(estimated)
    assert [i.linkId for i in own.item or []] == ["heard", ESTIMATE_LINK_ID, "repair", "note"]
    assert sum(is_estimate(r) for r in responses) == 1
    (own,), responses = resources(plain)
    assert [i.linkId for i in own.item or []] == ["heard", "repair", "note"]
    assert not any(is_estimate(r) for r in responses)
