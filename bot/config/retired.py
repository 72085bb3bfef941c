"""Retired codes in a clinic file: refused by ``check-config`` and at start-up, with lines.

A retired code (``alliance retire``) is never used again, not even by a new person: a code
in the file is a promise that it means the same person as before. So a retired code that
reappears in the file is a mistake to fix in the file (give the new person a new code).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.errors import CommandError
from bot.config.problems import ConfigProblem
from bot.config.yaml_read import read_yaml
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clinic_checks import Loc, format_loc
from storage.database import Database
from storage.people import People
from storage.tables import RetiredCodeRow

_MESSAGE = (
    "{code} was retired (alliance retire) and is never used again, not even for a new "
    "person; give this person a new code"
)


def retired_problems(path: Path, config: ClinicConfig, retired: set[str]) -> list[ConfigProblem]:
    """A problem with file and line for each use of a retired code as a person's code."""
    locs: list[tuple[Loc, str]] = [
        (("therapists", i, "code"), t.code)
        for i, t in enumerate(config.therapists)
        if t.code in retired
    ]
    locs += [
        (("clients", i, "code"), c.code) for i, c in enumerate(config.clients) if c.code in retired
    ]
    if not locs:
        return []
    file = os.fspath(path)
    where, _data = read_yaml(file, path.read_text(encoding="utf-8-sig"))
    lines = where([loc for loc, _ in locs])
    return [
        ConfigProblem(file, format_loc(loc), line, _MESSAGE.format(code=code))
        for (loc, code), (line, _column) in zip(locs, lines, strict=True)
    ]


def refuse_retired(path: Path, config: ClinicConfig, people: People) -> None:
    """Stop with every retired code in the file (as ``check-config`` prints them)."""
    codes = {t.code for t in config.therapists} | {c.code for c in config.clients}
    problems = retired_problems(path, config, people.retired_codes() & codes)
    if problems:
        raise CommandError(
            "\n".join(str(p) for p in problems) + f"\n{path}: retired codes in the clinic config"
        )


def stored_retired_codes(database_url: str) -> set[str] | str:
    """The retired codes of an existing database, or why they could not be read.

    Nothing is created or upgraded: ``check-config`` only looks.
    """
    try:
        url = make_url(database_url)
    except (SQLAlchemyError, ValueError) as error:
        return f"the database URL cannot be read ({type(error).__name__})"
    file = url.database or ""
    on_disk = url.get_backend_name() == "sqlite" and file not in ("", ":memory:")
    if on_disk and not Path(file).exists():
        return f"there is no database at {file} yet"
    try:
        database = Database.connect(database_url, upgrade=False)
    except (SQLAlchemyError, ValueError, ImportError) as error:
        return f"the database could not be opened ({type(error).__name__})"
    try:
        if not inspect(database.engine).has_table(RetiredCodeRow.__tablename__):
            return "the database schema is older than retired codes (run alliance db upgrade)"
        return People(database).retired_codes()
    except SQLAlchemyError as error:
        return f"the database could not be read ({type(error).__name__})"
    finally:
        database.close()


def refuse_retired_at_start(settings: Settings, config: ClinicConfig) -> None:
    """``alliance run`` and ``sync``: stop before anything starts if the file uses a retired
    code (the database is opened, and upgraded, as the command itself would)."""
    database = Database.connect(settings.database_url)
    try:
        refuse_retired(settings.clinic_config, config, People(database))
    finally:
        database.close()
