"""What a subcommand of ``alliance`` is, and how the argument parser is built from them.

A command is data: its name, one line of help, examples, how to add its arguments, and
the function that runs it (or its own subcommands, as in ``alliance db upgrade``). Adding
a command is one new module under ``bot/cli/commands/`` and one line in its ``__init__``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.process.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
Arguments = Callable[[argparse.ArgumentParser], object]

#: The environment settings every command may read, listed in ``alliance --help``.
SETTINGS_HELP = """settings (environment or .env):
  ALLIANCE_BOT_TOKEN, ALLIANCE_DATABASE_URL, ALLIANCE_CLINIC_CONFIG,
  ALLIANCE_TELEGRAM_API_URL, ALLIANCE_TICK_SECONDS, ALLIANCE_ENCRYPTION_KEY,
  ALLIANCE_HEALTH_PORT, ALLIANCE_HEALTH_HOST, ALLIANCE_LOG_FORMAT, ALLIANCE_CLAIM_LEASE_SECONDS,
  ALLIANCE_WEBHOOK_URL, ALLIANCE_WEBHOOK_LISTEN, ALLIANCE_WEBHOOK_PORT, ALLIANCE_WEBHOOK_SECRET"""


@dataclass(frozen=True)
class Command:
    """One ``alliance`` subcommand: either ``run`` is set, or it has ``subcommands``."""

    name: str
    help: str
    examples: tuple[str, ...] = ()
    run: Handler | None = None
    arguments: Arguments | None = None
    subcommands: tuple[Command, ...] = ()
    description: str = ""

    def all_examples(self) -> tuple[str, ...]:
        """Its own examples, then those of its subcommands."""
        nested = tuple(e for sub in self.subcommands for e in sub.all_examples())
        return self.examples + nested


def examples_epilog(examples: Sequence[str]) -> str:
    """The ``examples:`` block at the end of a help text."""
    return "examples:\n" + "\n".join(f"  {example}" for example in examples)


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    """The ``alliance`` parser with every command and its examples."""
    parser = argparse.ArgumentParser(
        prog="alliance",
        description="Alliance check-ins: a Telegram bot that keeps the therapeutic alliance "
        "visible between sessions.",
        epilog=examples_epilog([e for c in commands for e in c.all_examples()])
        + "\n\n"
        + SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_commands(parser, commands, "command")
    return parser


def _add_commands(parser: argparse.ArgumentParser, commands: Sequence[Command], dest: str) -> None:
    # Nested groups show their choices in usage errors: "alliance db {upgrade,current}".
    metavar = "COMMAND" if dest == "command" else None
    group = parser.add_subparsers(
        dest=f"{dest} command" if metavar is None else dest, required=True, metavar=metavar
    )
    for command in commands:
        sub = group.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            epilog=examples_epilog(command.all_examples()),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command.arguments is not None:
            command.arguments(sub)
        if command.subcommands:
            _add_commands(sub, command.subcommands, command.name)
        else:
            assert command.run is not None, command.name
            sub.set_defaults(handler=command.run)
