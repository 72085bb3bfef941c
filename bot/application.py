"""The composition root: the PTB application with its handlers and the scheduler's jobs."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.handlers.chat import MembershipHandlers
from bot.handlers.checkin import CheckinHandlers
from bot.handlers.controls import ControlHandlers
from bot.handlers.data import DataHandlers
from bot.handlers.enrolment import EnrolmentHandlers
from bot.maintenance import purge
from bot.notifier import TelegramNotifier
from bot.safety import send_pending_alerts
from bot.services import Services
from bot.settings import Settings
from messages.catalog import available_languages, plain
from scheduler.planning import plan_all
from scheduler.tick import TickReport, run_tick

log = logging.getLogger(__name__)

#: How often sessions in the config are planned into check-ins (also once at start).
PLAN_EVERY = timedelta(hours=1)
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
#: The updates the bot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
#: The application with PTB's default context types.
App = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, services: Services, *, schedule_jobs: bool = True) -> App:
    """Wire the bot: HTTP client, handlers, error handler and the repeating jobs.

    Tests that drive time with their own clock pass ``schedule_jobs=False`` and call
    ``plan`` and ``tick`` themselves.
    """
    application = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(f"{settings.telegram_api_url.rstrip('/')}/file/bot")
        .request(HTTPXRequest(connection_pool_size=16, connect_timeout=5, read_timeout=15))
        .get_updates_request(HTTPXRequest(connect_timeout=5, read_timeout=40))
        .post_init(_post_init)
        .build()
    )
    enrolment = EnrolmentHandlers(services)
    checkin = CheckinHandlers(services, enrolment)
    membership = MembershipHandlers(services)
    controls = ControlHandlers(services)
    data = DataHandlers(services, controls)
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("start", enrolment.start, filters=private),
            CommandHandler("help", enrolment.help, filters=private),
            CommandHandler("pause", controls.pause, filters=private),
            CommandHandler("resume", controls.resume, filters=private),
            CommandHandler("stop", controls.stop, filters=private),
            CommandHandler("mydata", data.mydata, filters=private),
            CommandHandler("preview", data.preview, filters=private),
            CommandHandler("delete", data.delete, filters=private),
            CallbackQueryHandler(data.confirm, pattern=r"^d:[yn]$"),
            CallbackQueryHandler(checkin.tap),
            MessageHandler(private & ~filters.COMMAND, checkin.text),
            MessageHandler(private & filters.COMMAND, enrolment.help),
            ChatMemberHandler(membership.changed, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
    application.add_error_handler(_log_error)
    application.bot_data["services"] = services
    if schedule_jobs:
        jobs = application.job_queue
        assert jobs is not None, "python-telegram-bot must be installed with the job-queue extra"
        # APScheduler silently skips a run that starts more than its grace time late;
        # a late tick or plan must still run, once.
        late_is_fine = {"misfire_grace_time": None, "coalesce": True}
        jobs.run_repeating(
            _plan_job, interval=PLAN_EVERY, first=PLAN_EVERY, name="plan", job_kwargs=late_is_fine
        )
        jobs.run_repeating(
            _tick_job,
            interval=settings.tick_seconds,
            first=settings.tick_seconds,
            name="tick",
            job_kwargs=late_is_fine,
        )
        jobs.run_repeating(
            _purge_job, interval=PURGE_EVERY, first=60, name="purge", job_kwargs=late_is_fine
        )
    return application


async def _post_init(application: App) -> None:
    """Plan check-ins once, and publish the command menu (a refusal must not stop the bot)."""
    services: Services = application.bot_data["services"]
    plan(services)
    await publish_commands(application.bot, services)


async def publish_commands(bot: Bot, services: Services) -> None:
    """The default menu in the clinic's language, and one per language for clients whose
    Telegram app is set to it. A refusal is logged and does not stop the bot."""
    try:
        await bot.set_my_commands(command_menu(services.config.clinic.language))
        for language in available_languages():
            await bot.set_my_commands(command_menu(language), language_code=language)
    except TelegramError as error:
        log.warning("command menu not set", extra={"error": type(error).__name__})


def command_menu(language: str) -> list[BotCommand]:
    """Every command with its description in ``language``."""
    return [BotCommand(name, plain(language, COMMANDS[name])) for name in COMMANDS]


def plan(services: Services) -> int:
    """Plan check-ins for every session up to the horizon."""
    inserted = plan_all(services.config, services.checkins, services.clock.now())
    if inserted:
        log.info("planned check-ins", extra={"inserted": inserted})
    return inserted


async def tick(bot: Bot, services: Services) -> TickReport:
    """Send what is due through ``bot``."""
    notifier = TelegramNotifier(bot, services)
    report = await run_tick(services.clock, services.checkins, services.people, notifier)
    if report.sent or report.retried or report.closed or report.released or report.resumed:
        log.info("tick", extra=vars(report))
    if alerts := await send_pending_alerts(bot, services):
        log.info("risk alerts sent late", extra={"alerts": alerts})
    return report


def purge_now(services: Services) -> None:
    """Remove answers and notes past the clinic's retention period."""
    purged = purge(services.database, services.config, services.clock.now())
    if purged.answers or purged.notes:
        log.info("purged", extra={"answers": purged.answers, "notes": purged.notes})


async def _plan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    plan(context.bot_data["services"])


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await tick(context.bot, context.bot_data["services"])


async def _purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    purge_now(context.bot_data["services"])


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error's type and the update id only: never message text."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error(
        "update failed",
        extra={"update_id": update_id, "error": type(error).__name__},
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
