"""Engine creation, and the column types it needs: UTC datetimes and sealed text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, Engine, Text, Update, create_engine, event, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage.cipher import PlaintextCipher, TextCipher

T = TypeVar("T")
#: The cipher of each engine's dialect; set once when the database is opened.
_CIPHERS: WeakKeyDictionary[Dialect, TextCipher] = WeakKeyDictionary()
_PLAIN = PlaintextCipher()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite hands back naive values; this type re-attaches UTC so no naive datetime ever
    leaves storage, and refuses naive values going in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store every instant in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return every instant as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class SealedText(TypeDecorator[str]):
    """Free text encrypted on its way into the database and decrypted on its way out.

    Every query and repository sees plaintext; the column only ever holds what the
    engine's cipher made of it (``use_cipher``). Without a cipher, text is stored as is.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt text going in."""
        return None if value is None else _CIPHERS.get(dialect, _PLAIN).seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt text coming out."""
        return None if value is None else _CIPHERS.get(dialect, _PLAIN).open(value)


def use_cipher(engine: Engine, cipher: TextCipher) -> None:
    """Encrypt every ``SealedText`` column of ``engine`` with ``cipher`` from now on."""
    _CIPHERS[engine.dialect] = cipher


def update_rows(table: type[T]) -> Update:
    """An UPDATE of ``table`` that skips the ORM's in-session synchronisation.

    Sessions here are short and never hold the rows being updated, so evaluating the
    WHERE clause against loaded objects (the ORM default) is pure overhead.
    """
    return update(table).execution_options(synchronize_session=False)


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` (and ``postgres://``) URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
