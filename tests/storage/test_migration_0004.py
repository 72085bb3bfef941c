"""Migration 0004 on a database with data from 0001: backfills and goes back down."""

from __future__ import annotations

from sqlalchemy import inspect, text

from storage import migrate
from storage.engine import make_engine


def test_0004_upgrades_existing_data_and_downgrades_cleanly(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (id, code, therapist_code, timezone, language, status,"
                    " in_config) VALUES (1, 'C1', 'T1', 'UTC', 'en', 'active', true)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO consents (client_id, version, given, at) VALUES"
                    " (1, 'v1', true, '2026-01-01 10:00:00'),"
                    " (1, 'v1', false, '2026-01-02 10:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO checkins (id, client_id, token, questionnaire, session_start,"
                    " session_end, due_at, expires_at, status, step, attempts) VALUES (1, 1, 't',"
                    " 'q', '2026-01-01 10:00:00', '2026-01-01 11:00:00', '2026-01-02 11:00:00',"
                    " '2026-01-05 11:00:00', 'completed', 6, 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO notes (checkin_id, text, shared, created_at)"
                    " VALUES (1, 'old plaintext note', true, '2026-01-02 12:00:00')"
                )
            )

        migrate.upgrade(engine, "0004")

        assert migrate.current_revision(engine) == "0004"
        with engine.connect() as connection:
            events = connection.execute(text("SELECT event FROM consents ORDER BY id")).all()
            risk = connection.execute(text("SELECT risk, alerted_at FROM notes")).one()
        assert [e[0] for e in events] == ["given", "declined"]
        assert (bool(risk[0]), risk[1]) == (False, None)
        assert "audit_log" in inspect(engine).get_table_names()

        migrate.downgrade(engine, "0001")

        assert migrate.current_revision(engine) == "0001"
        assert "audit_log" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("notes")}
        assert "risk" not in columns
        migrate.upgrade(engine, "0004")  # and up again, trigger function included
        assert migrate.current_revision(engine) == "0004"
    finally:
        engine.dispose()
