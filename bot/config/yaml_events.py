"""Reading a plain clinic file straight from libyaml's events, without a node tree.

A node tree of 100,000 clients takes over 500 MB; plain data built event by event takes a
fraction of that. Only plain YAML is read this way: anything whose meaning or message the
node tree decides (tags beyond plain ones, duplicate or complex keys, merge keys, a top
level that is not a mapping, several documents, a value its tag does not fit) raises
``NotPlainError`` once the whole stream is read, so that aliases, deep nesting and repeated
anchors anywhere in it are refused first, as ``yaml_tree`` refuses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from bot.config.problems import Where
from bot.config.yaml_rules import (
    MISFITS,
    STR_TAG,
    Spot,
    duplicate_key,
    position,
    positions,
    refuse,
    stays_text,
)

LIBYAML: Any = getattr(yaml, "CSafeLoader", None)
"""libyaml's loader; None when PyYAML was built without it (then only the tree way reads)."""

_NODES = (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent)
_ENDS = (MappingEndEvent, SequenceEndEvent)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_SCALARS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
}
_NO_KEY = object()


class NotPlainError(Exception):
    """YAML this way leaves to the node tree (see the module's docstring)."""


def read_events(text: str, client: Callable[[Any], Any] | None = None) -> tuple[Where, Any]:
    """Plain data from the YAML, and where each location is in the file.

    With ``client``, each complete entry of the top-level ``clients:`` list is replaced by
    ``client(entry)`` at once, so that the plain data of 100,000 clients is never all held
    (``client`` may raise, e.g. a ValidationError: the caller then reads again without).
    """
    plain = _Plain(client)
    for event in yaml.parse(text, Loader=LIBYAML):
        if isinstance(event, _NODES):
            plain.node(event)
        elif isinstance(event, _ENDS):
            plain.end()
        elif isinstance(event, DocumentStartEvent):
            plain.documents += 1
    if plain.unusual or plain.documents != 1 or not isinstance(plain.root, dict):
        raise NotPlainError
    return (lambda locs: positions(_spots(text), locs)), plain.root


class _Plain:
    """The data being built: the open mappings and lists, and what is awaited in each."""

    def __init__(self, client: Callable[[Any], Any] | None) -> None:
        self.client = client
        self.unusual = False  # something the node tree decides: NotPlainError at the end
        self.root: Any = _NO_KEY
        self.documents = 0
        self.stack: list[Any] = []  # the open mappings and lists
        self.keys: list[Any] = []  # per open collection: the key awaiting its value
        self.seen: list[dict[str, int]] = []  # per open collection: keys as written, lines
        self.anchors: dict[str, int] = {}  # the anchors written so far, and their lines
        self.clients: list[Any] | None = None  # the top-level clients: list

    def node(self, event: Any) -> None:
        """A scalar, or the start of a mapping or a list (an alias is refused)."""
        refuse(event, len(self.stack), self.anchors)
        scalar = isinstance(event, ScalarEvent)
        stack = self.stack
        is_key = bool(stack) and isinstance(stack[-1], dict) and self.keys[-1] is _NO_KEY
        if scalar:
            value = self._scalar(event, is_key)
            if is_key:
                line = position(event.start_mark)[0]
                self.unusual |= duplicate_key(self.seen[-1], event.value, line) is not None
                self.keys[-1] = value
                return
        else:
            self.unusual |= is_key or event.tag not in (None, "!")  # a complex key, a tag
            value = {} if isinstance(event, MappingStartEvent) else []
        if not stack:
            self.root = value
        elif isinstance(stack[-1], list):
            stack[-1].append(value)
            clients = self.clients
            if scalar and stack[-1] is clients and self.client and not self.unusual:
                clients[-1] = self.client(value)
        else:
            if len(stack) == 1 and self.keys[-1] == "clients" and isinstance(value, list):
                self.clients = value
            stack[-1][self.keys[-1]] = value
            self.keys[-1] = _NO_KEY
        if not scalar:
            stack.append(value)
            self.keys.append(_NO_KEY)
            self.seen.append({})

    def end(self) -> None:
        """The end of a mapping or list; a complete client is handed to ``client``."""
        self.stack.pop()
        self.keys.pop()
        self.seen.pop()
        clients = self.clients
        if self.stack and self.stack[-1] is clients and self.client and not self.unusual:
            clients[-1] = self.client(clients[-1])

    def _scalar(self, event: Any, is_key: bool) -> Any:
        """A scalar's value as the tree way makes it (None once the file is unusual)."""
        if self.unusual:
            return None
        tag: str = event.tag
        if tag in (None, "!"):
            tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag == STR_TAG or (not is_key and stays_text(tag, event.value)):
            return event.value
        construct = _SCALARS.get(tag)
        try:
            if construct is not None:
                return construct(_CONSTRUCTOR, ScalarNode(tag, event.value))
        except MISFITS:
            pass
        self.unusual = True  # other tags, merge keys, dates as keys, a misfit value
        return None


def _spots(text: str) -> Iterator[Spot]:
    """Every node's spot (see ``yaml_rules.Spot``), from one more pass over the events."""
    # per open collection: [its path or None, is a list, next index, key path awaiting value]
    frames: list[list[Any]] = []
    for event in yaml.parse(text, Loader=LIBYAML):
        if isinstance(event, _ENDS):
            frames.pop()
            continue
        if not isinstance(event, _NODES):
            continue
        at = position(event.start_mark)
        path: tuple[str, ...] | None = None
        frame = frames[-1] if frames else None
        if frame is None:
            path = ()
            yield path, False, at
        elif frame[0] is None:
            pass  # inside a complex key
        elif frame[1]:
            path = (*frame[0], str(frame[2]))
            frame[2] += 1
            yield path, True, at
        elif frame[3] is None:  # a key: it stands for its value
            key: tuple[str, ...] = (
                (*frame[0], event.value) if isinstance(event, ScalarEvent) else ()
            )
            frame[3] = key  # () for a complex key: nothing below it is wanted
            if key:
                yield key, False, at
        else:
            path = frame[3] or None
            frame[3] = None
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            frames.append([path, isinstance(event, SequenceStartEvent), 0, None])
