"""``alliance keygen``, ``rotate-key`` and ``purge``, and what ``export`` needs for notes."""

from __future__ import annotations

import getpass
import sys

from bot.crypto import FernetCipher, new_key, parse_keys
from bot.errors import CommandError
from bot.maintenance import purge as purge_old
from bot.maintenance import rotate_key as reseal
from bot.settings import Settings
from core.audit import Actor, AuditKind
from core.clinic import ClinicConfig
from core.clock import SystemClock
from storage.audit import Audit
from storage.cipher import CipherError, PlaintextCipher, TextCipher
from storage.database import Database


def operator() -> str:
    """Who runs the command, for the audit log: the login name, if the system knows it."""
    try:
        return f"by {getpass.getuser()}"
    except (KeyError, OSError):
        return "by an unknown login"


def keygen() -> int:
    """Print a new key; it goes first in ALLIANCE_ENCRYPTION_KEY."""
    print(new_key())
    print(
        "Keep this key outside the database (a secret store, the .env file of the server). "
        "Without it the notes cannot be read.",
        file=sys.stderr,
    )
    return 0


def reading_cipher(settings: Settings) -> TextCipher:
    """The cipher to read notes with: the configured keys, else plaintext only."""
    keys = parse_keys(settings.encryption_keys())
    return FernetCipher(keys) if keys else PlaintextCipher()


def rotate_key(settings: Settings) -> int:
    """Re-encrypt every note with the first key; older keys may then be dropped."""
    keys = parse_keys(settings.encryption_keys())
    if not keys:
        raise CommandError(
            "ALLIANCE_ENCRYPTION_KEY is not set: put the new key first and the old keys "
            "after it, separated by commas"
        )
    database = Database.connect(settings.database_url, cipher=FernetCipher(keys))
    try:
        count = reseal(database, SystemClock().now())
    except CipherError as error:
        raise CommandError(f"nothing was changed: {error}") from None
    finally:
        database.close()
    print(f"Re-encrypted {count} notes with the first key.", file=sys.stderr)
    if len(keys) > 1:
        print(
            "The other keys are no longer needed for notes; remove them from "
            "ALLIANCE_ENCRYPTION_KEY (keep a copy until your backups made with them expire).",
            file=sys.stderr,
        )
    return 0


def purge(settings: Settings, config: ClinicConfig, *, dry_run: bool) -> int:
    """Erase (or, with ``dry_run``, count) answers and notes past the retention period."""
    database = Database.connect(settings.database_url)
    try:
        purged = purge_old(
            database,
            config,
            SystemClock().now(),
            dry_run=dry_run,
            via="alliance purge",
            actor=Actor.CLINIC,
        )
    finally:
        database.close()
    verb = "Would erase" if dry_run else "Erased"
    months = config.privacy.retention_months
    print(f"{verb} {purged.answers} answers and {purged.notes} notes older than {months} months.")
    return 0


def audit_export(database: Database, include_private: bool) -> None:
    """Record that the clinic exported data, and whether private notes were in it."""
    Audit(database).record(
        AuditKind.EXPORTED,
        SystemClock().now(),
        actor=Actor.CLINIC,
        via="alliance export",
        detail=("with" if include_private else "without") + f" private notes, {operator()}",
    )
