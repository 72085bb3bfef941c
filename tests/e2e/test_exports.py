"""Exports of a real run: a FHIR R4 Bundle that validates, and CSV with filters."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bot.cli.commands.export import operator
from bot.cli.csv_export import write_csv
from bot.cli.fhir_export import CLIENT_CODE_SYSTEM, fhir_bundle
from bot.cli.main import main
from core.audit import Actor, AuditKind
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from storage.audit import Audit
from storage.export_rows import ExportFilter
from tests.e2e.conftest import KEY, Clinic, shows_step

#: Wednesday 25 November, 15:50 Berlin: a day after Tuesday's sessions.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
R4_RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}


async def two_answered_checkins(clinic: Clinic) -> None:
    """C101 shares a note and skips an item; C102 keeps a note private."""
    first, second = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(first, "C101")
    await clinic.enrol(second, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 2
    await clinic.answer(first, ["8", "Skip", "6", "9"], "Felt <rushed> & tired", "Share")
    clinic.clock.advance(timedelta(hours=1))
    await clinic.answer(second, ["2", "3", "4", "5"], "just for me", "Keep")


async def test_the_fhir_export_of_a_real_run_validates_as_r4_and_hides_private_notes(
    clinic: Clinic,
) -> None:
    await two_answered_checkins(clinic)

    document, count = fhir_bundle(clinic.services.database, ExportFilter())

    bundle = Bundle.model_validate(json.loads(json.dumps(document)))
    assert bundle.type == "collection"
    assert count == 2
    resources = [entry.resource for entry in bundle.entry or []]
    (questionnaire,) = [r for r in resources if isinstance(r, Questionnaire)]
    responses = [r for r in resources if isinstance(r, QuestionnaireResponse)]
    assert [i.linkId for i in questionnaire.item or []] == [
        "bond",
        "goals",
        "tasks",
        "overall",
        "repair",
        "note",
    ]
    assert "Not a validated instrument" in (questionnaire.description or "")
    assert (questionnaire.item or [])[0].text == (
        "In our last session I felt safe being open with my therapist."
    )
    assert len(responses) == 2
    by_client = {r.subject.identifier.value: r for r in responses}  # type: ignore[union-attr]
    first = by_client["C101"]
    assert first.subject.identifier.system == CLIENT_CODE_SYSTEM  # type: ignore[union-attr]
    assert first.status == "completed"
    assert first.status in R4_RESPONSE_STATUSES
    assert first.questionnaire == f"{questionnaire.url}|{questionnaire.version}"
    answers = {i.linkId: (i.answer or [])[0] for i in first.item or []}
    assert set(answers) == {"bond", "tasks", "overall", "note"}  # the skipped item is left out
    assert answers["bond"].valueInteger == 8
    assert answers["note"].valueString == "Felt <rushed> & tired"
    assert {i.linkId for i in by_client["C102"].item or []} == {"bond", "goals", "tasks", "overall"}
    assert first.authored is not None
    assert "Dr." not in json.dumps(document)  # codes only, no names


async def test_the_fhir_bundle_is_the_same_run_after_run_except_its_own_id(
    clinic: Clinic,
) -> None:
    await two_answered_checkins(clinic)

    one, _ = fhir_bundle(clinic.services.database, ExportFilter())
    two, _ = fhir_bundle(clinic.services.database, ExportFilter(client_code="C102"))

    ids = {e["resource"]["id"] for e in one["entry"]}
    assert {e["resource"]["id"] for e in two["entry"]} < ids
    assert one["id"] != two["id"]


async def test_an_unfinished_checkin_is_in_progress_and_an_expired_one_stopped(
    clinic: Clinic,
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    await client.tap(client.last_message(), text="7")
    await client.wait_for_message(partial(shows_step, number=2))

    open_, _ = fhir_bundle(clinic.services.database, ExportFilter())
    await clinic.advance(timedelta(days=4))
    closed, _ = fhir_bundle(clinic.services.database, ExportFilter())

    assert open_["entry"][1]["resource"]["status"] == "in-progress"
    assert closed["entry"][1]["resource"]["status"] == "stopped"
    Bundle.model_validate(closed)


async def test_the_csv_keeps_its_columns_and_the_filters_narrow_it(clinic: Clinic) -> None:
    await two_answered_checkins(clinic)
    database = clinic.services.database

    def rows(**only: object) -> list[dict[str, str]]:
        out = io.StringIO()
        write_csv(database, out, only=ExportFilter(**only))  # type: ignore[arg-type]
        return list(csv.DictReader(io.StringIO(out.getvalue())))

    everything = rows()
    assert list(everything[0]) == [
        "record",
        "client_code",
        "therapist_code",
        "session_start",
        "item_key",
        "value",
        "answered_at",
        "note_text",
        "note_shared",
        "questionnaire",
        "questionnaire_version",
    ]
    assert len(everything) == 10  # 8 answers and 2 notes
    assert {(r["questionnaire"], r["questionnaire_version"]) for r in everything} == {
        (DEFAULT_QUESTIONNAIRE.key, DEFAULT_QUESTIONNAIRE.version)
    }
    assert {r["client_code"] for r in rows(client_code="C102")} == {"C102"}
    assert rows(since=date(2026, 11, 25)) == []
    assert len(rows(since=date(2026, 11, 24))) == 10


async def test_the_export_command_writes_fhir_to_a_file_quietly_when_not_on_a_terminal(
    clinic: Clinic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await two_answered_checkins(clinic)
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", clinic.settings.database_url)
    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", KEY)  # the shared note is encrypted
    target = tmp_path / "bundle.json"

    status = main(["export", "--format", "fhir", "--client", "C101", "--output", str(target)])

    assert status == 0
    bundle = Bundle.model_validate_json(target.read_text(encoding="utf-8"))
    assert len(bundle.entry or []) == 2
    err = capsys.readouterr().err
    assert err == f"Wrote 1 check-ins in a FHIR bundle to {target}.\n"  # no progress bar when piped
    exported = Audit(clinic.services.database).entries()[-1]
    assert (exported.kind, exported.actor) == (AuditKind.EXPORTED, Actor.CLINIC)
    assert (exported.via, exported.client_code) == ("alliance export", "C101")
    assert exported.detail is not None
    assert exported.detail.startswith(f"without private notes, {operator()}, fhir, 1 check-ins")


async def test_exporting_an_unknown_client_is_refused(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", clinic.settings.database_url)

    assert main(["export", "--format", "csv", "--client", "C999"]) == 1
    assert "C999" in capsys.readouterr().err
