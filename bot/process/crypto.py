"""Notes encrypted at rest with Fernet keys from ``ALLIANCE_ENCRYPTION_KEY``.

The setting holds one key or several separated by commas: the first encrypts, all of them
decrypt. To rotate: put a new key (``alliance keygen``) first, keep the old ones after it,
run ``alliance rotate-key`` (every note is re-encrypted with the new key), then drop the old
keys. Without a key the bot refuses to start unless the clinic config allows plaintext.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.process.settings import MissingSettingError
from storage.cipher import SEALED_PREFIX, CipherError, PlaintextCipher, TextCipher, read_plain


class FernetCipher:
    """Fernet (AES-128-CBC with HMAC-SHA256) with any number of keys; the first encrypts."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    def seal(self, text: str) -> str:
        """Encrypt with the first key."""
        token = self._fernet.encrypt(text.encode("utf-8")).decode("ascii")
        return SEALED_PREFIX + token

    def open(self, stored: str) -> str:
        """Decrypt with whichever key fits; a value stored before encryption is read as is."""
        if not stored.startswith(SEALED_PREFIX):
            return read_plain(stored)
        try:
            data = self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii"))
        except InvalidToken:
            raise CipherError(
                "no key in ALLIANCE_ENCRYPTION_KEY opens this note (was an old key dropped "
                "before running 'alliance rotate-key'?)"
            ) from None
        return data.decode("utf-8")


def new_key() -> str:
    """A fresh Fernet key, for ``alliance keygen``."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(setting: str | None) -> list[str]:
    """The keys of ``ALLIANCE_ENCRYPTION_KEY``, first one first; checked to be Fernet keys."""
    keys = [key.strip() for key in (setting or "").split(",") if key.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise MissingSettingError(
                f"ALLIANCE_ENCRYPTION_KEY: key {number} is not a Fernet key (32 url-safe "
                "base64-encoded bytes); make one with 'alliance keygen'"
            ) from None
    return keys


def make_cipher(setting: str | None, allow_plaintext: bool) -> TextCipher:
    """The cipher for notes: Fernet with the configured keys, else plaintext if allowed."""
    keys = parse_keys(setting)
    if keys:
        return FernetCipher(keys)
    if allow_plaintext:
        return PlaintextCipher()
    raise MissingSettingError(
        "ALLIANCE_ENCRYPTION_KEY is not set: notes are encrypted at rest. Make a key with "
        "'alliance keygen' and keep it outside the database (or, only if your clinic accepts "
        "it, set 'privacy: {allow_plaintext_notes: true}' in the clinic config)."
    )
