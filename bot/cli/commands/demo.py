"""``alliance demo``: the whole loop offline, against the local Telegram sandbox."""

from __future__ import annotations

import argparse

from bot.cli.commands.base import Command
from bot.process.settings import Settings


def _demo(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.cli.demo_story import run_demo

    return run_demo()


COMMAND = Command(
    name="demo",
    help="run an offline demo against the local Telegram sandbox",
    description="Run an offline demo: the real bot against a local Telegram stand-in, with "
    "simulated clients. Needs no token and no network; writes to demo-output/.",
    examples=("alliance demo",),
    run=_demo,
)
