"""Exports of a clinic with two questionnaires: C101 answers the clinic's own on 1-5, C102
the built-in one. Each version used is described once, and each response names its own."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bot.cli.csv_export import write_csv
from bot.cli.fhir_export import fhir_bundle
from bot.cli.fhir_questionnaire import POINT_LABEL_URL, WORDING_UNKNOWN
from bot.cli.main import main
from core.clinic import ClinicConfig
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from storage.export_rows import ExportFilter
from tests.e2e.clinic_questionnaire import LICENCE, answer, two_questionnaires
from tests.e2e.conftest import KEY, Clinic

#: Wednesday 25 November, 15:50 Berlin: a day after Tuesday's sessions.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


@pytest.fixture
def config() -> ClinicConfig:
    return ClinicConfig.model_validate(two_questionnaires())


async def answered_both(clinic: Clinic) -> None:
    first, second = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(first, "C101")
    await clinic.enrol(second, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 2
    assert "Today I was listened to." in (first.last_message().text or "")
    await answer(first, ["4", "Skip", "2"])
    await answer(second, ["8", "7", "6", "9"])


def resources(document: dict[str, Any]) -> tuple[list[Questionnaire], list[QuestionnaireResponse]]:
    bundle = Bundle.model_validate(json.loads(json.dumps(document)))
    found = [entry.resource for entry in bundle.entry or []]
    return (
        [r for r in found if isinstance(r, Questionnaire)],
        [r for r in found if isinstance(r, QuestionnaireResponse)],
    )


async def test_the_fhir_export_describes_both_questionnaires_and_each_response_names_its_own(
    clinic: Clinic,
) -> None:
    await answered_both(clinic)
    known = clinic.services.config.instruments.by_key
    own = known["session-check"]

    document, count = fhir_bundle(clinic.services.database, ExportFilter(), questionnaires=known)

    questionnaires, responses = resources(document)
    assert count == 2
    by_url = {q.url: q for q in questionnaires}
    assert set(by_url) == {
        "urn:alliance-checkins:questionnaire:alliance-v1",
        "urn:alliance-checkins:questionnaire:session-check",
    }
    check = by_url["urn:alliance-checkins:questionnaire:session-check"]
    assert (check.version, check.status, check.title) == (own.version, "active", "Session check")
    assert check.copyright == LICENCE
    assert [i.linkId for i in check.item or []] == ["heard", "aims", "stuck", "repair", "note"]
    heard = (check.item or [])[0]
    assert heard.text == "Today I was listened to."
    assert [c.code for c in heard.code or []] == ["bond"]
    options = heard.answerOption or []
    assert [o.valueInteger for o in options] == [1, 2, 3, 4, 5]
    labels = {
        o.valueInteger: e.valueString
        for o in options
        for e in o.extension or []
        if e.url == POINT_LABEL_URL
    }
    assert labels == {1: "Not at all", 3: "Somewhat", 5: "Completely"}
    assert [e.valueInteger for e in heard.extension or []] == [1, 5]
    assert any(e.valueBoolean for e in (check.item or [])[2].extension or [])  # reversed
    by_client = {r.subject.identifier.value: r for r in responses}  # type: ignore[union-attr]
    assert by_client["C101"].questionnaire == f"{check.url}|{own.version}"
    answers = {i.linkId: (i.answer or [])[0].valueInteger for i in by_client["C101"].item or []}
    assert answers == {"heard": 4, "stuck": 2}
    builtin = by_url["urn:alliance-checkins:questionnaire:alliance-v1"]
    assert by_client["C102"].questionnaire == f"{builtin.url}|{DEFAULT_QUESTIONNAIRE.version}"


async def test_the_clinic_questionnaire_is_worded_in_the_language_asked_for(
    clinic: Clinic,
) -> None:
    await answered_both(clinic)
    known = clinic.services.config.instruments.by_key

    document, _ = fhir_bundle(
        clinic.services.database,
        ExportFilter(client_code="C101"),
        language="de",
        questionnaires=known,
    )

    (check,), _ = resources(document)
    assert check.title == "Sitzungs-Check"
    assert (check.item or [])[0].text == "Heute wurde mir zugehört."
    assert "von 1 bis 5" in (check.description or "")


async def test_a_version_the_config_no_longer_has_is_described_from_its_answers(
    clinic: Clinic,
) -> None:
    await answered_both(clinic)
    asked = clinic.services.config.instruments.by_key["session-check"].version
    reworded = ClinicConfig.model_validate(two_questionnaires(heard="I was heard today."))
    known = reworded.instruments.by_key
    assert known["session-check"].version != asked

    document, _ = fhir_bundle(
        clinic.services.database, ExportFilter(client_code="C101"), questionnaires=known
    )

    (old,), (response,) = resources(document)
    assert (old.version, old.status) == (asked, "retired")
    assert [(t.system, t.code) for t in (old.meta.tag if old.meta else None) or []] == [
        (WORDING_UNKNOWN["system"], WORDING_UNKNOWN["code"])
    ]
    assert [i.linkId for i in old.item or []] == ["heard", "aims", "stuck", "repair", "note"]
    assert all(i.text is None and not i.answerOption for i in (old.item or [])[:3])
    assert "answers range from 2 to 4" in (old.description or "")
    assert "I was heard today." not in json.dumps(document)
    assert response.questionnaire == f"{old.url}|{asked}"


async def test_the_csv_names_each_rows_questionnaire(clinic: Clinic) -> None:
    await answered_both(clinic)
    out = io.StringIO()

    write_csv(clinic.services.database, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    own = clinic.services.config.instruments.by_key["session-check"].version
    assert [
        (r["item_key"], r["value"], r["questionnaire"], r["questionnaire_version"])
        for r in rows
        if r["client_code"] == "C101"
    ] == [
        ("heard", "4", "session-check", own),
        ("aims", "", "session-check", own),
        ("stuck", "2", "session-check", own),
    ]
    assert {r["questionnaire"] for r in rows if r["client_code"] == "C102"} == {"alliance-v1"}


async def test_the_export_command_reads_the_questionnaires_from_the_clinic_config(
    clinic: Clinic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await answered_both(clinic)
    config_file = tmp_path / "clinic.yaml"
    config_file.write_text(yaml.safe_dump(two_questionnaires()), encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", clinic.settings.database_url)
    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(config_file))
    with_config, without = tmp_path / "with.json", tmp_path / "without.json"

    assert main(["export", "--format", "fhir", "--output", str(with_config)]) == 0
    assert "Note:" not in capsys.readouterr().err
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(tmp_path / "missing.yaml"))
    assert main(["export", "--format", "fhir", "--output", str(without)]) == 0

    questionnaires, _ = resources(json.loads(with_config.read_text(encoding="utf-8")))
    assert {(q.name, q.status) for q in questionnaires} == {
        ("AllianceV1", "active"),
        ("SessionCheck", "active"),
    }
    questionnaires, _ = resources(json.loads(without.read_text(encoding="utf-8")))
    assert {(q.name, q.status) for q in questionnaires} == {
        ("AllianceV1", "active"),
        ("SessionCheck", "retired"),
    }
    err = capsys.readouterr().err
    assert "1 questionnaire version(s) in the export are not in the clinic config" in err
    assert "missing.yaml was not found" in err
