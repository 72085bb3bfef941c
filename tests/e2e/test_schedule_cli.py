"""``alliance sync``, ``alliance schedule preview`` and the running bot noticing an edited file."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli.main import main
from bot.cli.schedule_preview import run_preview
from bot.config.loader import load_clinic_config
from bot.process.crypto import new_key
from bot.process.reload import plan, reload_if_changed
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.clock import FixedClock
from core.model import CheckinStatus
from storage.database import Database
from storage.tables import CheckinRow, ClientRow

CONFIG = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    sessions:
      dates: ["{date}"]
"""
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def clinic_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(CONFIG.format(date="2030-01-08T15:00"), encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(path))
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path}/alliance.db")
    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", new_key())  # sync opens the bot's storage
    return path


def test_sync_plans_and_reports_what_changed(
    clinic_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync"]) == 0
    first = capsys.readouterr().out
    assert "Synced 1 therapists and 1 clients." in first
    assert main(["sync"]) == 0
    assert "0 new, 0 moved, 0 cancelled" in capsys.readouterr().out


def test_preview_prints_a_table_and_refuses_days_out_of_range(
    clinic_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic_file.write_text(CONFIG.format(date="2099-01-06T15:00"), encoding="utf-8")
    assert main(["schedule", "preview", "--days", "30", "--client", "C101"]) == 0
    assert "Nothing is scheduled in this period." in capsys.readouterr().out
    assert main(["schedule", "preview", "--days", "0"]) == 1
    assert "--days must be between 1 and 90" in capsys.readouterr().err


def test_preview_says_that_nothing_goes_to_a_client_who_paused_or_stopped(
    clinic_file: Path,
) -> None:
    assert main(["sync"]) == 0
    settings, config = Settings(), load_clinic_config(clinic_file)
    shown = {}
    for status in ("active", "paused", "stopped"):
        database = Database.connect(settings.database_url)
        try:
            with database.transaction() as s:
                s.execute(update(ClientRow).values(status=status))
        finally:
            database.close()
        out = io.StringIO()
        assert run_preview(settings, config, out, 7, None, FixedClock(NOW)) == 0
        shown[status] = out.getvalue()

    assert "check-in" in shown["active"]
    assert "not sent" not in shown["active"]
    assert "2 sends in the next 7 days; 2 with a warning" in shown["paused"]
    assert shown["paused"].count("not sent: the client has paused (/pause)") == 2
    assert shown["stopped"].count("not sent: the client has stopped taking part (/stop)") == 2


def test_the_running_bot_reloads_an_edited_file_and_ignores_an_invalid_one(
    clinic_file: Path,
) -> None:
    services = bootstrap(
        load_clinic_config(clinic_file),
        os.environ["ALLIANCE_DATABASE_URL"],
        FixedClock(NOW),
        encryption_key=os.environ["ALLIANCE_ENCRYPTION_KEY"],
        config_path=clinic_file,
    )
    try:
        assert reload_if_changed(services) is None  # unchanged
        assert services.config_watch is not None
        assert services.config_watch.path == clinic_file
        plan(services)
        clinic_file.write_text(CONFIG.format(date="2030-01-09T15:00"), encoding="utf-8")
        counts = reload_if_changed(services)
        assert counts is not None
        assert (counts.inserted, counts.cancelled) == (1, 1)
        assert services.config.clients[0].sessions.dates == (datetime(2030, 1, 9, 15, 0),)

        clinic_file.write_text("clinic: [broken", encoding="utf-8")
        assert reload_if_changed(services) is None
        assert services.config.clients[0].sessions.dates == (datetime(2030, 1, 9, 15, 0),)
        with services.database.transaction() as s:
            found = set(s.scalars(select(CheckinRow.status)))
        assert found == {CheckinStatus.PLANNED, CheckinStatus.CANCELLED}

        assert not services.risk.matches("I keep thinking of the paper moon")
        phrases = '\nsafety:\n  risk_phrases:\n    en: ["paper moon"]\n'
        clinic_file.write_text(CONFIG.format(date="2030-01-09T15:00") + phrases, encoding="utf-8")
        assert reload_if_changed(services) is not None
        assert services.risk.matches("I keep thinking of the paper moon")  # the clinic's own
    finally:
        services.database.close()
