"""The queue depth: due, undelivered check-ins of active clients in the config, only."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE as Q
from storage.database import Database
from storage.monitoring import queue_depth
from storage.tables import CheckinRow, ClientRow

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_only_due_undelivered_check_ins_of_active_clients_count(database: Database) -> None:
    clients = [("C1", ClientStatus.ACTIVE, True), ("C2", ClientStatus.PAUSED, True)]
    clients.append(("C3", ClientStatus.ACTIVE, False))
    rows = [  # (client id, status, due, expires)
        (1, CheckinStatus.PLANNED, NOW - HOUR, NOW + HOUR),  # counts
        (1, CheckinStatus.SENDING, NOW - 2 * HOUR, NOW + HOUR),  # counts
        (1, CheckinStatus.PLANNED, NOW + HOUR, NOW + 9 * HOUR),  # not due yet
        (1, CheckinStatus.PLANNED, NOW - 9 * HOUR, NOW),  # expired
        (1, CheckinStatus.OPEN, NOW - 3 * HOUR, NOW + HOUR),  # delivered
        (2, CheckinStatus.PLANNED, NOW - HOUR, NOW + HOUR),  # paused client
        (3, CheckinStatus.PLANNED, NOW - HOUR, NOW + HOUR),  # removed from the config
    ]
    with database.transaction() as s:
        s.execute(
            insert(ClientRow),
            [
                {
                    "id": n,
                    "code": code,
                    "therapist_code": "T01",
                    "timezone": "UTC",
                    "language": "en",
                    "status": status,
                    "in_config": in_config,
                }
                for n, (code, status, in_config) in enumerate(clients, start=1)
            ],
        )
        s.execute(
            insert(CheckinRow),
            [
                {
                    "client_id": client_id,
                    "token": secrets.token_urlsafe(8),
                    "questionnaire": Q.key,
                    "questionnaire_version": Q.version,
                    "session_start": NOW - timedelta(days=30 - n),
                    "session_end": NOW - timedelta(days=30 - n) + HOUR,
                    "due_at": due,
                    "expires_at": expires,
                    "status": status,
                }
                for n, (client_id, status, due, expires) in enumerate(rows)
            ],
        )

    assert queue_depth(database, NOW) == 2
