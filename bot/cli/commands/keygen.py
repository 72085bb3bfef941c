"""``alliance keygen``: a new key for ALLIANCE_ENCRYPTION_KEY, which encrypts notes at rest."""

from __future__ import annotations

import argparse
import sys

from bot.cli.commands.base import Command
from bot.process.settings import Settings


def _keygen(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.process.crypto import new_key

    print(new_key())
    print(
        "Keep this key outside the database (a secret store, the .env file of the server). "
        "Without it the notes cannot be read.",
        file=sys.stderr,
    )
    return 0


COMMAND = Command(
    name="keygen",
    help="print a new encryption key for ALLIANCE_ENCRYPTION_KEY",
    description="Print a new Fernet key for ALLIANCE_ENCRYPTION_KEY, which encrypts notes at "
    "rest. Keep it outside the database and its backups: without it the notes cannot be "
    "read. To change keys, put the new one first and run 'alliance rotate-key'.",
    examples=("alliance keygen",),
    run=_keygen,
)
