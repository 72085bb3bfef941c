"""Copying every row from one database to another, e.g. from SQLite to PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, text

from storage.database import Database
from storage.tables import Base

#: Rows read and written at a time.
BATCH = 1000


class TargetNotEmptyError(Exception):
    """The target database already holds data; copying would mix two clinics' records."""


def row_counts(database: Database) -> dict[str, int]:
    """Rows per table, in the order tables are copied (parents before children)."""
    with database.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def copy_rows(
    source: Database, target: Database, on_rows: Callable[[int], None] = lambda _n: None
) -> dict[str, int]:
    """Copy every table's rows, keeping ids; both databases must be at the same revision.

    The target must be empty. Everything is written in one transaction, so a failed copy
    leaves the target as it was. PostgreSQL's id sequences are moved past the copied ids.
    """
    if any(row_counts(target).values()):
        raise TargetNotEmptyError("the target database is not empty")
    copied: dict[str, int] = {}
    with source.engine.connect() as reading, target.engine.begin() as writing:
        for table in Base.metadata.sorted_tables:
            copied[table.name] = 0
            rows = reading.execution_options(yield_per=BATCH).execute(select(table))
            for batch in rows.partitions():
                writing.execute(table.insert(), [dict(row._mapping) for row in batch])
                copied[table.name] += len(batch)
                on_rows(len(batch))
            if target.is_postgresql and copied[table.name] and "id" in table.c:
                writing.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )
    return copied
