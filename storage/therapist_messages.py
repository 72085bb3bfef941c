"""Messages in therapists' chats that quote a client's note, remembered for erasure.

A digest or brief part, a ``/history`` reply or a risk alert that quotes what a client
wrote is recorded here by (client, chat, message id), never with its text. When the client
erases their data, the bot deletes those messages that Telegram still lets it delete
(48 hours) and tells the client about the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from storage.database import Database
from storage.tables import ClientRow, TherapistMessageRow


class TherapistMessages:
    """Intent-named queries over the record of note-quoting messages."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def record(
        self, chat_id: int, message_id: int, client_codes: Iterable[str], sent_at: datetime
    ) -> int:
        """Remember that ``message_id`` in ``chat_id`` quotes notes of these clients.

        Recording the same message for the same client twice changes nothing. Returns how
        many clients were newly recorded for the message.
        """
        codes = sorted(set(client_codes))
        if not codes:
            return 0
        with self._db.transaction() as s:
            ids = s.scalars(select(ClientRow.id).where(ClientRow.code.in_(codes))).all()
            known = set(
                s.scalars(
                    select(TherapistMessageRow.client_id).where(
                        TherapistMessageRow.chat_id == chat_id,
                        TherapistMessageRow.message_id == message_id,
                    )
                )
            )
            new = [client_id for client_id in ids if client_id not in known]
            s.add_all(
                TherapistMessageRow(
                    client_id=client_id, chat_id=chat_id, message_id=message_id, sent_at=sent_at
                )
                for client_id in new
            )
            return len(new)
