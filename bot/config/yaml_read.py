"""Which way a clinic file's YAML is read: from libyaml's events, or as a node tree.

Both ways follow the same rules (``yaml_rules``) and give the same data and positions; they
differ in cost and, for broken YAML, in the wording of the parser's message. A plain file is
read from events whenever libyaml is there (fast, little memory). Anything else is read
as a node tree: for a file up to ``EXACT_BYTES`` by PyYAML's pure-Python loader, whose
messages are the reference, and beyond that by libyaml, whose messages are its own.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import yaml

from bot.config import yaml_events
from bot.config.problems import Where, fail
from bot.config.yaml_rules import yaml_problem
from bot.config.yaml_tree import CLINIC_TOP, TreeLoader, read_tree

EXACT_BYTES = 1024 * 1024
"""Up to this size, YAML that is not plain is read by the pure-Python loader."""


class Way(Enum):
    """A way to force, where the size of the file would otherwise choose (tests compare them)."""

    TREE = "tree"
    """PyYAML's pure-Python node tree only: the way of small files that are not plain."""
    EVENTS = "events"
    """libyaml: events, and its node tree for what is not plain: the way of large files."""


def read_yaml(
    file: str,
    text: str,
    client: Callable[[Any], Any] | None = None,
    way: Way | None = None,
    top: str = CLINIC_TOP,
) -> tuple[Where, Any]:
    """Plain data from the YAML, and where each location is in the file.

    ``client`` is applied to each entry of ``clients:`` when the file is read from events
    (see ``yaml_events.read_events``). ``way`` forces a way; without libyaml it is the tree.
    ``top`` says what the top-level mapping holds, for a file without one.
    """
    if yaml_events.LIBYAML is None or way is Way.TREE:
        return read_tree(file, text, TreeLoader, top)
    large = way is Way.EVENTS or len(text) > EXACT_BYTES
    try:
        return yaml_events.read_events(text, client)
    except yaml_events.NotPlainError:
        if large:
            return read_tree(file, text, yaml_events.LIBYAML, top)
    except yaml.YAMLError as exc:
        if large:
            raise fail(file, *yaml_problem(exc, text)) from None
    return read_tree(file, text, TreeLoader, top)


def decode(file: str, raw: bytes) -> str:
    """A file's content as text, refusing one that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(file, "not UTF-8 text; save the file with UTF-8 encoding", line) from None
