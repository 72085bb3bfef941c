"""Telegram's sending budget, shared by every worker on one PostgreSQL database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class SendSlotRow(Base):
    """The next free send turn of one timeline: ``global`` (every new message, with the
    hold after a ``429`` in ``hold_until``) or one private chat (keyed by its chat id).

    The ``global`` row also keeps, in ``sent``, when the last new messages really went out
    (a window of them, oldest first), so that turns taken late never reach Telegram bunched.

    A worker reserves a turn with one atomic statement (``storage/send_budget.py``), so
    workers on one database share Telegram's limits. Rows are made on first use; chat rows
    long past are deleted. Process state, not a clinic's record: on PostgreSQL the table is
    unlogged (migration 0010: no WAL to wait for on every send), so a server crash empties
    it, which costs nothing.
    """

    __tablename__ = "send_slots"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime]
    hold_until: Mapped[datetime | None]
    sent: Mapped[list[datetime] | None] = mapped_column(
        ARRAY(DateTime(timezone=True)).with_variant(JSON(), "sqlite")
    )
