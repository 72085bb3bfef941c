"""Migration 0006: the index of queued check-ins' due times comes and goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, text

from core.model import CheckinStatus
from storage import migrate
from storage.database import Database
from storage.engine import make_engine
from storage.monitoring import queue_depth
from storage.tables import CheckinRow, ClientRow


def _has_index(engine: Engine, name: str) -> bool:
    """Whether the index exists (SQLAlchemy reflects no expression index on SQLite)."""
    query = (
        "SELECT 1 FROM pg_indexes WHERE indexname = :name"
        if engine.dialect.name == "postgresql"
        else "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"
    )
    with engine.connect() as connection:
        return connection.execute(text(query), {"name": name}).first() is not None


#: Added, added, and removed by 0006.
NAMES = ("ix_checkins_queued_due", "ix_notes_alert_owed", "ix_notes_risk_alerted")


def test_0006_swaps_the_tick_indexes_and_back_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        assert [_has_index(engine, name) for name in NAMES] == [False, False, True]

        migrate.upgrade(engine)

        assert migrate.current_revision(engine) == migrate.head_revision()
        assert [_has_index(engine, name) for name in NAMES] == [True, True, False]
        migrate.downgrade(engine, "0005")
        assert [_has_index(engine, name) for name in NAMES] == [False, False, True]
        migrate.upgrade(engine)
        assert [_has_index(engine, name) for name in NAMES] == [True, True, False]
    finally:
        engine.dispose()


def test_the_queue_depth_counts_due_queued_checkins_of_consenting_clients(
    database: Database,
) -> None:
    now = datetime(2026, 12, 6, 2, tzinfo=UTC)
    hour = timedelta(hours=1)
    with database.transaction() as s:
        s.execute(
            insert(ClientRow),
            [
                {
                    "code": code,
                    "therapist_code": "T1",
                    "timezone": "Europe/Berlin",
                    "language": "en",
                    "status": status,
                    "in_config": True,
                }
                for code, status in (("C1", "active"), ("C2", "paused"))
            ],
        )
        rows = [
            (1, CheckinStatus.PLANNED, now - hour, now + hour),  # counted
            (1, CheckinStatus.SENDING, now - 2 * hour, now + hour),  # counted
            (1, CheckinStatus.PLANNED, now + hour, now + 2 * hour),  # not due yet
            (1, CheckinStatus.PLANNED, now - 3 * hour, now),  # expired
            (1, CheckinStatus.OPEN, now - 4 * hour, now + hour),  # delivered
            (1, CheckinStatus.COMPLETED, now - 5 * hour, now + hour),  # delivered
            (2, CheckinStatus.PLANNED, now - hour, now + hour),  # paused client
        ]
        s.execute(
            insert(CheckinRow),
            [
                {
                    "client_id": client,
                    "token": f"t{n}",
                    "questionnaire": "alliance-v1",
                    "session_start": due - 6 * hour,
                    "session_end": due - 5 * hour,
                    "due_at": due,
                    "expires_at": expires,
                    "status": status,
                }
                for n, (client, status, due, expires) in enumerate(rows)
            ],
        )

    assert queue_depth(database, now) == 2
