"""``alliance db``: schema migrations (Alembic) and copying data to another database."""

from __future__ import annotations

import argparse

from bot.cli.commands.base import Command
from bot.cli.errors import CommandError
from bot.process.settings import Settings
from storage import migrate
from storage.engine import make_engine, normalise_url


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


def _copy(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.progress import counter
    from storage.cipher import StoredForm
    from storage.copy import TargetNotEmptyError, copy_rows, row_counts
    from storage.database import Database

    if normalise_url(args.to) == normalise_url(settings.database_url):
        raise CommandError("the target is ALLIANCE_DATABASE_URL itself; name another database")
    # Notes are copied as stored: encrypted ones stay encrypted, under the same key.
    source = Database.connect(settings.database_url, cipher=StoredForm())
    target = Database.connect(args.to, cipher=StoredForm())
    try:
        with counter(sum(row_counts(source).values()), "rows") as advance:
            copied = copy_rows(source, target, advance)
    except TargetNotEmptyError:
        raise CommandError(
            "the target database already holds data; copy only into a new, empty database"
        ) from None
    finally:
        source.close()
        target.close()
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")
    print(f"Copied {sum(copied.values())} rows. Set ALLIANCE_DATABASE_URL to the new database.")
    return 0


def _copy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to", required=True, metavar="URL", help="the new, empty database (SQLAlchemy URL)"
    )


COMMAND = Command(
    name="db",
    help="database: schema upgrades and revision, copying to another database",
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
        Command(
            name="copy",
            help="copy all data into a new, empty database (e.g. SQLite to PostgreSQL)",
            description="Copy every row from ALLIANCE_DATABASE_URL into the empty database at "
            "--to, keeping ids; the target's schema is created first. Stop the bot before "
            "copying, then point ALLIANCE_DATABASE_URL at the new database. The copy is one "
            "transaction: if it fails, the target stays empty.",
            examples=("alliance db copy --to postgresql://alliance@127.0.0.1:5432/alliance",),
            arguments=_copy_arguments,
            run=_copy,
        ),
    ),
)
