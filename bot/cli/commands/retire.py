"""``alliance retire``: end a client or therapist code for good."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.cli.errors import CommandError
from bot.process.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the client or therapist code to end for good")


def _retire(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapter.retiring import retire_code, tell_unlinked

    config = load_config(settings.clinic_config)
    outcome = retire_code(settings, config, args.code)
    if outcome is None:
        raise CommandError(f"unknown code {args.code!r}: nobody has it, now or before")
    if not outcome.retirement.retired:
        print(f"{args.code} was already retired; nothing changed.")
        return 0
    print(
        f"{args.code} ({outcome.retirement.role.value}) is retired: its chat is unlinked, "
        "open check-ins are closed, invites revoked. Remove it from the clinic config; "
        "the code is never used again."
    )
    if outcome.retirement.unlinked_chat is not None:
        print(asyncio.run(tell_unlinked(settings, config, outcome)))
    return 0


COMMAND = Command(
    name="retire",
    help="end a client or therapist code for good",
    description="End a code for good: its chat is unlinked (and told so politely), open "
    "check-ins close, unused invites stop working, and the code can never be invited, "
    "redeemed or put in the clinic config again (check-config and run refuse it). Answers "
    "already given stay until purged. Without retiring, a code that leaves the config and "
    "comes back is the same person, with the same chat, consent and history.",
    examples=("alliance retire C101",),
    arguments=_arguments,
    run=_retire,
)
