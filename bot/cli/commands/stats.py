"""``alliance stats``: enrolment, response rate and time to answer, per therapist."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from bot.cli.commands.base import Command
from bot.cli.commands.common import iso_date
from bot.process.settings import Settings
from core.stats import TherapistStats, short_duration

#: Flags come with the digest work; until then the column says so.
NO_FLAGS = "n/a"
HEADERS = (
    "therapist",
    "clients",
    "enrolled",
    "active",
    "sent",
    "answered",
    "expired",
    "response rate",
    "median time to answer",
    "flags fired",
)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", type=iso_date, metavar="DATE", help="only sessions on or after DATE"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from core.stats import per_therapist
    from storage import stats
    from storage.database import Database
    from storage.export_rows import ExportFilter

    only = ExportFilter(since=args.since)
    database = Database.connect(settings.database_url)
    try:
        lines = per_therapist(
            stats.therapist_codes(database),
            stats.client_facts(database, only),
            stats.checkin_facts(database, only),
        )
    finally:
        database.close()
    print(as_json(lines) if args.json else as_table(lines))
    return 0


def _row(line: TherapistStats) -> tuple[str, ...]:
    rate = "-" if line.response_rate is None else f"{line.response_rate:.0%}"
    median = "-" if line.median_to_answer is None else short_duration(line.median_to_answer)
    counts = (line.clients, line.enrolled, line.active, line.sent, line.answered, line.expired)
    return (line.therapist_code, *map(str, counts), rate, median, NO_FLAGS)


def as_table(lines: Sequence[TherapistStats]) -> str:
    """Aligned columns with a header; '-' where there is nothing to measure yet."""
    rows = [HEADERS, *(_row(line) for line in lines)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def as_json(lines: Sequence[TherapistStats]) -> str:
    """One object per therapist; durations in seconds, the rate as a fraction."""
    return json.dumps(
        [
            {
                "therapist": line.therapist_code,
                "clients": line.clients,
                "enrolled": line.enrolled,
                "active": line.active,
                "sent": line.sent,
                "answered": line.answered,
                "expired": line.expired,
                "response_rate": line.response_rate,
                "median_seconds_to_answer": None
                if line.median_to_answer is None
                else line.median_to_answer.total_seconds(),
                "flags_fired": None,
            }
            for line in lines
        ],
        indent=2,
    )


COMMAND = Command(
    name="stats",
    help="enrolment, response rate and time to answer, per therapist",
    description="Per therapist: clients in the config, enrolled (chat linked), active "
    "(consented and reachable); check-ins sent, answered (completed) and expired; the "
    "response rate, answered / (answered + expired); and the median time from sending to "
    "the first answer. 'flags fired' is n/a until flag rules exist.",
    examples=("alliance stats", "alliance stats --since 2026-01-01 --json"),
    arguments=_arguments,
    run=_stats,
)
