"""``alliance db``: schema migrations (Alembic) and copying data to another database."""

from __future__ import annotations

import argparse

from bot.commands.base import Command
from bot.settings import Settings
from storage import migrate
from storage.db import make_engine


def _upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"The database is up to date at revision {after}.")
    else:
        print(f"Upgraded the database from revision {before or 'none (empty)'} to {after}.")
    return 0


def _current(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind: run 'alliance db upgrade' for {head}"
    print(f"{current or 'none (empty database)'} ({state})")
    return 0 if current == head else 3


COMMAND = Command(
    name="db",
    help="database schema: upgrade, show the current revision",
    subcommands=(
        Command(
            name="upgrade",
            help="apply every pending schema migration",
            description="Apply every pending schema migration to ALLIANCE_DATABASE_URL. "
            "'alliance run' does this on start too; run it yourself after an upgrade to see "
            "that it worked before the bot starts.",
            examples=("alliance db upgrade",),
            run=_upgrade,
        ),
        Command(
            name="current",
            help="print the schema revision of the database",
            description="Print the schema revision of ALLIANCE_DATABASE_URL and whether it is "
            "the newest this version knows. Exit status 0 when up to date, 3 when behind.",
            examples=("alliance db current",),
            run=_current,
        ),
    ),
)
