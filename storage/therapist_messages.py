"""Messages in therapists' chats that quote a client's note, remembered for erasure.

A digest or brief part, a ``/history`` reply or a risk alert that quotes what a client
wrote is recorded here by (client, chat, message id), never with its text. When the client
erases their data, the bot deletes those messages that Telegram still lets it delete
(48 hours) and tells the client about the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from storage.database import Database
from storage.tables import ClientRow, TherapistMessageRow


@dataclass(frozen=True)
class QuotingMessage:
    """A recorded message in a therapist's chat, and when it was sent."""

    chat_id: int
    message_id: int
    sent_at: datetime


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

    def for_client(self, client_code: str) -> list[QuotingMessage]:
        """The recorded messages that quote this client's notes, oldest first."""
        with self._db.transaction() as s:
            rows = s.execute(
                select(
                    TherapistMessageRow.chat_id,
                    TherapistMessageRow.message_id,
                    TherapistMessageRow.sent_at,
                )
                .join(ClientRow, ClientRow.id == TherapistMessageRow.client_id)
                .where(ClientRow.code == client_code)
                .order_by(TherapistMessageRow.sent_at, TherapistMessageRow.id)
            ).all()
        return [
            QuotingMessage(chat_id, message_id, sent_at) for chat_id, message_id, sent_at in rows
        ]

    def forget(self, client_code: str) -> int:
        """Forget every recorded message of this client; returns how many records went."""
        with self._db.transaction() as s:
            theirs = select(ClientRow.id).where(ClientRow.code == client_code)
            result = s.execute(
                delete(TherapistMessageRow).where(TherapistMessageRow.client_id.in_(theirs))
            )
            assert isinstance(result, CursorResult)
            return result.rowcount
