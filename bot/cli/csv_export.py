"""CSV export: one row per answer, then one per note, then one per therapist's estimate,
with plain column names.

A repair follow-up's answer is an answer row with the item key ``repair`` (2 yes, 1
partly, 0 not yet, empty when skipped). A therapist's estimate is a row of its own,
``record`` ``estimate`` and ``item_key`` ``estimate``: the therapist who made it, the
session, the value (on the scale of the check-in's questionnaire, a guess of the client's
overall rating) and when it was saved in ``answered_at``. It is a record kind of its own,
not an answer, so that no script reading answers takes a therapist's guess for the client's.

Every row names the questionnaire its check-in asked and that questionnaire's version: a
clinic that changes its instrument (or its wording) keeps its history, and an analysis
compares only answers of the same version. The two columns come last, so a script that
reads the earlier columns by position keeps working.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.cli.progress import Track, untracked
from storage import export_estimates
from storage import export_rows as export
from storage.database import Database
from storage.export_estimates import EstimateExport
from storage.export_rows import ALL, AnswerExport, ExportFilter, NoteExport

COLUMNS = (
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
)


def write_csv(
    database: Database,
    out: TextIO,
    *,
    include_private_notes: bool = False,
    only: ExportFilter = ALL,
    track: Track = untracked,
) -> int:
    """Write every answer, note and estimate ``only`` keeps; returns the number of data rows.

    Times are ISO 8601 in the client's own time zone, with the offset. A note the client
    kept private (or has not decided on yet) is listed with its choice but without its
    text unless ``include_private_notes`` is set, as for the client's own access request.
    A note that starts like a spreadsheet formula gets a leading apostrophe.
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = 0
    total = export.count(database, "answers", only)
    for answer in track(export.answers(database, only), total, "answers"):
        writer.writerow(_answer_row(answer))
        rows += 1
    total = export.count(database, "notes", only)
    for note in track(export.notes(database, only), total, "notes"):
        writer.writerow(_note_row(note, include_private_notes))
        rows += 1
    total = export_estimates.count(database, only)
    for estimate in track(export_estimates.estimates(database, only), total, "estimates"):
        writer.writerow(_estimate_row(estimate))
        rows += 1
    return rows


def _answer_row(answer: AnswerExport) -> dict[str, object]:
    return {
        "record": "answer",
        "client_code": answer.client_code,
        "therapist_code": answer.therapist_code,
        "session_start": _local(answer.session_start, answer.timezone),
        "item_key": answer.item_key,
        "value": "" if answer.value is None else answer.value,
        "answered_at": _local(answer.answered_at, answer.timezone),
        "questionnaire": answer.questionnaire,
        "questionnaire_version": answer.questionnaire_version,
    }


def _note_row(note: NoteExport, include_private_notes: bool) -> dict[str, object]:
    visible = note.shared is True or include_private_notes
    return {
        "record": "note",
        "client_code": note.client_code,
        "therapist_code": note.therapist_code,
        "session_start": _local(note.session_start, note.timezone),
        "item_key": "note",
        "answered_at": _local(note.written_at, note.timezone),
        "note_text": _cell(note.text) if visible else "",
        "note_shared": {True: "shared", False: "private", None: "undecided"}[note.shared],
        "questionnaire": note.questionnaire,
        "questionnaire_version": note.questionnaire_version,
    }


def _estimate_row(estimate: EstimateExport) -> dict[str, object]:
    return {
        "record": "estimate",
        "client_code": estimate.client_code,
        "therapist_code": estimate.therapist_code,
        "session_start": _local(estimate.session_start, estimate.timezone),
        "item_key": "estimate",
        "value": estimate.value,
        "answered_at": _local(estimate.estimated_at, estimate.timezone),
        "questionnaire": estimate.questionnaire,
        "questionnaire_version": estimate.questionnaire_version,
    }


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a note as a formula (CSV injection)."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _local(instant: datetime, timezone: str) -> str:
    return instant.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")
