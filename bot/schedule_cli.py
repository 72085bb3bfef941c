"""``alliance sync`` and ``alliance schedule preview``: the schedule from the command line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TextIO

from bot.errors import CommandError
from bot.services import bootstrap
from bot.settings import Settings
from bot.sync import plan
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from scheduler.calendars import calendar_sessions
from scheduler.planning import Extra
from scheduler.preview import PreviewRow, preview
from storage.cancellations import Cancellations
from storage.database import Database

_HEADINGS = ("when (local time)", "who", "what", "rule", "notes")


def run_sync(
    settings: Settings, config: ClinicConfig, out: TextIO, clock: Clock | None = None
) -> None:
    """Sync the people in the config and re-plan every unsent check-in and reminder."""
    services = bootstrap(config, settings.database_url, clock)
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
    finally:
        database.close()
    end = now + timedelta(days=days)
    occurrences = calendar_sessions(config, now - timedelta(days=14), end + timedelta(days=7))
    extra = Extra(occurrences=occurrences, cancelled=cancelled)
    rows = preview(config, now, days, client, extra)
    print(render_table(rows), file=out)
    warned = sum(1 for row in rows if row.warnings)
    print(
        f"{len(rows)} sends in the next {days} days; {warned} with a warning. Nothing was sent.",
        file=out,
    )
    return 0


def render_table(rows: Sequence[PreviewRow]) -> str:
    """Rows as a plain-text table, times in each recipient's local time."""
    lines = [
        (
            f"{row.at.astimezone(row.tz):%a %d %b %Y %H:%M %Z}",
            row.who,
            row.kind,
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
