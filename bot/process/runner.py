"""``alliance run``: the bot with its scheduler, by long polling or, for several workers,
by webhook."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import os
import sys
from functools import partial

from bot.adapter.application import ALLOWED_UPDATES, App, build_application
from bot.adapter.webhook import STOP_SIGNALS, serve
from bot.config.retired import refuse_retired_at_start
from bot.process import logs
from bot.process.services import Services, bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig

log = logging.getLogger(__name__)

#: Seconds a thread may hold the interpreter while another waits for it.
SWITCH_INTERVAL = 0.001
#: glibc malloc arenas for the whole process (unless ``MALLOC_ARENA_MAX`` is set). By
#: default each thread that allocates while another holds an arena may get one of its own,
#: up to 8 per core, and memory freed in one is not reused by another: the threads that
#: build digests, load the config and plan then leave the process holding far more than it
#: uses. Python allocates small objects in its own pools, so fewer arenas cost little.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def run(settings: Settings, config: ClinicConfig, *, webhook: bool = False) -> None:
    """Start the bot and block until it is stopped (SIGINT or SIGTERM): then it claims
    nothing more, ends or gives back what it holds within seconds, and returns.

    With ``webhook``, updates arrive by HTTPS POST from Telegram (only requests carrying the
    secret token are accepted, see ``bot.adapter.webhook``), so several workers can share one token
    and one database.
    """
    logs.configure(log_format=settings.log_format)
    tune_interpreter()  # before any thread starts
    settings.require_token()
    public = settings.require_webhook() if webhook else None
    refuse_retired_at_start(settings, config)  # before the people in the file are synced
    services = bootstrap(
        config,
        settings.database_url,
        encryption_key=settings.encryption_keys(),
        config_path=settings.clinic_config,
    )
    keep_out_of_collections()
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
            _poll(application, services)
            return
        url, secret = public
        asyncio.run(
            serve(
                application,
                url=url,
                secret=secret,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                on_stop=partial(stop_work, services),
            )
        )
    finally:
        services.database.close()


def _poll(application: App, services: Services) -> None:
    """Long polling until a stop signal, which stops the work first (``_stop_polling``)."""
    loop = asyncio.new_event_loop()  # PTB runs on it: the stop signals are ours
    asyncio.set_event_loop(loop)
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, _stop_polling, services)
    application.run_polling(
        allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, stop_signals=None
    )


def tune_interpreter() -> None:
    """Fewer malloc arenas, and a 1 ms switch interval: loading a large config and
    planning run in a worker thread, and a shorter interval (Python's default is 5 ms)
    hands the interpreter back to the event loop sooner, so a reply waits less."""
    fewer_malloc_arenas()
    sys.setswitchinterval(SWITCH_INTERVAL)


def keep_out_of_collections() -> None:
    """What is loaded now (the modules, the clinic config: some 260,000 objects at
    100,000 clients) lives as long as the process: move it out of the cyclic garbage
    collector's way. Otherwise every full collection walks it all again, holding the
    interpreter for over 0.1 s, and a reply waits that long."""
    gc.collect()
    gc.freeze()


def fewer_malloc_arenas() -> None:
    """At most ``MALLOC_ARENAS`` malloc arenas, on glibc; elsewhere, or when the deployment
    sets ``MALLOC_ARENA_MAX`` itself, nothing changes."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # this process's C library
    except (OSError, AttributeError):  # no such call: not glibc
        return
    if not mallopt(_M_ARENA_MAX, MALLOC_ARENAS):
        log.warning("malloc arenas not limited")


def stop_work(services: Services) -> None:
    """The process is stopping: the tick starts no more sends (those in flight end or are
    given back) and a planning round is cut short at its next transaction."""
    services.stopping.set()
    services.planner.stop()


def _stop_polling(services: Services) -> None:
    """A stop signal while polling: stop the work, then leave PTB's loop as its own signal
    handler would (it then stops polling, waits for the handlers and the tick, and shuts
    down). A second signal changes nothing: the first one's stop is under way."""
    if services.stopping.is_set():
        return
    log.info("stopping")
    stop_work(services)
    raise SystemExit
