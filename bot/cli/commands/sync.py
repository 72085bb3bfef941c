"""``alliance sync``: reload the clinic config and re-plan everything not yet sent."""

from __future__ import annotations

import argparse
import sys

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.cli.schedule_preview import run_sync
from bot.process.settings import Settings


def _sync(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.config.retired import refuse_retired_at_start

    config = load_config(settings.clinic_config)
    refuse_retired_at_start(settings, config)
    run_sync(settings, config, sys.stdout)
    return 0


COMMAND = Command(
    name="sync",
    help="reload the clinic config and re-plan every check-in and reminder not yet sent",
    description="Sync therapists and clients from ALLIANCE_CLINIC_CONFIG into the database and "
    "re-plan every unsent check-in and reminder: moved sessions move their check-ins, removed "
    "or cancelled ones drop them; nothing already sent changes. A running bot also does this "
    "by itself within one tick of the file changing.",
    examples=("alliance sync",),
    run=_sync,
)
