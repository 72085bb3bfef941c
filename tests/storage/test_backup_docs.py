"""The backup and restore commands in docs/deployment.md, run as written on both databases.

Paths are moved into a temporary folder and the restore's example date becomes today;
``systemctl`` lines are skipped (there is no systemd unit to stop in a test).
"""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete

from core.clinic import ClinicConfig
from core.clock import FixedClock
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.copy import row_counts
from storage.database import Database
from storage.people import People
from storage.tables import CheckinRow
from tests.markdown import shell_lines

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
EXAMPLE_DATE = "2026-11-25"


def documented(*programs: str, containing: str = "") -> list[str]:
    """The guide's command lines that start with one of ``programs``, in order."""
    return [
        line for line in shell_lines(GUIDE) if line.split()[0] in programs and containing in line
    ]


def run_as_documented(line: str, tmp_path: Path, env: dict[str, str]) -> None:
    line = line.replace("/opt/alliance", f"{tmp_path}/opt/alliance")
    line = line.replace("/var/backups/alliance", f"{tmp_path}/backups")
    line = line.replace(EXAMPLE_DATE, date.today().isoformat())
    subprocess.run(["bash", "-c", line], check=True, env=env, capture_output=True, timeout=60)


def _fill(database: Database, config: ClinicConfig, clock: FixedClock) -> dict[str, int]:
    People(database).sync(config)
    plan_all(config, Checkins(database), clock.now())
    return row_counts(database)


def test_the_guide_has_backup_and_restore_commands_for_both_databases() -> None:
    assert len(documented("sqlite3")) == 1
    assert len(documented("cp", "rm", containing="alliance.db")) == 2
    assert len(documented("pg_dump")) == 1
    assert len(documented("pg_restore")) == 1


def test_the_documented_backup_and_restore_bring_the_data_back(
    database_url: str, tmp_path: Path, config: ClinicConfig, clock: FixedClock
) -> None:
    (tmp_path / "backups").mkdir()
    env = dict(os.environ)
    if database_url.startswith("sqlite"):
        (tmp_path / "opt" / "alliance").mkdir(parents=True)
        database_url = f"sqlite:///{tmp_path}/opt/alliance/alliance.db"
        backup, restore = documented("sqlite3"), documented("cp", "rm", containing="alliance.db")
    else:
        env["ALLIANCE_DATABASE_URL"] = database_url.replace("+psycopg", "")
        backup, restore = documented("pg_dump"), documented("pg_restore")
    database = Database.connect(database_url)
    try:
        before = _fill(database, config, clock)
        assert before["checkins"] > 0
        for line in backup:
            run_as_documented(line, tmp_path, env)
        with database.transaction() as s:
            s.execute(delete(CheckinRow))  # the accident the backup is for
        database.close()  # "systemctl stop alliance"
        for line in restore:
            run_as_documented(line, tmp_path, env)
        assert row_counts(database) == before
    finally:
        database.close()


@pytest.mark.parametrize("line", documented("sqlite3", "pg_dump"))
def test_backups_are_named_by_day_so_they_do_not_overwrite_each_other(line: str) -> None:
    assert "$(date +%F)" in line
