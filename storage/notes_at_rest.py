"""Notes at rest: re-encrypting them all with the current key, and finding plaintext ones."""

from __future__ import annotations

from sqlalchemy import select, text, update

from storage.cipher import SEALED_PREFIX
from storage.database import Database
from storage.tables import NoteRow


def reseal_notes(database: Database) -> int:
    """Decrypt every note with any key and store it again under the first key.

    Notes stored before a key was set are encrypted now. One transaction: a failure
    (a note no key opens) changes nothing. Returns how many notes were written.
    """
    with database.transaction() as s:
        notes = s.execute(select(NoteRow.id, NoteRow.text)).all()
        for note_id, plain in notes:
            s.execute(update(NoteRow).where(NoteRow.id == note_id).values(text=plain))
        return len(notes)


def count_plaintext_notes(database: Database) -> int:
    """How many notes are stored without encryption (read from the raw column)."""
    query = text("SELECT count(*) FROM notes WHERE text NOT LIKE :sealed")
    with database.transaction() as s:
        return int(s.scalar(query, {"sealed": SEALED_PREFIX + "%"}) or 0)
