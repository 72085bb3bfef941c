"""Migrations that move data: 0007 (concerns go with their notes, plaintext notes are marked)
and 0008 (stored check-ins get the built-in questionnaire's version); and the chain itself."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from core.questionnaire import DEFAULT_QUESTIONNAIRE
from storage import migrate
from storage.engine import make_engine

NOTES = ("fernet:gAAAA-ciphertext", "written before encryption", "")


def _seed_notes(url: str) -> None:
    """A client, a check-in and three notes as 0006 stored them, one with a concern."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, "0006")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO clients (id, code, therapist_code, timezone, language, status,"
                    " in_config) VALUES (1, 'C1', 'T1', 'UTC', 'en', 'active', true)"
                )
            )
            for number, note in enumerate(NOTES, start=1):
                c.execute(
                    text(
                        "INSERT INTO checkins (id, client_id, token, questionnaire,"
                        " session_start, session_end, due_at, expires_at, status, step,"
                        " attempts, reminders_sent) VALUES (:id, 1, :token, 'q',"
                        " :at, :at, :at, :at, 'completed', 6, 1, 0)"
                    ),
                    {"id": number, "token": f"t{number}", "at": f"2026-11-0{number} 10:00:00"},
                )
                c.execute(
                    text(
                        "INSERT INTO notes (id, checkin_id, text, shared, created_at, risk)"
                        " VALUES (:id, :id, :text, true, '2026-11-01 10:00:00', false)"
                    ),
                    {"id": number, "text": note},
                )
            c.execute(text("INSERT INTO concerns (id, note_id, token) VALUES (1, 2, 'tok')"))
    finally:
        engine.dispose()


def test_0007_marks_plaintext_notes_and_lets_a_seen_note_be_deleted(database_url: str) -> None:
    _seed_notes(database_url)
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as c:
            stored = list(c.scalars(text("SELECT text FROM notes ORDER BY id")))
            marked = ["fernet:gAAAA-ciphertext", "plain:written before encryption", "plain:"]
            assert stored == marked
            c.execute(text("DELETE FROM notes WHERE id = 2"))  # refused before 0007
            assert c.scalar(text("SELECT count(*) FROM concerns")) == 0
        migrate.downgrade(engine, "0006")
        with engine.begin() as c:
            stored = list(c.scalars(text("SELECT text FROM notes ORDER BY id")))
            assert stored == ["fernet:gAAAA-ciphertext", ""]
    finally:
        engine.dispose()


def test_0008_gives_stored_checkins_the_builtin_questionnaire_version(database_url: str) -> None:
    _seed_notes(database_url)
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "head")
        with engine.begin() as c:
            versions = set(c.scalars(text("SELECT questionnaire_version FROM checkins")))
        assert versions == {DEFAULT_QUESTIONNAIRE.version}
    finally:
        engine.dispose()


def test_the_migrations_form_one_chain_ending_in_0011() -> None:
    script = ScriptDirectory.from_config(migrate._config())

    assert script.get_heads() == ["0011"]
    newest = next(iter(script.walk_revisions()))
    assert (newest.revision, newest.down_revision) == ("0011", "0010")
    assert migrate.head_revision() == "0011"


def test_0010_adds_the_send_slots_unlogged_on_postgresql_and_goes_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "head")
        with engine.begin() as c:
            assert "send_slots" in set(inspect(c).get_table_names())
            if engine.dialect.name == "postgresql":
                persistence = "SELECT relpersistence FROM pg_class WHERE relname = 'send_slots'"
                assert c.scalar(text(persistence)) == "u"  # unlogged: no WAL per send
        migrate.downgrade(engine, "0009")
        with engine.begin() as c:
            assert "send_slots" not in set(inspect(c).get_table_names())
    finally:
        engine.dispose()


def test_0011_adds_the_sent_window_and_goes_again(database_url: str) -> None:
    engine = make_engine(database_url)

    def columns() -> set[str]:
        with engine.begin() as c:
            return {col["name"] for col in inspect(c).get_columns("send_slots")}

    try:
        migrate.upgrade(engine, "head")
        assert "sent" in columns()
        migrate.downgrade(engine, "0010")
        assert columns() == {"key", "next_at", "hold_until"}
        migrate.upgrade(engine, "head")
        assert "sent" in columns()
    finally:
        engine.dispose()


def test_0008_and_0009_downgrade_and_upgrade_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "head")
        migrate.downgrade(engine, "0007")
        with engine.begin() as c:
            assert "followups" not in set(inspect(c).get_table_names())
        migrate.upgrade(engine, "head")
        with engine.begin() as c:
            tables = set(inspect(c).get_table_names())
            columns = {col["name"] for col in inspect(c).get_columns("checkins")}
        assert {"followups", "estimates"} <= tables
        assert {"repair", "questionnaire_version"} <= columns
    finally:
        engine.dispose()
