"""``alliance purge``: erase answers and notes past the clinic's retention period."""

from __future__ import annotations

import argparse
import sys

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.process.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="only count what would go")


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.process.maintenance import purge
    from core.audit import Actor
    from core.clock import SystemClock
    from storage.database import Database

    config = load_config(settings.clinic_config)
    database = Database.connect(settings.database_url)
    try:
        purged = purge(
            database,
            config,
            SystemClock().now(),
            dry_run=args.dry_run,
            via="alliance purge",
            actor=Actor.CLINIC,
        )
    finally:
        database.close()
    verb = "Would erase" if args.dry_run else "Erased"
    months = config.privacy.retention_months
    print(f"{verb} {purged.answers} answers and {purged.notes} notes older than {months} months.")
    if not purged.failed:
        return 0
    print(
        f"Could not erase the old answers and notes of {len(purged.failed)} clients "
        "(tried again on the next purge):",
        file=sys.stderr,
    )
    for failure in purged.failed:
        print(f"  {failure.client_code}: {failure.error}", file=sys.stderr)
    return 1


COMMAND = Command(
    name="purge",
    help="erase answers and notes older than the config's retention_months",
    description="Erase answers and notes of sessions older than privacy.retention_months "
    "(default 24) in the clinic config, and record the erasure in the audit log. The "
    "running bot does this daily by itself; --dry-run only counts. Each client's rows go "
    "in a transaction of their own: clients whose rows could not be removed are listed "
    "(code and error type) and the command exits with status 1.",
    examples=("alliance purge --dry-run", "alliance purge"),
    arguments=_arguments,
    run=_purge,
)
