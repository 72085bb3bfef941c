"""Load a clinic's YAML file and report every problem with its file, line and path."""

from __future__ import annotations

import os
from functools import partial
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.config.calendars import resolve_calendars
from bot.config.includes import (
    MAX_QUESTIONNAIRE_BYTES,
    Included,
    include_questionnaires,
    remember,
)
from bot.config.problems import (
    ClinicConfigError,
    ConfigProblem,
    Where,
    fail,
    validation_problems,
)
from bot.config.yaml_read import Way, decode, read_yaml
from core.clinic import Client, ClinicConfig
from core.clinic_checks import format_loc
from core.clinic_types import sharing

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger files are refused: a bound on the memory and time one load may take.

A clinic network's file with 100,000 clients is about 9 MB, so this leaves room for several
times that, while a runaway or wrong file (a log, a database dump) is refused before parsing.
"""


#: Validates one client's entry (a record, not a model: see ``core.clinic.Client``).
_CLIENT = TypeAdapter(Client)


def load_clinic_config(path: str | os.PathLike[str], *, way: Way | None = None) -> ClinicConfig:
    """Load and validate a clinic file, raising ClinicConfigError listing all problems.

    ``way`` forces how the YAML is read (see ``yaml_read.Way``); by default the size decides.
    Questionnaire files it names are read too (see ``includes``).
    """
    file = os.fspath(path)
    text = decode(file, _read_bytes(file, MAX_FILE_BYTES, "a clinic file"))
    context = sharing()  # equal therapist codes, schedules, ... are one object each
    try:
        where, data = read_yaml(file, text, partial(_CLIENT.validate_python, context=context), way)
        lean = True
    except ValidationError:  # reported from the data as written, below
        where, data = read_yaml(file, text, None, way)
        lean = False
    found, included = _resolve_files(file, where, data, way)
    if not found and lean:
        try:
            config = _validate_client_by_client(data, context)
        except ValidationError:  # report from the data as written, as always
            where, data = read_yaml(file, text, None, way)
            found, included = _resolve_files(file, where, data, way)
        else:
            remember(file, included)
            return config
    try:
        config = ClinicConfig.model_validate(data, context=context)
    except ValidationError as exc:
        problems = validation_problems(file, where, data, exc, included)
        raise ClinicConfigError(found + problems) from None
    if found:
        raise ClinicConfigError(found)
    remember(file, included)
    return config


def _resolve_files(
    file: str, where: Where, data: Any, way: Way | None
) -> tuple[list[ConfigProblem], list[Included]]:
    """Read the questionnaire files and check the calendar files ``data`` names.

    Returns the calendars' problems and the questionnaire files read. A questionnaire file
    that cannot be read stops the load at once: without it, the config would only show
    problems that are not there (an unknown questionnaire for each client using it).
    """
    included, unread = include_questionnaires(file, data, where, _read_questionnaire, way)
    calendars = resolve_calendars(file, data)
    found = [
        ConfigProblem(file, format_loc(loc), line, message)
        for (loc, message), (line, _) in zip(
            calendars, where([loc for loc, _ in calendars]), strict=True
        )
    ]
    if unread:
        raise ClinicConfigError(found + unread)
    return found, included


def _read_questionnaire(file: str) -> bytes:
    return _read_bytes(file, MAX_QUESTIONNAIRE_BYTES, "a questionnaire file")


def _read_bytes(file: str, limit: int, kind: str) -> bytes:
    """The file's content, refusing a file that is missing, unreadable or over ``limit``."""
    try:
        with open(file, "rb") as stream:
            raw = stream.read(limit + 1)
    except FileNotFoundError:
        raise fail(file, "file not found") from None
    except IsADirectoryError:
        raise fail(file, "is a directory, not a file") from None
    except PermissionError:
        raise fail(file, "not readable (permission denied)") from None
    except OSError as exc:
        raise fail(file, f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > limit:
        size = f"{limit // (1024 * 1024)} MiB"
        raise fail(file, f"file is larger than {size}; {kind} should be far smaller")
    return raw


def _validate_client_by_client(data: Any, context: dict[str, Any]) -> ClinicConfig:
    """``ClinicConfig.model_validate(data)``, replacing each client's data by its record first.

    So the plain data of 100,000 clients (over 100 MB) is freed while their records are
    built, instead of both being held at once. ``data`` is left changed, so on a
    ValidationError the caller reads the file again to report the problems.
    """
    clients = data.get("clients") if isinstance(data, dict) else None
    if isinstance(clients, list):
        for i, client in enumerate(clients):
            clients[i] = _CLIENT.validate_python(client, context=context)
    return ClinicConfig.model_validate(data, context=context)


def summarize(config: ClinicConfig) -> str:
    """One-line summary of a valid config."""
    counts = {
        "therapist": len(config.therapists),
        "client": len(config.clients),
        "weekly session": sum(len(c.sessions.weekly) for c in config.clients),
        "one-off session": sum(len(c.sessions.dates) for c in config.clients),
    }
    text = ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for noun, n in counts.items())
    settings = config.clinic
    return f"{settings.name} ({settings.timezone}, {settings.language}): {text}."
