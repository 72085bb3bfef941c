"""Migration 0005: the tick's indexes come and go, and the chain runs through it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage import migrate
from storage.engine import make_engine
from storage.tables import Base

#: Indexes declared in ``storage/tables.py`` that later migrations add.
LATER = {"ix_checkins_queued_due", "ix_notes_alert_owed"}


def _indexes(engine: object, table: str) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes(table)}


def test_0005_adds_the_tick_indexes_and_removes_them_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0004")
        assert "ix_checkins_status_expires" not in _indexes(engine, "checkins")

        migrate.upgrade(engine, "0005")

        assert migrate.current_revision(engine) == "0005"
        for table in ("checkins", "clients", "notes", "deliveries"):
            declared = {index.name for index in Base.metadata.tables[table].indexes} - LATER
            assert declared <= _indexes(engine, table), table

        migrate.downgrade(engine, "0004")

        assert "ix_checkins_status_expires" not in _indexes(engine, "checkins")
        assert "ix_notes_risk_alerted" not in _indexes(engine, "notes")
        migrate.upgrade(engine, "0005")
        assert migrate.current_revision(engine) == "0005"
    finally:
        engine.dispose()


def test_the_migrations_form_one_chain_through_the_scale_indexes() -> None:
    script = ScriptDirectory.from_config(migrate._config())

    chain = [(r.revision, r.down_revision) for r in script.walk_revisions()]
    assert chain[-5:] == [
        ("0005", "0004"),
        ("0004", "0003"),
        ("0003", "0002"),
        ("0002", "0001"),
        ("0001", None),
    ]
