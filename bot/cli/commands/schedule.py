"""``alliance schedule preview``: upcoming sends in local time, computed without sending."""

from __future__ import annotations

import argparse
import sys

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.cli.errors import CommandError
from bot.cli.schedule_preview import run_preview
from bot.process.settings import Settings


def _preview(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.days <= 90:
        raise CommandError("--days must be between 1 and 90")
    config = load_config(settings.clinic_config)
    return run_preview(settings, config, sys.stdout, args.days, args.client)


def _preview_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=7, help="how many days ahead (1-90, default 7)")
    parser.add_argument("--client", metavar="CODE", help="only this client")


COMMAND = Command(
    name="schedule",
    help="look at the schedule",
    subcommands=(
        Command(
            name="preview",
            help="list upcoming check-ins and reminders in local time; sends nothing",
            description="List the check-ins and reminders of the next days in each client's "
            "local time, with the rule that produced each, and warn about sends moved by "
            "quiet hours and about daylight-saving days. Computed from the config and the "
            "stored cancellations; nothing is sent.",
            examples=(
                "alliance schedule preview",
                "alliance schedule preview --days 14 --client C101",
            ),
            arguments=_preview_arguments,
            run=_preview,
        ),
    ),
)
