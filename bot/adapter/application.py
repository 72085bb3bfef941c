"""The composition root: the PTB application with its handlers and the scheduler's jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.adapter import callback_data as cd
from bot.adapter.handlers.cancel import CancelHandlers
from bot.adapter.handlers.chat import MembershipHandlers
from bot.adapter.handlers.checkin import CheckinHandlers
from bot.adapter.handlers.common import UnknownTaps, apologise
from bot.adapter.handlers.controls import ControlHandlers
from bot.adapter.handlers.data import DataHandlers
from bot.adapter.handlers.enrolment import EnrolmentHandlers
from bot.adapter.handlers.estimate import EstimateHandlers
from bot.adapter.handlers.invite import InviteHandlers
from bot.adapter.handlers.therapist import TherapistHandlers, show_therapist_menu
from bot.adapter.ratelimit import ChatSpacedRateLimiter, send_budget
from bot.adapter.retry import Retrying
from bot.adapter.rounds import purge_now, tick
from bot.adapter.updates import RUNNING, ChatOrderedProcessor
from bot.process.health import HealthServer
from bot.process.reload import plan, reload_if_changed
from bot.process.services import Services
from bot.process.settings import Settings
from messages.catalog import available_languages, plain
from scheduler.sending import SENDS_AT_ONCE
from storage.planned import PlanCounts

log = logging.getLogger(__name__)

__all__ = ["ALLOWED_UPDATES", "App", "PlanCounts", "build_application", "plan", "tick"]

#: How often answers and notes past the retention period are purged (first: soon after start).
PURGE_EVERY = timedelta(days=1)
#: The command menu, in this order, with the key of each command's description.
COMMANDS = {
    "start": "command.start",
    "help": "command.help",
    "pause": "command.pause",
    "resume": "command.resume",
    "stop": "command.stop",
    "mydata": "command.mydata",
    "preview": "command.preview",
    "delete": "command.delete",
}
#: HTTP connections: one for each update handled at once and each of the tick's sends in
#: flight (a send that took its turn must not then wait for a connection), and a few more.
POOL = RUNNING + SENDS_AT_ONCE + 4
#: The updates the bot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
#: The application with PTB's default context types.
App = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, services: Services, *, schedule_jobs: bool = True) -> App:
    """Wire the bot: HTTP client, handlers, error handler and the repeating jobs.

    Tests that drive time with their own clock pass ``schedule_jobs=False`` and call
    ``plan`` and ``tick`` themselves (start-up then plans before the bot answers).
    """
    hooks = Hooks(services, settings, plans_in_jobs=schedule_jobs)
    application = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(f"{settings.telegram_api_url.rstrip('/')}/file/bot")
        .request(HTTPXRequest(connection_pool_size=POOL, connect_timeout=5, read_timeout=15))
        .get_updates_request(HTTPXRequest(connect_timeout=5, read_timeout=40))
        .rate_limiter(
            ChatSpacedRateLimiter(
                retrying=Retrying(budget=settings.reply_retry_seconds),
                budget=send_budget(services.database),
            )
        )
        .concurrent_updates(ChatOrderedProcessor())
        .post_init(hooks.post_init)
        .post_shutdown(hooks.post_shutdown)
        .build()
    )
    application.add_handlers(handler_table(services))
    application.add_error_handler(hooks.log_error)
    if schedule_jobs:
        _schedule_jobs(application, hooks, settings)
    return application


def handler_table(services: Services) -> list[BaseHandler[Update, Any, Any]]:
    """Every command, tap and message the bot answers, in the order PTB tries them."""
    enrolment = EnrolmentHandlers(services)
    therapist = TherapistHandlers(services)
    checkin = CheckinHandlers(services)
    membership = MembershipHandlers(services)
    controls = ControlHandlers(services)
    data = DataHandlers(services, controls)
    cancel = CancelHandlers(services)
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", enrolment.start, filters=private),
        CommandHandler("help", enrolment.help, filters=private),
        CommandHandler("pause", controls.pause, filters=private),
        CommandHandler("resume", controls.resume, filters=private),
        CommandHandler("stop", controls.stop, filters=private),
        CommandHandler("mydata", data.mydata, filters=private),
        CommandHandler("preview", data.preview, filters=private),
        CommandHandler("delete", data.delete, filters=private),
        CommandHandler("cancel", cancel.cancel, filters=private),
        CommandHandler("digest", therapist.digest, filters=private),
        CommandHandler("clients", therapist.clients, filters=private),
        CommandHandler("history", therapist.history, filters=private),
        CommandHandler("invite", InviteHandlers(services).invite, filters=private),
        CallbackQueryHandler(checkin.tap, pattern=cd.CHECKIN_TAPS),
        CallbackQueryHandler(enrolment.consent, pattern=cd.CONSENT_TAPS),
        CallbackQueryHandler(therapist.discussed, pattern=cd.DISCUSSED_TAPS),
        CallbackQueryHandler(data.confirm, pattern=cd.ERASE_TAPS),
        CallbackQueryHandler(EstimateHandlers(services).tap, pattern=cd.ESTIMATE_TAPS),
        CallbackQueryHandler(UnknownTaps(lambda: services.config.clinic.language).answer),
        MessageHandler(private & ~filters.COMMAND, checkin.text),
        MessageHandler(private & filters.COMMAND, enrolment.help),
        ChatMemberHandler(membership.changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


def _schedule_jobs(application: App, hooks: Hooks, settings: Settings) -> None:
    """The repeating jobs: planning (at once, then hourly by default), watching the config
    file, the tick, the daily purge."""
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot must be installed with the job-queue extra"
    tick_seconds, plan_every = settings.tick_seconds, timedelta(seconds=settings.plan_seconds)
    # APScheduler silently skips a run that starts more than its grace time late;
    # a late tick or plan must still run, once.
    late = {"misfire_grace_time": None, "coalesce": True}
    # After downtime too: the bot answers at once while the first planning runs. (A
    # repeating job cannot start at once: APScheduler moves a start of "now" on by one
    # interval, so the first round is a job of its own.)
    jobs.run_once(hooks.plan_job, 0, name="first plan", job_kwargs=late)
    jobs.run_once(hooks.menu_job, 0, name="menus", job_kwargs=late)
    jobs.run_repeating(hooks.plan_job, plan_every, first=plan_every, name="plan", job_kwargs=late)
    jobs.run_repeating(
        hooks.reload_job, tick_seconds, first=tick_seconds, name="reload", job_kwargs=late
    )
    jobs.run_repeating(
        hooks.tick_job, tick_seconds, first=tick_seconds, name="tick", job_kwargs=late
    )
    jobs.run_repeating(hooks.purge_job, PURGE_EVERY, first=60, name="purge", job_kwargs=late)


@dataclass
class Hooks:
    """What PTB calls besides handlers (start-up, shutdown, the repeating jobs, the error
    handler), each with typed access to the services it needs."""

    services: Services
    settings: Settings
    plans_in_jobs: bool = True  # else start-up plans and publishes menus before answering
    health: HealthServer | None = None  # serving /healthz and /metrics, while it runs
    # Config loads, planning and the purge take seconds at a large clinic: they run here,
    # one at a time, never on the event loop that answers people.
    maintenance: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="maintenance")
    )

    @property
    def lease(self) -> timedelta:
        """How long a claim on due work holds (``ALLIANCE_CLAIM_LEASE_SECONDS``)."""
        return timedelta(seconds=self.settings.claim_lease_seconds)

    async def post_init(self, application: App) -> None:
        """Serve /healthz and /metrics (without the jobs, also plan check-ins and publish the
        command menu, which are jobs otherwise).

        Neither a port that is taken nor a refused command menu stops the bot: check-ins
        matter more; both are logged.
        """
        if self.settings.health_port:
            self.health = await start_health_server(
                self.services, self.settings, self.settings.health_port
            )
        if not self.plans_in_jobs:
            plan(self.services)
            await publish_commands(application.bot, self.services)

    async def menu_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Once, at start: publish the command menus (a call per enrolled therapist), while
        the bot already answers."""
        await publish_commands(context.bot, self.services)

    async def post_shutdown(self, _application: App) -> None:
        """Stop serving /healthz and /metrics."""
        if self.health is not None:
            await self.health.stop()
            self.health = None
        self.maintenance.shutdown(wait=False, cancel_futures=True)

    async def plan_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """At start, then hourly: re-plan what can have changed (a changed config file is
        reloaded, which re-plans)."""
        await self._off_loop(_plan_round, self.services)

    async def reload_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every tick period: an edited config is loaded and planned, to reach pending
        sends within a tick or two."""
        await self._off_loop(reload_if_changed, self.services)

    async def tick_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every tick: send what is due, starting nothing after the tick's period."""
        period = timedelta(seconds=self.settings.tick_seconds)
        await tick(context.bot, self.services, self.lease, period)

    async def purge_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Daily: answers and notes past the retention period go."""
        await self._off_loop(purge_now, self.services)

    async def _off_loop(self, work: Callable[[Services], object], services: Services) -> None:
        await asyncio.get_running_loop().run_in_executor(self.maintenance, work, services)

    async def log_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error's type and the update id only (never message text), then answer
        the person: a tap is never left spinning, a command gets "please try again"."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        log.error(
            "update failed",
            extra={"update_id": update_id, "error": type(error).__name__},
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        if isinstance(update, Update):
            await apologise(update, self.services.config.clinic.language)


def _plan_round(services: Services) -> None:
    if reload_if_changed(services) is None:
        plan(services)


async def publish_commands(bot: Bot, services: Services) -> None:
    """The default menu in the clinic's language, and one per language for clients whose
    Telegram app is set to it. A refusal is logged and does not stop the bot."""
    try:
        await bot.set_my_commands(command_menu(services.config.clinic.language))
        for language in available_languages():
            await bot.set_my_commands(command_menu(language), language_code=language)
    except TelegramError as error:
        log.warning("command menu not set", extra={"error": type(error).__name__})
    for therapist in services.deliveries.enrolled_therapists():
        await show_therapist_menu(bot, therapist.chat_id, services.config.clinic.language)


def command_menu(language: str) -> list[BotCommand]:
    """Every command with its description in ``language``."""
    return [BotCommand(name, plain(language, COMMANDS[name])) for name in COMMANDS]


async def start_health_server(
    services: Services, settings: Settings, port: int
) -> HealthServer | None:
    """Serve /healthz and /metrics in the bot's event loop (port 0: any free port)."""
    server = HealthServer(services, services.metrics, settings.tick_seconds)
    try:
        await server.start(settings.health_host, port)
    except OSError as error:
        log.error("health server not started", extra={"port": port, "error": type(error).__name__})
        return None
    return server
