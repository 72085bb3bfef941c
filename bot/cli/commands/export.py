"""``alliance export``: answers, notes and therapists' estimates as CSV, or as a FHIR R4 Bundle."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.cli.commands.base import Command
from bot.cli.commands.common import iso_date, load_config, reading_cipher
from bot.cli.errors import CommandError
from bot.cli.private_files import open_private_text
from bot.process.settings import Settings
from core.questionnaire import Questionnaire
from storage.database import Database
from storage.export_rows import ExportFilter

log = logging.getLogger(__name__)

#: The audit log's ``detail`` column holds this many characters.
AUDIT_DETAIL_CHARS = 200


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["csv", "fhir"],
        default="csv",
        help="csv: one row per answer and note (default); fhir: a FHIR R4 Bundle (JSON)",
    )
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument(
        "--since",
        type=iso_date,
        metavar="DATE",
        help="only sessions on or after DATE (YYYY-MM-DD, in each client's time zone)",
    )
    parser.add_argument("--client", metavar="CODE", help="only this client's check-ins")
    parser.add_argument(
        "--include-private-notes",
        action="store_true",
        help="include the text of notes clients kept private (for a client's own request)",
    )


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from storage.cipher import CipherError

    only = ExportFilter(since=args.since, client_code=args.client)
    clinic = _clinic_questionnaires(settings) if args.format == "fhir" else None
    database = Database.connect(settings.database_url, cipher=reading_cipher(settings))
    try:
        if only.client_code is not None:
            _require_client(database, only.client_code)
        with ExitStack() as files:
            out: TextIO = sys.stdout
            if args.output is not None:
                out = files.enter_context(open_private_text(args.output))
            written = _write(args.format, database, out, only, args.include_private_notes, clinic)
        record_export(database, args.format, only, args.include_private_notes, written)
    except CipherError as error:
        raise CommandError(f"export stopped: {error}") from None
    finally:
        database.close()
    if args.output is not None:
        what = "rows" if args.format == "csv" else "check-ins in a FHIR bundle"
        print(f"Wrote {written} {what} to {args.output}.", file=sys.stderr)
    return 0


@dataclass(frozen=True)
class _Clinic:
    """What a FHIR export takes from the clinic config: its questionnaires and language."""

    path: Path
    questionnaires: Mapping[str, Questionnaire] | None  # None: the config file is missing
    language: str


def _clinic_questionnaires(settings: Settings) -> _Clinic:
    """The config's questionnaires, to describe each version used; a missing file leaves
    the built-in one only (an invalid one stops the export, as for every command)."""
    from messages.catalog import DEFAULT_LANGUAGE

    path = settings.clinic_config
    if not path.exists():
        return _Clinic(path, None, DEFAULT_LANGUAGE)
    config = load_config(path)
    return _Clinic(path, config.instruments.by_key, config.clinic.language)


def _write(
    fmt: str,
    database: Database,
    out: TextIO,
    only: ExportFilter,
    private: bool,
    clinic: _Clinic | None,
) -> int:
    from bot.cli.progress import terminal

    if fmt == "csv" or clinic is None:
        from bot.cli.csv_export import write_csv

        return write_csv(database, out, include_private_notes=private, only=only, track=terminal())
    from bot.cli.fhir_export import BUILT_IN, fhir_bundle
    from bot.cli.fhir_questionnaire import partly_described

    known = BUILT_IN if clinic.questionnaires is None else clinic.questionnaires
    bundle, responses = fhir_bundle(database, only, private, terminal(), clinic.language, known)
    json.dump(bundle, out, indent=2, ensure_ascii=False)
    out.write("\n")
    partly = partly_described(entry["resource"] for entry in bundle["entry"])
    if partly:
        why = (
            f"{clinic.path} was not found"
            if clinic.questionnaires is None
            else "it has changed since they were asked"
        )
        print(
            f"Note: {len(partly)} questionnaire version(s) in the export are not in the clinic "
            f"config ({why}): {', '.join(partly)}. Their Questionnaire lists the answered "
            "items only, with status retired.",
            file=sys.stderr,
        )
    return responses


def _require_client(database: Database, code: str) -> None:
    from storage.export_rows import client_exists

    if not client_exists(database, code):
        raise CommandError(f"no client with code {code!r} in the database")


def record_export(
    database: Database, fmt: str, only: ExportFilter, private_notes: bool, written: int
) -> None:
    """The one place an export is recorded: in the audit log (by which login, through which
    command, with or without private notes, filtered to which client) and in the log."""
    from core.audit import Actor, AuditKind
    from core.clock import SystemClock
    from storage.audit import Audit

    since = "" if only.since is None else f", sessions since {only.since.isoformat()}"
    detail = (
        f"{'with' if private_notes else 'without'} private notes, {operator()}, "
        f"{fmt}, {written} {'rows' if fmt == 'csv' else 'check-ins'}{since}"
    )
    Audit(database).record(
        AuditKind.EXPORTED,
        SystemClock().now(),
        actor=Actor.CLINIC,
        client_code=only.client_code,
        via="alliance export",
        detail=detail[:AUDIT_DETAIL_CHARS],
    )
    log.info(
        "export written",
        extra={
            "format": fmt,
            "records": written,
            "client_filter": only.client_code is not None,
            "since_filter": only.since is not None,
            "private_notes": private_notes,
        },
    )


def operator() -> str:
    """Who runs the command, for the audit log: the login name, if the system knows it."""
    try:
        return f"by {getpass.getuser()}"
    except (KeyError, OSError):
        return "by an unknown login"


COMMAND = Command(
    name="export",
    help="export answers, notes and estimates as CSV or as a FHIR R4 Bundle",
    description="Export answers, notes and therapists' estimates. CSV: one row per answer, "
    "then one per note, then one per estimate, each naming its questionnaire and version. "
    "FHIR: a Bundle with one Questionnaire per questionnaire version used (worded from the "
    "clinic config, in the clinic's language), one QuestionnaireResponse per answered "
    "check-in and one therapist-authored one per estimate, people identified only by their "
    "code. Private notes are left out unless "
    "--include-private-notes is given. A progress bar is shown on a terminal only. Notes "
    "are decrypted with ALLIANCE_ENCRYPTION_KEY; every export is recorded in the audit log "
    "with the login that ran it.",
    examples=(
        "alliance export --format csv --output answers.csv",
        "alliance export --format fhir --since 2026-01-01 --output bundle.json",
        "alliance export --format csv --client C101 --include-private-notes",
    ),
    arguments=_arguments,
    run=_export,
)
