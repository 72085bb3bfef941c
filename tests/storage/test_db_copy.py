"""``alliance db copy``: every row into a new database, SQLite to SQLite or to PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.cli.main import main
from bot.process.crypto import FernetCipher, new_key
from core.audit import AuditKind
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from scheduler.planning import plan_all
from storage.audit import Audit
from storage.checkins import Checkins
from storage.cipher import SEALED_PREFIX
from storage.copy import row_counts
from storage.database import Database
from storage.people import People
from storage.tables import CheckinRow, ClientRow, NoteRow

NOTE = "a note only its therapist may read"


@pytest.fixture
def source_url(tmp_path: Path, config: ClinicConfig, clock: FixedClock) -> str:
    """A SQLite clinic with an enrolled, consenting client and planned check-ins."""
    url = f"sqlite:///{tmp_path}/source.db"
    database = Database.connect(url)
    people = People(database)
    people.sync(config)
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite("C101", Role.CLIENT, invite, clock.now())
    people.redeem(invite.token_hash, 7001, clock.now())
    people.decide_consent(7001, True, CONSENT_VERSION, clock.now())
    plan_all(config, Checkins(database), clock.now())
    database.close()
    return url


def test_every_row_arrives_with_its_ids_and_times_and_the_copy_can_grow(
    source_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: FixedClock,
    config: ClinicConfig,
) -> None:
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", source_url)

    assert main(["db", "copy", "--to", database_url]) == 0

    source, target = Database.connect(source_url), Database.connect(database_url)
    try:
        counts = row_counts(source)
        assert row_counts(target) == counts
        assert counts["checkins"] > 0
        assert counts["consents"] == 1
        with source.transaction() as s, target.transaction() as t:
            query = select(CheckinRow.id, CheckinRow.token, CheckinRow.due_at).order_by(
                CheckinRow.id
            )
            assert list(s.execute(query)) == list(t.execute(query))
        assert People(target).by_chat(7001) is not None
        # New rows get fresh ids after the copied ones (PostgreSQL sequences moved on).
        with target.transaction() as t:
            t.add(
                ClientRow(
                    code="C999",
                    therapist_code="T01",
                    timezone="UTC",
                    language="en",
                    status="not_enrolled",
                )
            )
        clock.advance(timedelta(days=7))
        assert plan_all(config, Checkins(target), clock.now()).inserted > 0
    finally:
        source.close()
        target.close()
    out = capsys.readouterr().out
    assert "checkins:" in out
    assert "Copied" in out


def test_a_target_that_already_holds_data_is_refused_and_left_alone(
    source_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", source_url)
    assert main(["db", "copy", "--to", database_url]) == 0
    target = Database.connect(database_url)
    before = row_counts(target)

    assert main(["db", "copy", "--to", database_url]) == 1

    assert "already holds data" in capsys.readouterr().err
    assert row_counts(target) == before
    target.close()


def test_copying_a_database_onto_itself_is_refused(
    source_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", source_url)

    assert main(["db", "copy", "--to", source_url]) == 1
    assert "itself" in capsys.readouterr().err


def test_notes_are_copied_as_stored_still_encrypted_and_without_the_key(
    source_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    key = new_key()
    source = Database.connect(source_url, cipher=FernetCipher([key]))
    try:
        with source.transaction() as s:
            checkin_id = s.scalars(select(CheckinRow.id).order_by(CheckinRow.id)).first()
            assert checkin_id is not None
            s.add(NoteRow(checkin_id=checkin_id, text=NOTE, shared=True, created_at=clock.now()))
        Audit(source).record(AuditKind.EXPORTED, clock.now(), via="alliance export")
    finally:
        source.close()
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", source_url)
    monkeypatch.delenv("ALLIANCE_ENCRYPTION_KEY", raising=False)

    assert main(["db", "copy", "--to", database_url]) == 0

    stored = {url: raw_notes(url) for url in (source_url, database_url)}
    assert stored[database_url] == stored[source_url]
    assert stored[database_url][0].startswith(SEALED_PREFIX)
    assert NOTE not in stored[database_url][0]
    target = Database.connect(database_url, cipher=FernetCipher([key]))
    try:
        with target.transaction() as t:
            assert list(t.scalars(select(NoteRow.text))) == [NOTE]
        assert Audit(target).entries()[-1].via == "alliance export"  # the log comes along
    finally:
        target.close()


def raw_notes(url: str) -> list[str]:
    """The ``notes.text`` column as it is stored, read past the encrypting column type."""
    database = Database.connect(url, upgrade=False)
    try:
        with database.engine.connect() as connection:
            return list(connection.execute(text("SELECT text FROM notes")).scalars())
    finally:
        database.close()
