"""Repair answers and therapists' estimates in the CSV export, with the export's filters,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import update

from bot.cli.csv_export import COLUMNS, write_csv
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.estimate import EstimateStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE as Q
from storage import export_estimates
from storage import export_rows as export
from storage.database import Database
from storage.export_rows import ALL, ExportFilter
from storage.tables import EstimateRow
from tests.storage.test_loop_data_rights import closing_the_loop


def rows(database: Database, only: ExportFilter = ALL) -> list[dict[str, str]]:
    out = io.StringIO()
    written = write_csv(database, out, only=only)
    found = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(found)
    return found


def test_the_repair_answer_is_an_answer_row_with_the_item_key_repair(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)

    found = rows(database, ExportFilter(client_code="C101"))

    answers = [r for r in found if r["record"] == "answer"]
    assert [r["item_key"] for r in answers] == ["bond", "goals", "tasks", "overall", "repair"]
    repair = answers[-1]
    assert (repair["value"], repair["answered_at"]) == ("0", "2026-11-25T16:00:01+01:00")
    assert (repair["questionnaire"], repair["questionnaire_version"]) == (Q.key, Q.version)
    (checkin,) = export.answered_checkins(database, ExportFilter(client_code="C101"))
    assert checkin.repair == "concern"
    assert ("repair", 0) in [(a.item_key, a.value) for a in checkin.answers]


def test_each_saved_estimate_is_a_row_of_its_own_after_the_answers_and_notes(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)

    found = rows(database)

    assert [r["record"] for r in found] == ["answer"] * 9 + ["note"] * 2 + ["estimate"] * 3
    estimates = [{k: v for k, v in r.items() if v} for r in found[-3:]]
    assert estimates[0] == {
        "record": "estimate",
        "client_code": "C101",
        "therapist_code": "T01",
        "session_start": "2026-11-24T15:00:00+01:00",
        "item_key": "estimate",
        "value": "6",
        "answered_at": "2026-11-24T16:20:00+01:00",
        "questionnaire": Q.key,
        "questionnaire_version": Q.version,
    }
    assert [(e["client_code"], e["value"]) for e in estimates] == [
        ("C101", "6"),
        ("C101", "9"),  # next week's: saved, its check-in not sent yet
        ("C102", "8"),
    ]
    assert set(found[0]) == set(COLUMNS)


def test_estimates_take_the_exports_filters_and_only_saved_values_count(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    with database.transaction() as s:
        s.execute(
            update(EstimateRow)
            .where(EstimateRow.token == "e1")
            .values(status=EstimateStatus.SKIPPED, value=None)
        )

    only_c102 = ExportFilter(client_code="C102")
    december = ExportFilter(since=date(2026, 12, 1))

    assert [e.value for e in export_estimates.estimates(database, only_c102)] == [8]
    assert [e.value for e in export_estimates.estimates(database, december)] == [9]
    assert export_estimates.count(database) == 2  # the skipped one holds nothing
    assert export_estimates.count(database, only_c102) == 1
