"""Helpers several commands share: loading the clinic config, parsing dates, reading notes."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.cli.errors import CommandError
from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from storage.cipher import TextCipher


def load_config(path: Path) -> ClinicConfig:
    """The clinic config, or every problem on stderr and a command error."""
    try:
        return load_clinic_config(path)
    except ClinicConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise CommandError(f"{path}: the clinic config is not valid (see above)") from None


def iso_date(text: str) -> date:
    """An argparse type: a calendar date written ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def reading_cipher(settings: Settings) -> TextCipher:
    """The cipher to read notes with: the keys of ALLIANCE_ENCRYPTION_KEY, else plaintext only.

    Without a key, an encrypted note stops the command with ``CipherError``.
    """
    from bot.process.crypto import FernetCipher, parse_keys
    from storage.cipher import PlaintextCipher

    keys = parse_keys(settings.encryption_keys())
    return FernetCipher(keys) if keys else PlaintextCipher()
