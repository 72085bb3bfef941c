"""Keeping the schedule in step with the config: plan, reconfigure, reload on change."""

from __future__ import annotations

import gc
import logging

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.process.services import Services
from core.clinic import ClinicConfig
from scheduler.calendars import calendar_sessions
from scheduler.planning import HORIZON, Extra
from storage.planned import PlanCounts

log = logging.getLogger(__name__)


def plan(services: Services) -> PlanCounts:
    """Re-plan the unsent check-ins and pending reminders that can have changed since the
    last planning (``scheduler.planner``: all of them the first time), and build the coming
    day's report plan ahead. Slow at a large clinic: the running bot calls it off the event
    loop."""
    now = services.clock.now()
    config = services.config
    extra = Extra(
        occurrences=calendar_sessions(config, now - 4 * HORIZON, now + 2 * HORIZON),
        cancelled=services.cancellations.by_client(),
    )
    counts = services.planner.plan(config, services.checkins, now, extra, services.reminders)
    services.report_plans.prepare(config, now)
    services.metrics.planned(counts.inserted)
    if counts.changed:
        log.info("planned check-ins", extra=vars(counts))
    return counts


def reconfigure(services: Services, config: ClinicConfig) -> PlanCounts:
    """Use a new config: sync the people in it and build its report plan, switch to it,
    then re-plan what it changed."""
    services.people.sync(config)
    services.report_plans.prepare(config, services.clock.now())
    services.use_config(config)
    # The new config lives until the next: out of the cyclic collector's way, as at start
    # (``bot.process.runner``). No collection first: that would hold the interpreter for
    # as long as one; the old config is freed by reference counting all the same.
    gc.freeze()
    return plan(services)


def reload_if_changed(services: Services) -> PlanCounts | None:
    """Reload the config file if it changed since it was loaded; an invalid file is ignored.

    Returns what re-planning changed, or None when nothing was reloaded.
    """
    watch = services.config_watch
    if watch is None:
        return None
    try:
        if not watch.changed():
            return None
    except OSError as error:
        log.warning("config file not readable", extra={"error": type(error).__name__})
        return None
    try:
        config = load_clinic_config(watch.path)
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
