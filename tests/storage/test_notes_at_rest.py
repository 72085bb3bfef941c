"""Notes at rest: encrypted in the column, readable through storage, re-encrypted on rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.process.crypto import FernetCipher, new_key
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.flow import NoteText, apply
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.cipher import CipherError, PlaintextCipher, TextCipher
from storage.database import Database
from storage.notes_at_rest import count_plaintext_notes, reseal_notes
from storage.people import People
from storage.tables import NoteRow

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
NOTE = "Ich habe Angst vor der nächsten Sitzung & <ihr>"


def write_note(
    url: str, config: ClinicConfig, clock: FixedClock, cipher: TextCipher, note: str = NOTE
) -> None:
    """Open the database with ``cipher`` and store one note of C101."""
    database = Database.connect(url, cipher=cipher)
    try:
        people = People(database)
        people.sync(config)
        invite = new_invite(clock.now(), timedelta(days=14))
        people.create_invite("C101", Role.CLIENT, invite, clock.now())
        people.redeem(invite.token_hash, 7001, clock.now())
        people.decide_consent(7001, True, CONSENT_VERSION, clock.now())
        checkins = Checkins(database)
        plan_all(config, checkins, clock.now())
        claimed = checkins.claim_due(NOW, timedelta(minutes=5))
        assert claimed is not None
        checkins.mark_sent(claimed.id, 7001, 1, NOW)
        checkin = checkins.by_token(claimed.token)
        assert checkin is not None
        at_note = len(DEFAULT_QUESTIONNAIRE.items)
        with database.transaction() as s:
            s.execute(text("UPDATE checkins SET step = :step"), {"step": at_note})
        checkin = checkins.by_token(claimed.token)
        assert checkin is not None
        decision = apply(DEFAULT_QUESTIONNAIRE, checkin.step, NoteText(note))
        assert not isinstance(decision, str)
        assert checkins.advance(checkin, decision, NOW, done=False)
    finally:
        database.close()


def raw_notes(url: str) -> list[str]:
    database = Database.connect(url, upgrade=False)
    try:
        with database.transaction() as s:
            return list(s.scalars(text("SELECT text FROM notes")))
    finally:
        database.close()


def read_notes(url: str, cipher: TextCipher) -> list[str]:
    database = Database.connect(url, upgrade=False, cipher=cipher)
    try:
        with database.transaction() as s:
            return list(s.scalars(select(NoteRow.text)))
    finally:
        database.close()


def test_with_a_key_the_column_holds_only_ciphertext(
    database_url: str, config: ClinicConfig, clock: FixedClock
) -> None:
    key = new_key()
    write_note(database_url, config, clock, FernetCipher([key]))

    (stored,) = raw_notes(database_url)

    assert stored.startswith("fernet:")
    assert "Angst" not in stored
    assert read_notes(database_url, FernetCipher([key])) == [NOTE]
    with pytest.raises(CipherError):
        read_notes(database_url, FernetCipher([new_key()]))


def test_rotation_re_encrypts_every_note_with_the_new_key(
    database_url: str, config: ClinicConfig, clock: FixedClock
) -> None:
    old, new = new_key(), new_key()
    write_note(database_url, config, clock, FernetCipher([old]))
    (before,) = raw_notes(database_url)
    database = Database.connect(database_url, cipher=FernetCipher([new, old]))
    try:
        assert reseal_notes(database) == 1
        assert count_plaintext_notes(database) == 0
    finally:
        database.close()

    (after,) = raw_notes(database_url)
    assert after != before
    assert read_notes(database_url, FernetCipher([new])) == [NOTE]  # the old key can go


def test_notes_written_in_plaintext_are_encrypted_by_the_first_rotation(
    database_url: str, config: ClinicConfig, clock: FixedClock
) -> None:
    write_note(database_url, config, clock, PlaintextCipher())
    assert raw_notes(database_url) == ["plain:" + NOTE]
    key = new_key()
    database = Database.connect(database_url, cipher=FernetCipher([key]))
    try:
        assert count_plaintext_notes(database) == 1
        assert read_notes(database_url, FernetCipher([key])) == [NOTE]  # still readable
        reseal_notes(database)
        assert count_plaintext_notes(database) == 0
    finally:
        database.close()
    assert raw_notes(database_url)[0].startswith("fernet:")


def test_a_rotation_with_a_missing_old_key_changes_nothing(
    database_url: str, config: ClinicConfig, clock: FixedClock
) -> None:
    write_note(database_url, config, clock, FernetCipher([new_key()]))
    before = raw_notes(database_url)
    database = Database.connect(database_url, cipher=FernetCipher([new_key()]))
    try:
        with pytest.raises(CipherError):
            reseal_notes(database)
    finally:
        database.close()
    assert raw_notes(database_url) == before


def test_a_plaintext_note_that_looks_encrypted_is_read_as_written(
    database_url: str, config: ClinicConfig, clock: FixedClock
) -> None:
    typed = "fernet:not a token, just what the client typed"
    write_note(database_url, config, clock, PlaintextCipher(), typed)
    assert read_notes(database_url, PlaintextCipher()) == [typed]
    assert read_notes(database_url, FernetCipher([new_key()])) == [typed]
