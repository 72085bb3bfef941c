"""``alliance rotate-key``: re-encrypt every note with the first key of the setting."""

from __future__ import annotations

import argparse
import sys

from bot.cli.commands.base import Command
from bot.cli.errors import CommandError
from bot.process.settings import Settings


def _rotate_key(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.process.crypto import FernetCipher, parse_keys
    from bot.process.maintenance import rotate_key
    from core.clock import SystemClock
    from storage.cipher import CipherError
    from storage.database import Database

    keys = parse_keys(settings.encryption_keys())
    if not keys:
        raise CommandError(
            "ALLIANCE_ENCRYPTION_KEY is not set: put the new key first and the old keys "
            "after it, separated by commas"
        )
    database = Database.connect(settings.database_url, cipher=FernetCipher(keys))
    try:
        count = rotate_key(database, SystemClock().now())
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


COMMAND = Command(
    name="rotate-key",
    help="re-encrypt every note with the first key of ALLIANCE_ENCRYPTION_KEY",
    description="Re-encrypt every note with the first key of ALLIANCE_ENCRYPTION_KEY (notes "
    "stored before a key was set are encrypted too). Put the new key first and the old ones "
    "after it, separated by commas; afterwards the old keys may be dropped. One transaction: "
    "if any note cannot be opened, nothing changes. Recorded in the audit log.",
    examples=(
        "alliance rotate-key",
        'ALLIANCE_ENCRYPTION_KEY="$NEW_KEY,$OLD_KEY" alliance rotate-key',
    ),
    run=_rotate_key,
)
