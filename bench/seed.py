"""Seeding a database with many consenting clients and due check-ins, fast (bulk inserts)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert

from core.clinic import ClinicConfig
from core.model import CheckinStatus, ClientStatus
from storage.database import Database
from storage.tables import CheckinRow, ClientRow, TherapistRow

FIRST_CHAT = 10_000_000


def clinic(clients: int, therapists: int = 1) -> ClinicConfig:
    """A clinic config with ``clients`` clients spread over ``therapists`` therapists."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Benchmark Clinic",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "In an emergency call 112."},
            },
            "therapists": [
                {"code": f"T{t:04d}", "display_name": f"Therapist {t}"} for t in range(therapists)
            ],
            "clients": [
                {"code": f"C{c:06d}", "therapist": f"T{c % therapists:04d}"} for c in range(clients)
            ],
        }
    )


def seed_due_checkins(database: Database, clients: int, now: datetime, therapists: int = 1) -> None:
    """``clients`` active clients, each with one check-in due a minute ago."""
    with database.transaction() as s:
        s.execute(
            insert(TherapistRow),
            [
                {"code": f"T{t:04d}", "timezone": "Europe/Berlin", "in_config": True}
                for t in range(therapists)
            ],
        )
        s.execute(
            insert(ClientRow),
            [
                {
                    "code": f"C{c:06d}",
                    "therapist_code": f"T{c % therapists:04d}",
                    "timezone": "Europe/Berlin",
                    "language": "en",
                    "status": ClientStatus.ACTIVE,
                    "chat_id": FIRST_CHAT + c,
                    "enrolled_at": now - timedelta(days=30),
                    "in_config": True,
                }
                for c in range(clients)
            ],
        )
        s.execute(
            insert(CheckinRow),
            [
                {
                    "client_id": c + 1,
                    "token": secrets.token_urlsafe(8),
                    "questionnaire": "alliance-v1",
                    "session_start": now - timedelta(days=1, hours=1),
                    "session_end": now - timedelta(days=1, minutes=10),
                    "due_at": now - timedelta(minutes=1),
                    "expires_at": now + timedelta(days=3),
                    "status": CheckinStatus.PLANNED,
                    "step": 0,
                    "attempts": 0,
                }
                for c in range(clients)
            ],
        )
