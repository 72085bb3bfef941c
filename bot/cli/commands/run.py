"""``alliance run``: the bot and its scheduler, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.process.settings import Settings


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.process.runner import run

    config = load_config(settings.clinic_config)
    run(settings, config, webhook=args.webhook)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook on ALLIANCE_WEBHOOK_LISTEN:ALLIANCE_WEBHOOK_PORT "
        "(needs ALLIANCE_WEBHOOK_URL and ALLIANCE_WEBHOOK_SECRET); several workers may run",
    )


COMMAND = Command(
    name="run",
    help="run the bot (long polling or --webhook) and the scheduler",
    description="Run the bot (long polling) and the scheduler until stopped with SIGINT or "
    "SIGTERM. The database schema is upgraded on start. With ALLIANCE_HEALTH_PORT set, "
    "/healthz and /metrics are served on ALLIANCE_HEALTH_HOST (default 127.0.0.1).",
    examples=("alliance run", "ALLIANCE_HEALTH_PORT=9090 alliance run", "alliance run --webhook"),
    run=_run,
    arguments=_arguments,
)
