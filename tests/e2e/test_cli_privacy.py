"""``alliance keygen``, ``rotate-key``, ``purge`` and the refusal to run without a key."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.cli.main import main
from bot.process.crypto import FernetCipher, new_key
from core.audit import AuditKind
from core.clinic import ClinicConfig
from core.flow import NoteText, apply
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from scheduler.planning import plan_all
from storage.audit import Audit
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from tests.e2e.test_cli_process import CONFIG, alliance

NOTE = "a note that must stay secret"


@pytest.fixture
def clinic_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic file and database; the environment points at both."""
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session="2020-01-07T10:00"), encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(config))
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'alliance.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def store_old_note(url: str, key: str, config_path: Path) -> None:
    """One answered check-in with a note, written in January 2020 (long past retention)."""
    from bot.config.loader import load_clinic_config

    config: ClinicConfig = load_clinic_config(config_path)
    database = Database.connect(url, cipher=FernetCipher([key]))
    try:
        People(database).sync(config)
        with database.transaction() as s:
            s.execute(text("UPDATE clients SET status = 'active', chat_id = 5"))
        then = datetime(2020, 1, 8, 12, 0, tzinfo=UTC)
        checkins = Checkins(database)
        plan_all(config, checkins, then - timedelta(days=1))
        claimed = checkins.claim_due(then, timedelta(minutes=5))
        assert claimed is not None
        checkins.mark_sent(claimed.id, 5, 1, then)
        with database.transaction() as s:
            s.execute(text("UPDATE checkins SET step = 4"))
        checkin = checkins.by_token(claimed.token)
        assert checkin is not None
        decision = apply(DEFAULT_QUESTIONNAIRE, 4, NoteText(NOTE))
        assert not isinstance(decision, str)
        assert checkins.advance(checkin, decision, then, done=False)
    finally:
        database.close()


def test_keygen_prints_a_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    Fernet(key.encode("ascii"))  # a valid key
    assert "outside the database" in out.err


def test_rotate_key_re_encrypts_notes_and_the_old_key_can_go(
    clinic_files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = new_key(), new_key()
    url = f"sqlite:///{clinic_files / 'alliance.db'}"
    store_old_note(url, old, clinic_files / "clinic.yaml")

    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", f"{new},{old}")
    assert main(["rotate-key"]) == 0
    assert "Re-encrypted 1 notes" in capsys.readouterr().err

    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", new)
    assert main(["export", "--include-private-notes"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["note_text"] for r in rows if r["record"] == "note"] == [NOTE]
    database = Database.connect(url)
    try:
        entries = Audit(database).entries()
        kinds, exported = [e.kind for e in entries], entries[-1]
        (stored,) = database.engine.connect().execute(text("SELECT text FROM notes")).scalars()
    finally:
        database.close()
    assert AuditKind.KEY_ROTATED in kinds
    assert kinds[-1] == AuditKind.EXPORTED
    assert exported.via == "alliance export"
    assert exported.detail is not None
    assert exported.detail.startswith("with private notes, by ")
    assert NOTE not in stored


def test_export_without_the_key_stops_with_a_clear_message(
    clinic_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_old_note(
        f"sqlite:///{clinic_files / 'alliance.db'}", new_key(), clinic_files / "clinic.yaml"
    )

    assert main(["export", "--include-private-notes"]) == 1

    assert "ALLIANCE_ENCRYPTION_KEY" in capsys.readouterr().err


def test_rotate_key_without_a_key_says_what_to_set(
    clinic_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rotate-key"]) == 1
    assert "ALLIANCE_ENCRYPTION_KEY is not set" in capsys.readouterr().err


def test_purge_counts_with_dry_run_then_erases_what_is_past_retention(
    clinic_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{clinic_files / 'alliance.db'}"
    store_old_note(url, new_key(), clinic_files / "clinic.yaml")

    assert main(["purge", "--dry-run"]) == 0
    assert "Would erase 0 answers and 1 notes older than 24 months." in capsys.readouterr().out
    assert main(["purge"]) == 0
    assert "Erased 0 answers and 1 notes" in capsys.readouterr().out
    assert main(["purge"]) == 0
    assert "Erased 0 answers and 0 notes" in capsys.readouterr().out

    database = Database.connect(url)
    try:
        purged = [e for e in Audit(database).entries() if e.kind == AuditKind.PURGED]
    finally:
        database.close()
    assert [(e.actor, e.via) for e in purged] == [("clinic", "alliance purge")] * 2


async def test_run_without_a_key_refuses_to_start_and_says_how_to_fix_it(
    tmp_path: Path,
) -> None:
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session="2026-11-24T10:00"), encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "ALLIANCE_BOT_TOKEN": "1:X",
        "ALLIANCE_CLINIC_CONFIG": str(config),
        "ALLIANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
    }

    status, _, err = await alliance(env, "run")

    assert status == 1
    assert "ALLIANCE_ENCRYPTION_KEY is not set" in err
    assert "alliance keygen" in err
    assert "allow_plaintext_notes" in err


def test_without_a_key_the_bot_starts_only_when_the_config_allows_plaintext(
    tmp_path: Path,
) -> None:
    from bot.process.services import bootstrap
    from bot.process.settings import MissingSettingError
    from tests.conftest import clinic_config

    url = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(MissingSettingError, match="allow_plaintext_notes"):
        bootstrap(clinic_config(), url)
    plain = clinic_config().model_copy(
        update={
            "privacy": clinic_config().privacy.model_copy(update={"allow_plaintext_notes": True})
        }
    )
    services = bootstrap(plain, url)
    services.database.close()
