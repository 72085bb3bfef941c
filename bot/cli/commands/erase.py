"""``alliance erase``: erase one client's answers and notes on a request made outside Telegram."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.cli.errors import CommandError
from bot.process.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the client's code")
    parser.add_argument(
        "--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)"
    )


def _confirmed(code: str) -> bool:
    """Ask on the terminal; without one, refuse: erasure cannot be undone."""
    if not sys.stdin.isatty():
        raise CommandError("not a terminal to confirm on: pass --yes to erase without asking")
    answer = input(
        f"Erase every answer and note of client {code}? This cannot be undone. "
        "Type the code again to confirm: "
    )
    return answer.strip() == code


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapter.erasure import erase_by_clinic

    config = load_config(settings.clinic_config)
    code: str = args.code
    if not args.yes and not _confirmed(code):
        print("Nothing was erased.")
        return 1
    erasure = asyncio.run(erase_by_clinic(settings, config, code))
    print(
        f"Erased {erasure.erased.answers} answers and {erasure.erased.notes} notes of "
        f"client {code}."
    )
    print(f"Deleted {erasure.deleted} therapist messages that quoted their notes.")
    if erasure.kept:
        print(
            f"{erasure.kept} earlier therapist messages quoted their notes and could not be "
            "deleted (Telegram allows it only within 48 hours); the therapist may still see them."
        )
    if erasure.erased:
        print("Their therapist was told; the erasure is in the audit log.")
    return 0


COMMAND = Command(
    name="erase",
    help="erase one client's answers and notes (a request made outside Telegram)",
    description="Erase every answer and note of a client, as /delete does, when the request "
    "reached the clinic outside Telegram: deletes the messages in the therapist's chat "
    "that quoted the notes while Telegram allows it (48 hours), tells the therapist, and "
    "records the erasure in the audit log with the clinic as actor. Asks for confirmation "
    "unless --yes; without a terminal, --yes is required. Needs ALLIANCE_BOT_TOKEN.",
    examples=("alliance erase C101", "alliance erase C101 --yes"),
    arguments=_arguments,
    run=_erase,
)
