"""``alliance run``: the bot in long-polling mode with its scheduler."""

from __future__ import annotations

import logging

from bot import logs
from bot.application import ALLOWED_UPDATES, build_application
from bot.services import bootstrap
from bot.settings import Settings
from core.clinic import ClinicConfig

log = logging.getLogger(__name__)


def run(settings: Settings, config: ClinicConfig) -> None:
    """Start the bot and block until it is stopped (SIGINT or SIGTERM)."""
    logs.configure(log_format=settings.log_format)
    settings.require_token()
    services = bootstrap(
        config,
        settings.database_url,
        encryption_key=settings.encryption_keys(),
        config_path=settings.clinic_config,
    )
    application = build_application(settings, services)
    log.info(
        "starting",
        extra={"clients": len(config.clients), "tick_seconds": settings.tick_seconds},
    )
    try:
        # Never drop pending updates: answers given while the bot was down must count.
        application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    finally:
        services.database.close()
