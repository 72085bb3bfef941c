"""Questionnaires a clinic file names by ``file:``, read next to it under the same rules.

A clinic keeps a licensed instrument's wording in a file of its own (outside version
control, say) and names it in the clinic file::

    questionnaires:
      - file: instruments/wai-sr.yaml

The file holds one questionnaire, written as it would be inline. It is read like the clinic
file (``yaml_read``: no aliases, limited nesting, ``15:00`` stays text, no key written
twice, a size limit), and its content replaces the entry before validation, so a problem
inside it is reported with that file's name, line and field (``problems.Part``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config.problems import ClinicConfigError, ConfigProblem, Part, Where
from bot.config.yaml_read import Way, decode, read_yaml
from core.clinic_checks import Loc, format_loc

MAX_QUESTIONNAIRE_BYTES = 1024 * 1024
"""Larger questionnaire files are refused: twelve items in three languages take a few KB."""

QUESTIONNAIRE_TOP = "a questionnaire: 'key:', 'title:', 'scale:' and 'items:'"

_LAST_READ: dict[str, tuple[tuple[str, str], ...]] = {}
"""Per clinic file (absolute path), the questionnaire files its last valid load read."""


@dataclass(frozen=True)
class Included(Part):
    """A questionnaire file read in place of an entry; ``digest`` is its SHA-256."""

    digest: str


def include_questionnaires(
    file: str, data: Any, where: Where, read: Callable[[str], bytes], way: Way | None = None
) -> tuple[list[Included], list[ConfigProblem]]:
    """Replace each ``{file: path}`` entry of ``questionnaires:`` by that file's content.

    ``path`` is relative to the folder of ``file``, and ``read`` reads it (the loader's way,
    with the size limit of ``MAX_QUESTIONNAIRE_BYTES``); ``data`` is changed in place.
    Returns the files read, and a problem for each that could not be read or is not YAML as
    these rules allow (the entry is then left as it is).
    """
    entries = data.get("questionnaires") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], []
    indexes = [i for i, entry in enumerate(entries) if _names_a_file(entry)]
    locs: list[Loc] = [("questionnaires", i, "file") for i in indexes]
    included: list[Included] = []
    problems: list[ConfigProblem] = []
    for i, loc, (line, _) in zip(indexes, locs, where(locs), strict=True):
        written = entries[i]["file"]
        path = os.path.normpath(os.path.join(os.path.dirname(file), written))
        try:
            raw = read(path)
        except ClinicConfigError as error:  # about the path: said where the path is written
            text = f"questionnaire file {written!r} (read next to this file): "
            message = text + error.problems[0].message
            problems.append(ConfigProblem(file, format_loc(loc), line, message))
            continue
        try:
            content, part_where = _content(path, raw, way)
        except ClinicConfigError as error:  # inside the file: said there
            problems += error.problems
            continue
        entries[i] = content
        digest = hashlib.sha256(raw).hexdigest()
        included.append(Included(("questionnaires", i), path, part_where, digest))
    return included, problems


def _content(path: str, raw: bytes, way: Way | None) -> tuple[Any, Where]:
    """The questionnaire a file holds, as plain data, and where each location is in it."""
    part_where, content = read_yaml(path, decode(path, raw), way=way, top=QUESTIONNAIRE_TOP)
    if isinstance(content, dict) and "file" in content:
        text = "a questionnaire file names no other file: write the questionnaire here"
        raise ClinicConfigError([ConfigProblem(path, "file", part_where([("file",)])[0][0], text)])
    return content, part_where


def _names_a_file(entry: Any) -> bool:
    """Whether an entry is ``{file: path}`` (with anything else, validation says what)."""
    return isinstance(entry, dict) and list(entry) == ["file"] and isinstance(entry["file"], str)


def remember(file: str, included: list[Included]) -> None:
    """Note the questionnaire files a valid load of ``file`` read (see ``read_for``)."""
    _LAST_READ[os.path.abspath(file)] = tuple((os.path.abspath(i.file), i.digest) for i in included)


def read_for(file: str | os.PathLike[str]) -> tuple[tuple[str, str], ...]:
    """The questionnaire files the last valid load of ``file`` read: (path, SHA-256) each."""
    return _LAST_READ.get(os.path.abspath(file), ())
