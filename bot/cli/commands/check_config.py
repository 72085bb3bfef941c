"""``alliance check-config``: validate the clinic file and say what is wrong, where."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.commands.base import Command
from bot.config.loader import load_clinic_config, summarize
from bot.config.problems import ClinicConfigError
from bot.process.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="the file (default: ALLIANCE_CLINIC_CONFIG)")


def _check_config(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path) if args.path else settings.clinic_config
    try:
        config = load_clinic_config(path)
    except ClinicConfigError as error:
        for problem in error.problems:
            print(problem)
        count = len(error.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''} found.")
        return 1
    from bot.config.retired import retired_problems, stored_retired_codes

    retired = stored_retired_codes(settings.database_url)
    if isinstance(retired, str):
        print(f"{path} is valid: {summarize(config)}")
        print(f"Retired codes were NOT checked: {retired} (ALLIANCE_DATABASE_URL).")
        return 0
    problems = retired_problems(path, config, retired)
    for problem in problems:
        print(problem)
    if problems:
        count = len(problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''} found.")
        return 1
    print(f"{path} is valid: {summarize(config)}")
    return 0


COMMAND = Command(
    name="check-config",
    help="validate a clinic config file",
    description="Validate a clinic config file. Every problem is printed with its file, "
    "line and field; the exit status is 1 when there is any. A code retired with "
    "'alliance retire' is a problem too: it is looked up in the database of "
    "ALLIANCE_DATABASE_URL if that exists (the output says when it could not be checked).",
    examples=("alliance check-config clinic.yaml",),
    arguments=_arguments,
    run=_check_config,
)
