"""One handle on the database: the engine, short transactions, and schema upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import migrate
from storage.cipher import TextCipher
from storage.engine import make_engine, use_cipher


class Database:
    """The engine and a session factory; every unit of work is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(
        cls, url: str, *, upgrade: bool = True, cipher: TextCipher | None = None
    ) -> Database:
        """Open ``url`` and, unless told otherwise, bring its schema up to date.

        ``cipher`` encrypts notes at rest; without one they are stored as plaintext, which
        the bot allows only when the clinic config says so (``bot/process/crypto.py``).
        """
        engine = make_engine(url)
        if cipher is not None:
            use_cipher(engine, cipher)
        database = cls(engine)
        if upgrade:
            migrate.upgrade(database.engine)
        return database

    @property
    def is_postgresql(self) -> bool:
        """Whether row locks with SKIP LOCKED are available."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A Core connection in a transaction, for hot paths that need no ORM session."""
        with self.engine.begin() as connection:
            yield connection

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
