"""``alliance run``: the bot with its scheduler, by long polling or, for several workers,
by webhook."""

from __future__ import annotations

import asyncio
import logging

from bot.adapter.application import ALLOWED_UPDATES, build_application
from bot.adapter.webhook import serve
from bot.config.retired import refuse_retired_at_start
from bot.process import logs
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig

log = logging.getLogger(__name__)


def run(settings: Settings, config: ClinicConfig, *, webhook: bool = False) -> None:
    """Start the bot and block until it is stopped (SIGINT or SIGTERM).

    With ``webhook``, updates arrive by HTTPS POST from Telegram (only requests carrying the
    secret token are accepted, see ``bot.adapter.webhook``), so several workers can share one token
    and one database.
    """
    logs.configure(log_format=settings.log_format)
    settings.require_token()
    public = settings.require_webhook() if webhook else None
    refuse_retired_at_start(settings, config)  # before the people in the file are synced
    services = bootstrap(
        config,
        settings.database_url,
        encryption_key=settings.encryption_keys(),
        config_path=settings.clinic_config,
    )
    application = build_application(settings, services)
    log.info(
        "starting",
        extra={
            "clients": len(config.clients),
            "tick_seconds": settings.tick_seconds,
            "mode": "webhook" if webhook else "polling",
        },
    )
    try:
        # Never drop pending updates: answers given while the bot was down must count.
        if public is None:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            return
        url, secret = public
        asyncio.run(
            serve(
                application,
                url=url,
                secret=secret,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
            )
        )
    finally:
        services.database.close()
