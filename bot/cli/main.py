"""The ``alliance`` command: every subcommand is a module in ``bot/commands``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.cli.commands import COMMANDS
from bot.cli.commands.base import build_parser
from bot.cli.errors import CommandError
from bot.process.settings import MissingSettingError, Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser(COMMANDS).parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "ALLIANCE_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"alliance: {name}: {problem['msg']}", file=sys.stderr)
        return 1
    try:
        return int(args.handler(args, settings))
    except (CommandError, MissingSettingError) as error:
        print(f"alliance: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
