"""Load a clinic's YAML file and report every problem with its file, line and path."""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from bot.config.calendars import resolve_calendars
from bot.config.problems import ClinicConfigError, ConfigProblem, fail, validation_problems
from bot.config.yaml_read import Way, read_yaml
from core.clinic import Client, ClinicConfig
from core.clinic_checks import format_loc

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger files are refused: a bound on the memory and time one load may take.

A clinic network's file with 100,000 clients is about 9 MB, so this leaves room for several
times that, while a runaway or wrong file (a log, a database dump) is refused before parsing.
"""


def load_clinic_config(path: str | os.PathLike[str], *, way: Way | None = None) -> ClinicConfig:
    """Load and validate a clinic file, raising ClinicConfigError listing all problems.

    ``way`` forces how the YAML is read (see ``yaml_read.Way``); by default the size decides.
    """
    file = os.fspath(path)
    text = _read_text(file)
    try:
        where, data = read_yaml(file, text, Client.model_validate, way)
        lean = True
    except ValidationError:  # reported from the data as written, below
        where, data = read_yaml(file, text, None, way)
        lean = False
    calendars = resolve_calendars(file, data)
    found = [
        ConfigProblem(file, format_loc(loc), line, message)
        for (loc, message), (line, _) in zip(
            calendars, where([loc for loc, _ in calendars]), strict=True
        )
    ]
    if not found and lean:
        try:
            return _validate_client_by_client(data)
        except ValidationError:  # report from the data as written, as always
            where, data = read_yaml(file, text, None, way)
            resolve_calendars(file, data)
    try:
        config = ClinicConfig.model_validate(data)
    except ValidationError as exc:
        raise ClinicConfigError(found + validation_problems(file, where, data, exc)) from None
    if found:
        raise ClinicConfigError(found)
    return config


def _read_text(file: str) -> str:
    """The file's text, refusing a file that is missing, unreadable, too large or not UTF-8."""
    try:
        with open(file, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise fail(file, "file not found") from None
    except IsADirectoryError:
        raise fail(file, "is a directory, not a file") from None
    except PermissionError:
        raise fail(file, "not readable (permission denied)") from None
    except OSError as exc:
        raise fail(file, f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
        raise fail(file, f"file is larger than {limit}; a clinic file should be far smaller")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(file, "not UTF-8 text; save the file with UTF-8 encoding", line) from None


def _validate_client_by_client(data: Any) -> ClinicConfig:
    """``ClinicConfig.model_validate(data)``, replacing each client's data by its model first.

    So the plain data of 100,000 clients (over 100 MB) is freed while their models are
    built, instead of both being held at once. ``data`` is left changed, so on a
    ValidationError the caller reads the file again to report the problems.
    """
    clients = data.get("clients") if isinstance(data, dict) else None
    if isinstance(clients, list):
        for i, client in enumerate(clients):
            clients[i] = Client.model_validate(client)
    return ClinicConfig.model_validate(data)


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
