"""Keeping the schedule in step with the config: plan, reconfigure, reload on change."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.services import Services, file_stamp
from core.clinic import ClinicConfig
from scheduler.calendars import calendar_sessions
from scheduler.planning import HORIZON, Extra, plan_all
from storage.planned import PlanCounts

log = logging.getLogger(__name__)

REHASH_SECONDS = 60.0
"""The config file is hashed at least this often, even when its size and mtime stay put."""
SETTLED_NS = 2 * 10**9
"""An mtime younger than this may be shared by a later edit (file systems keep coarse times)."""


def plan(services: Services) -> PlanCounts:
    """Re-plan every unsent check-in and pending reminder from the config and the database."""
    now = services.clock.now()
    config = services.config
    extra = Extra(
        occurrences=calendar_sessions(config, now - 4 * HORIZON, now + 2 * HORIZON),
        cancelled=services.cancellations.by_client(),
    )
    counts = plan_all(config, services.checkins, now, extra, services.reminders)
    services.metrics.planned(counts.inserted)
    if counts.changed:
        log.info("planned check-ins", extra=vars(counts))
    return counts


def reconfigure(services: Services, config: ClinicConfig) -> PlanCounts:
    """Use a new config: sync the people in it, then re-plan everything not yet sent."""
    services.use_config(config)
    services.people.sync(config)
    return plan(services)


def reload_if_changed(services: Services) -> PlanCounts | None:
    """Reload the config file if it changed since it was loaded; an invalid file is ignored.

    Returns what re-planning changed, or None when nothing was reloaded.
    """
    path = services.config_path
    if path is None:
        return None
    try:
        stamp = _current_stamp(services, path)
    except OSError as error:
        log.warning("config file not readable", extra={"error": type(error).__name__})
        return None
    if stamp == services.config_stamp:
        return None
    services.config_stamp = stamp
    try:
        config = load_clinic_config(path)
    except ClinicConfigError as error:
        problems = len(error.problems)
        log.error("changed config is invalid; keeping the old one", extra={"problems": problems})
        return None
    if retired := services.people.retired_codes().intersection(config.person_codes()):
        # As at start-up: a retired code is never used again (``alliance check-config``
        # names the lines).
        log.error(
            "changed config uses retired codes; keeping the old one",
            extra={"problems": len(retired)},
        )
        return None
    log.info("config reloaded", extra={"clients": len(config.clients)})
    return reconfigure(services, config)


def _current_stamp(services: Services, path: Path) -> str | None:
    """The file's SHA-256, hashing it only when it may have changed since the last hash.

    Size and mtime_ns alone can miss an edit: one within the file system's timestamp
    granularity of the last, or a copy that keeps the old mtime (``cp -p``, ``rsync -t``).
    So a file whose mtime was still recent when hashed is hashed again on the next tick,
    and any file at least every ``REHASH_SECONDS``: such an edit is seen within a minute.
    """
    now = time.monotonic()
    stat = path.stat()
    key = (stat.st_size, stat.st_mtime_ns)
    if key == services.config_stat and now - services.config_hashed_at < REHASH_SECONDS:
        return services.config_stamp
    stamp = file_stamp(path)
    settled = time.time_ns() - stat.st_mtime_ns >= SETTLED_NS
    services.config_stat = key if settled else None
    services.config_hashed_at = now
    return stamp
