"""Encryption of free text at rest: the port storage encrypts through, and its plain default.

The bot passes a real cipher (Fernet, ``bot/process/crypto.py``) into ``Database.connect``; the
``notes.text`` column then holds only ciphertext, marked with ``SEALED_PREFIX``. Without a
key (only where the clinic allows it) text is stored marked with ``PLAIN_PREFIX``, so a
note whose own text starts with ``fernet:`` is never mistaken for ciphertext; plaintext
notes are still read with a key set, and re-encrypted by ``rotate-key``.
"""

from __future__ import annotations

from typing import Protocol

#: Marks an encrypted value in a text column (the rest is a Fernet token).
SEALED_PREFIX = "fernet:"
#: Marks a value stored without encryption (the rest is the text itself).
PLAIN_PREFIX = "plain:"


class TextCipher(Protocol):
    """Turns text into what is stored, and back."""

    def seal(self, text: str) -> str:
        """The stored form of ``text``."""
        ...

    def open(self, stored: str) -> str:
        """The text behind a stored value; raises ``CipherError`` if it cannot."""
        ...


class CipherError(Exception):
    """A stored value cannot be read with the keys at hand."""


class PlaintextCipher:
    """No encryption: only when the clinic config allows plaintext notes (and in tests)."""

    def seal(self, text: str) -> str:
        """Store the text as it is, marked as plaintext."""
        return PLAIN_PREFIX + text

    def open(self, stored: str) -> str:
        """Read plaintext; refuse encrypted values, which need the key."""
        if stored.startswith(SEALED_PREFIX):
            raise CipherError("this note is encrypted: set ALLIANCE_ENCRYPTION_KEY to read it")
        return read_plain(stored)


def read_plain(stored: str) -> str:
    """The text of a value stored without encryption (unmarked: written before 0007)."""
    return stored.removeprefix(PLAIN_PREFIX)


class StoredForm:
    """No change either way: values move exactly as they are stored.

    For copying rows to another database (``alliance db copy``): encrypted notes stay
    encrypted under the same key, and no key is needed to move them.
    """

    def seal(self, text: str) -> str:
        """Write the value as it was read."""
        return text

    def open(self, stored: str) -> str:
        """Read the stored value without decrypting it."""
        return stored
