"""Reading a clinic file's YAML as a node tree, with all of PyYAML's safe constructors.

This is the reference way: every tag, merge key and odd file gets PyYAML's meaning and, with
the pure-Python ``TreeLoader``, its messages. ``yaml_events`` reads plain files faster and
leaves everything else to this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config.problems import ClinicConfigError, ConfigProblem, Where, fail
from bot.config.yaml_rules import (
    MISFITS,
    MISTAGGED,
    STR_TAG,
    Spot,
    duplicate_key,
    position,
    positions,
    refuse,
    stays_text,
    yaml_problem,
)
from core.clinic_checks import Loc, format_loc


class TreeLoader(yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader, refusing aliases and deep nesting as it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.anchor_lines: dict[str, int] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        refuse(event, self.depth, self.anchor_lines)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


CLINIC_TOP = "'clinic:', 'therapists:' and 'clients:'"
"""What the top level of a clinic file holds, for the messages about one that does not."""


def read_tree(file: str, text: str, loader_class: Any, top: str = CLINIC_TOP) -> tuple[Where, Any]:
    """Plain data from the YAML, and where each location is in the file.

    ``loader_class`` is ``TreeLoader``, or libyaml's ``CSafeLoader`` for a large file whose
    events ``yaml_events`` has already read (and so refused aliases and deep nesting in).
    ``top`` says what the top-level mapping holds, for a file without one.
    """
    try:
        loader = loader_class(text)
        try:
            root = _checked_root(file, loader, top)
            try:
                data = loader.construct_document(root)
            except MISFITS:
                raise fail(file, MISTAGGED) from None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise fail(file, *yaml_problem(exc, text)) from None
    return (lambda locs: positions(_spots(root), locs)), data


def _checked_root(file: str, loader: Any, top: str) -> MappingNode:
    """The document's top-level mapping, its duplicate keys refused and its times kept text."""
    root = loader.get_single_node()
    if root is None:
        raise fail(file, f"file is empty; expected {top}")
    if not isinstance(root, MappingNode):
        raise fail(file, f"expected {top} at the top level", position(root.start_mark)[0])
    duplicates: list[ConfigProblem] = []
    _check_nodes(file, root, (), duplicates)
    if duplicates:
        raise ClinicConfigError(duplicates)
    return root


def _check_nodes(file: str, node: Node, loc: Loc, found: list[ConfigProblem]) -> None:
    """Collect duplicate keys below ``node`` and retag values that stay text as text."""
    if isinstance(node, ScalarNode):
        if stays_text(node.tag, node.value):
            node.tag = STR_TAG
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _check_nodes(file, item, (*loc, i), found)
    elif isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            line = position(key.start_mark)[0]
            message = duplicate_key(first, name, line)
            written = "?" if name is None else name  # a complex key has no name
            if message is not None:
                found.append(ConfigProblem(file, format_loc((*loc, written)), line, message))
            _check_nodes(file, value, (*loc, written), found)


def _spots(node: Node, path: tuple[str, ...] = ()) -> Iterator[Spot]:
    """Every node's spot (see ``yaml_rules.Spot``), the root first."""
    if not path:
        yield (), False, position(node.start_mark)
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                yield (*path, key.value), False, position(key.start_mark)
                yield from _spots(value, (*path, key.value))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield (*path, str(i)), True, position(item.start_mark)
            yield from _spots(item, (*path, str(i)))
