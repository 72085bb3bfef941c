"""Fixtures shared by every test: a clean environment, databases, a fixed clock, a clinic."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.clinic import ClinicConfig
from core.clock import FixedClock
from storage.database import Database

POSTGRES_URL = os.environ.get(
    "ALLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: A Monday in November; the test clinic has sessions on Tuesdays at 15:00 Berlin time.
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's ALLIANCE_* variables never leak into a test."""
    for name in list(os.environ):
        if name.startswith("ALLIANCE_") and name != "ALLIANCE_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """A command run in-process (``alliance run``) sets up logging for the whole process;
    the next test must not write to the stream a finished test captured."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def clock() -> FixedClock:
    """A clock that only moves when the test moves it."""
    return FixedClock(MONDAY_MORNING)


def clinic_config(**clinic: object) -> ClinicConfig:
    """One clinic, one therapist, two clients with Tuesday sessions in Berlin."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Riverside Counselling",
                "timezone": "Europe/Berlin",
                "language": "en",
                "crisis_contacts": {"en": "In an emergency call 112."},
                **clinic,
            },
            "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
            "clients": [
                {
                    "code": "C101",
                    "therapist": "T01",
                    "sessions": {"weekly": [{"day": "tuesday", "time": "15:00"}]},
                },
                {
                    "code": "C102",
                    "therapist": "T01",
                    "sessions": {"dates": ["2026-11-24T10:00"]},
                },
            ],
        }
    )


@pytest.fixture
def config() -> ClinicConfig:
    """The small test clinic."""
    return clinic_config()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run; skipped without a server unless CI."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        admin.dispose()
        reason = f"no PostgreSQL server at {POSTGRES_URL} ({type(error).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; PostgreSQL tests are required in CI")
        pytest.skip(reason)
    name = f"alliance_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """An empty database: a SQLite file, and the same test again on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/alliance.db"
    url: str = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database."""
    db = Database.connect(database_url)
    yield db
    db.close()
