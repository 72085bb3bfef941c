"""Keeping the schedule in step with the config: plan, reconfigure, reload on change."""

from __future__ import annotations

import logging

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.process.services import Services
from core.clinic import ClinicConfig
from scheduler.calendars import calendar_sessions
from scheduler.planning import HORIZON, Extra, plan_all
from storage.planned import PlanCounts

log = logging.getLogger(__name__)


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
