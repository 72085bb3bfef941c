"""``alliance sync`` and ``alliance schedule preview``: the schedule from the command line.

The preview names the questionnaire each check-in will ask: the client's current one (their
own, else their therapist's, else the clinic's), which every unsent check-in takes when the
config changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TextIO

from bot.cli.errors import CommandError
from bot.process.reload import plan
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.model import ClientStatus
from scheduler.calendars import calendar_sessions
from scheduler.planning import Extra
from scheduler.preview import PreviewRow, preview
from storage.cancellations import Cancellations
from storage.database import Database
from storage.people import People

_HEADINGS = ("when (local time)", "who", "what", "questionnaire", "rule", "notes")
_HELD = {
    ClientStatus.PAUSED: "not sent: the client has paused (/pause)",
    ClientStatus.STOPPED: "not sent: the client has stopped taking part (/stop)",
}


def run_sync(
    settings: Settings, config: ClinicConfig, out: TextIO, clock: Clock | None = None
) -> None:
    """Sync the people in the config and re-plan every unsent check-in and reminder."""
    services = bootstrap(
        config, settings.database_url, clock, encryption_key=settings.encryption_keys()
    )
    try:
        counts = plan(services)
    finally:
        services.database.close()
    print(
        f"Synced {len(config.therapists)} therapists and {len(config.clients)} clients. "
        f"Check-ins: {counts.inserted} new, {counts.moved} moved, "
        f"{counts.cancelled} cancelled, {counts.revived} planned again.",
        file=out,
    )


def run_preview(
    settings: Settings,
    config: ClinicConfig,
    out: TextIO,
    days: int,
    client: str | None,
    clock: Clock | None = None,
) -> int:
    """Print the sends of the next ``days`` days; nothing is sent or stored."""
    if client is not None and config.client(client) is None:
        raise CommandError(f"no client {client!r} in the clinic config")
    now = (clock or SystemClock()).now()
    database = Database.connect(settings.database_url)
    try:
        cancelled = Cancellations(database).by_client()
        held = held_clients(People(database), config)
    finally:
        database.close()
    end = now + timedelta(days=days)
    occurrences = calendar_sessions(config, now - timedelta(days=14), end + timedelta(days=7))
    extra = Extra(occurrences=occurrences, cancelled=cancelled)
    rows = [_with_hold(row, held) for row in preview(config, now, days, client, extra)]
    print(render_table(rows, questionnaires_asked(config)), file=out)
    warned = sum(1 for row in rows if row.warnings)
    print(
        f"{len(rows)} sends in the next {days} days; {warned} with a warning. Nothing was sent.",
        file=out,
    )
    return 0


def held_clients(people: People, config: ClinicConfig) -> dict[str, str]:
    """Why nothing goes to a client who paused or stopped (by code): the preview says so."""
    held = {}
    for entry in config.clients:
        record = people.client(entry.code)
        if record is not None and record.status in _HELD:
            held[entry.code] = _HELD[record.status]
    return held


def questionnaires_asked(config: ClinicConfig) -> dict[str, str]:
    """The key of the questionnaire each client's next check-ins ask, by client code."""
    return {client.code: config.instruments.of(client).key for client in config.clients}


def _with_hold(row: PreviewRow, held: dict[str, str]) -> PreviewRow:
    reason = held.get(row.who)
    return row if reason is None else replace(row, warnings=(reason, *row.warnings))


def render_table(
    rows: Sequence[PreviewRow], questionnaires: Mapping[str, str] | None = None
) -> str:
    """Rows as a plain-text table, times in each recipient's local time; a check-in's row
    names the questionnaire it asks, from ``questionnaires`` (by client code)."""
    asks = questionnaires or {}
    lines = [
        (
            f"{row.at.astimezone(row.tz):%a %d %b %Y %H:%M %Z}",
            row.who,
            row.kind,
            asks.get(row.who, "") if row.kind == "check-in" else "",
            row.rule,
            "; ".join(row.warnings),
        )
        for row in rows
    ]
    if not lines:
        return "Nothing is scheduled in this period."
    widths = [max(len(cells[i]) for cells in [_HEADINGS, *lines]) for i in range(len(_HEADINGS))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([fmt(_HEADINGS), fmt(["-" * w for w in widths]), *(fmt(c) for c in lines)])
