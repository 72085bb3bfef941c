"""The rules both ways of reading a clinic file's YAML follow, each written once here.

The file is read either as a node tree (``yaml_tree``) or straight from libyaml's events
(``yaml_events``); both call these, so that a file gives the same data, the same positions
and the same refusals whichever way it is read:

- an alias (``*name``) is refused, which defuses alias bombs, and so an anchor (``&name``)
  names nothing: it is ignored, but refused when written twice (``refuse``);
- nesting deeper than ``MAX_DEPTH`` is refused (``refuse``);
- a plain ``15:00`` (YAML 1.1 reads 900) and a date stay text (``stays_text``);
- a key written twice in one mapping is a problem naming both lines (``duplicate_key``;
  ``yaml_events`` only notes such a file and leaves it to the node tree);
- a value its tag does not fit (``!!int x``) is one clear problem (``MISFITS``);
- a location's position is its deepest node in the file, a mapping key standing for its
  value (``positions``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from core.clinic_checks import Loc

MAX_DEPTH = 32
"""Collections nested deeper than this are refused: a bound on the composer's recursion."""

ALIAS = "YAML aliases (*name) are not allowed; repeat the value instead"
TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels)"
MISTAGGED = "a value does not fit its YAML tag (such as !!int); write the value without the tag"
STR_TAG = "tag:yaml.org,2002:str"

MISFITS = (ValueError, KeyError)
"""What PyYAML's constructors raise for a value its tag does not fit: ``int('x')`` for
``!!int x``, a failed lookup in the table of yes/no words for ``!!bool x``."""

Position = tuple[int, int]
"""(line from 1, column from 0)."""

Spot = tuple[tuple[str, ...], bool, Position]
"""A node below the root: its path as written, whether it is a list item, where it starts.

The path of a mapping's value is its key's, and its position the key's: the key stands
for its value. The root is the spot with the empty path.
"""


class Refused(yaml.MarkedYAMLError):
    """YAML this loader refuses on purpose; ``problem`` is the whole message."""


def refuse(event: Any, depth: int, anchors: dict[str, int]) -> None:
    """Refuse an alias, a node with ``depth`` collections already open around it, or an
    anchor written before (``anchors`` maps those seen so far to their lines)."""
    mark: Any = event.start_mark  # PyYAML's or libyaml's
    if isinstance(event, yaml.AliasEvent):
        raise Refused(None, None, ALIAS, mark)
    if depth >= MAX_DEPTH:
        raise Refused(None, None, TOO_DEEP, mark)
    anchor = event.anchor
    if anchor is not None:
        if anchor in anchors:
            message = f"anchor &{anchor} is written twice (first on line {anchors[anchor]}); "
            raise Refused(None, None, message + "remove the anchors", mark)
        anchors[anchor] = position(mark)[0]


def stays_text(tag: str, value: str) -> bool:
    """Whether a scalar that is a value (never a key) keeps its text despite its tag.

    ``15:00`` resolves to a base-60 int (900) and ``2026-11-24`` to a date; both stay text,
    so a time reads as written and an impossible date is reported like any other bad value.
    """
    return tag.endswith("timestamp") or (tag.endswith(("int", "float")) and ":" in value)


def duplicate_key(first: dict[str, int], key: str | None, line: int) -> str | None:
    """The problem with ``key`` on ``line`` if its mapping has it already, else None.

    ``first`` maps the keys seen so far in the mapping, as written, to their lines; a key
    that is a collection (``key`` None) is never a duplicate here.
    """
    if key is None:
        return None
    if key in first:
        return f"duplicate key {key!r} (first on line {first[key]})"
    first[key] = line
    return None


def position(mark: Any) -> Position:
    """A PyYAML or libyaml mark as (line from 1, column from 0)."""
    return int(mark.line) + 1, int(mark.column)


def positions(spots: Iterable[Spot], locs: list[Loc]) -> list[Position]:
    """The position of each location, from every spot of the document.

    A location's position is its longest prefix found in the file: a key is matched by its
    text (so ``1:`` matches 1 or "1"), a list item only by an int; of two equal keys the
    last counts, as it does in the data.
    """
    if not locs:
        return []
    keys: set[tuple[str, ...]] = set()
    items: set[tuple[str, ...]] = set()
    for loc in locs:
        written = tuple(str(part) for part in loc)
        for n in range(1, len(loc) + 1):
            keys.add(written[:n])
            if isinstance(loc[n - 1], int):
                items.add(written[:n])
    found: dict[tuple[str, ...], Position] = {}
    for path, is_item, at in spots:
        if not path or path in (items if is_item else keys):
            found[path] = at
    result = []
    for loc in locs:
        written = tuple(str(part) for part in loc)
        n = len(written)
        while n and written[:n] not in found:
            n -= 1
        result.append(found.get(written[:n], (1, 0)))
    return result


def yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[str, int | None]:
    """The message and line of a YAML error, as a clinic file's problem."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if isinstance(exc, Refused):
            return str(exc.problem), line
        context = f" ({exc.context})" if exc.context else ""
        return f"invalid YAML: {exc.problem}{context}", line
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return f"invalid YAML: control character #x{char:02x} is not allowed", line
    return f"invalid YAML: {exc}", None
