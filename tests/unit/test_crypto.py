"""Fernet encryption of notes: round trip, rotation, refusal without a key."""

from __future__ import annotations

import pytest

from bot.process.crypto import FernetCipher, make_cipher, new_key, parse_keys
from bot.process.settings import MissingSettingError
from storage.cipher import SEALED_PREFIX, CipherError, PlaintextCipher

NOTE = "Ich möchte über das Ende der Therapie sprechen 🌧️ <b>&"


def test_a_note_survives_the_round_trip_and_is_not_stored_as_written() -> None:
    cipher = FernetCipher([new_key()])

    stored = cipher.seal(NOTE)

    assert stored.startswith(SEALED_PREFIX)
    assert "Therapie" not in stored
    assert cipher.open(stored) == NOTE


def test_each_sealing_differs_so_equal_notes_cannot_be_told_apart() -> None:
    cipher = FernetCipher([new_key()])
    assert cipher.seal("same") != cipher.seal("same")


def test_after_rotation_old_notes_still_open_and_new_ones_use_the_new_key() -> None:
    old, new = new_key(), new_key()
    before = FernetCipher([old]).seal(NOTE)
    rotated = FernetCipher([new, old])

    assert rotated.open(before) == NOTE
    resealed = rotated.seal(rotated.open(before))
    assert FernetCipher([new]).open(resealed) == NOTE
    with pytest.raises(CipherError):
        FernetCipher([old]).open(resealed)


def test_a_note_no_key_opens_is_a_clear_error() -> None:
    stored = FernetCipher([new_key()]).seal(NOTE)
    with pytest.raises(CipherError, match="rotate-key"):
        FernetCipher([new_key()]).open(stored)


def test_a_note_stored_before_encryption_is_read_as_it_is() -> None:
    assert FernetCipher([new_key()]).open("written before the key was set") == (
        "written before the key was set"
    )


def test_plaintext_mode_refuses_to_read_encrypted_notes() -> None:
    stored = FernetCipher([new_key()]).seal(NOTE)
    plain = PlaintextCipher()
    assert plain.open(plain.seal("x")) == "x"
    with pytest.raises(CipherError, match="ALLIANCE_ENCRYPTION_KEY"):
        plain.open(stored)


def test_the_setting_takes_several_keys_separated_by_commas() -> None:
    first, second = new_key(), new_key()
    assert parse_keys(f" {first} , {second},") == [first, second]
    assert parse_keys(None) == []
    assert parse_keys(" , ") == []


def test_a_malformed_key_is_named_by_its_position() -> None:
    with pytest.raises(MissingSettingError, match="key 2 is not a Fernet key"):
        parse_keys(f"{new_key()},not-a-key")


def test_without_a_key_the_bot_refuses_unless_plaintext_is_allowed() -> None:
    with pytest.raises(MissingSettingError, match="alliance keygen"):
        make_cipher(None, allow_plaintext=False)
    assert isinstance(make_cipher("", allow_plaintext=True), PlaintextCipher)
    assert isinstance(make_cipher(new_key(), allow_plaintext=True), FernetCipher)
