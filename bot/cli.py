"""The ``alliance`` command: run the bot, check a config, invite people, export, demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.clinic_config import ClinicConfigError, load_clinic_config, summarize
from bot.errors import CommandError
from bot.settings import MissingSettingError, Settings
from core.clinic import ClinicConfig

EPILOG = """examples:
  alliance check-config clinic.yaml
  alliance invite C101
  alliance run
  alliance export --format csv --output answers.csv
  alliance keygen
  alliance rotate-key
  alliance purge --dry-run
  alliance demo

Settings come from the environment or .env: ALLIANCE_BOT_TOKEN, ALLIANCE_DATABASE_URL,
ALLIANCE_CLINIC_CONFIG, ALLIANCE_TELEGRAM_API_URL, ALLIANCE_TICK_SECONDS,
ALLIANCE_ENCRYPTION_KEY."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance",
        description="Alliance check-ins: a Telegram bot that keeps the therapeutic alliance "
        "visible between sessions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the bot (long polling) and the scheduler")
    check = commands.add_parser("check-config", help="validate a clinic config file")
    check.add_argument("path", nargs="?", help="the file (default: ALLIANCE_CLINIC_CONFIG)")
    invite = commands.add_parser("invite", help="print a single-use enrolment link for a code")
    invite.add_argument("code", help="a client or therapist code from the clinic config")
    export = commands.add_parser("export", help="export answers and notes")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument(
        "--include-private-notes",
        action="store_true",
        help="include the text of notes clients kept private (for a client's own request)",
    )
    commands.add_parser("keygen", help="print a new encryption key for ALLIANCE_ENCRYPTION_KEY")
    commands.add_parser(
        "rotate-key",
        help="re-encrypt every note with the first key of ALLIANCE_ENCRYPTION_KEY",
    )
    purge = commands.add_parser(
        "purge", help="erase answers and notes older than the config's retention_months"
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    commands.add_parser("demo", help="run an offline demo against the local Telegram sandbox")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CommandError as error:
        print(f"alliance: {error}", file=sys.stderr)
        return 1
    except MissingSettingError as error:
        print(f"alliance: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.command == "check-config":
        return _check_config(Path(args.path) if args.path else settings.clinic_config)
    if args.command == "run":
        from bot.runner import run

        run(settings, _config(settings.clinic_config))
        return 0
    if args.command == "invite":
        from bot.invites import invite_link

        config = _config(settings.clinic_config)
        link, note = asyncio.run(invite_link(settings, config, args.code))
        print(link)
        print(note, file=sys.stderr)
        return 0
    if args.command == "export":
        return _export(settings, args.output, args.include_private_notes)
    if args.command in ("keygen", "rotate-key", "purge"):
        from bot.cli_privacy import keygen, purge, rotate_key

        if args.command == "keygen":
            return keygen()
        if args.command == "rotate-key":
            return rotate_key(settings)
        return purge(settings, _config(settings.clinic_config), dry_run=args.dry_run)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo()
    raise AssertionError(args.command)


def _config(path: Path) -> ClinicConfig:
    try:
        return load_clinic_config(path)
    except ClinicConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise CommandError(f"{path}: the clinic config is not valid (see above)") from None


def _check_config(path: Path) -> int:
    try:
        config = load_clinic_config(path)
    except ClinicConfigError as error:
        for problem in error.problems:
            print(problem)
        count = len(error.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''} found.")
        return 1
    print(f"{path} is valid: {summarize(config)}")
    return 0


def _export(settings: Settings, output: Path | None, include_private: bool) -> int:
    from bot.cli_privacy import audit_export, reading_cipher
    from bot.export import write_csv
    from storage.cipher import CipherError
    from storage.database import Database

    database = Database.connect(settings.database_url, cipher=reading_cipher(settings))
    try:
        if output is None:
            write_csv(database, sys.stdout, include_private_notes=include_private)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                rows = write_csv(database, handle, include_private_notes=include_private)
            print(f"Wrote {rows} rows to {output}.", file=sys.stderr)
        audit_export(database, include_private)
        return 0
    except CipherError as error:
        raise CommandError(f"export stopped: {error}") from None
    finally:
        database.close()


if __name__ == "__main__":
    sys.exit(main())
