"""Reading a plain clinic file straight from libyaml's events, without a node tree.

A node tree of 100,000 clients takes over 500 MB; plain data built event by event takes a
fraction of that. Only plain YAML is read this way: anything whose meaning or message the
node tree decides (tags beyond plain ones, duplicate or complex keys, merge keys, a top
level that is not a mapping, several documents, a value its tag does not fit) raises
``NotPlainError`` once the whole stream is read, so that aliases, deep nesting and repeated
anchors anywhere in it are refused first, as ``yaml_tree`` refuses them.
"""

from __future__ import annotations

import functools
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
    MAX_DEPTH,
    MISFITS,
    STR_TAG,
    Spot,
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
#: The first characters ('' for an empty scalar) for which PyYAML has implicit resolvers
#: (the project adds none): a plain scalar starting otherwise is text, as ``resolve`` finds.
_RESOLVABLE = frozenset(Resolver.yaml_implicit_resolvers)


class NotPlainError(Exception):
    """YAML this way leaves to the node tree (see the module's docstring)."""


def read_events(text: str, client: Callable[[Any], Any] | None = None) -> tuple[Where, Any]:
    """Plain data from the YAML, and where each location is in the file.

    With ``client``, each complete entry of the top-level ``clients:`` list is replaced by
    ``client(entry)`` at once, so that the plain data of 100,000 clients is never all held
    (``client`` may raise, e.g. a ValidationError: the caller then reads again without).
    """
    plain = _Plain(client)
    handlers: dict[type, Callable[[Any], None]] = {
        ScalarEvent: plain.scalar,
        MappingStartEvent: plain.collection,
        SequenceStartEvent: plain.collection,
        AliasEvent: plain.alias,
        MappingEndEvent: plain.end,
        SequenceEndEvent: plain.end,
        DocumentStartEvent: plain.document,
    }
    loader = LIBYAML(text)
    try:  # get_event gives None past the end; one C call per event, no generator
        for event in iter(loader.get_event, None):
            if (handle := handlers.get(type(event))) is not None:
                handle(event)
    finally:
        loader.dispose()
    if plain.unusual or plain.documents != 1 or not isinstance(plain.root, dict):
        raise NotPlainError
    return (lambda locs: positions(_spots(text), locs)), plain.root


class _Plain:
    """The data being built: the open mappings and lists, and what is awaited in each.

    Called once per event, 1.8 million times for 100,000 clients: each step is kept short.
    """

    def __init__(self, client: Callable[[Any], Any] | None) -> None:
        self.client = client
        self.unusual = False  # something the node tree decides: NotPlainError at the end
        self.root: Any = _NO_KEY
        self.documents = 0
        self.stack: list[Any] = []  # the open mappings and lists
        self.keys: list[Any] = []  # per open collection: the key awaiting its value
        self.seen: list[set[str]] = []  # per open collection: its keys as written, if any
        self.anchors: dict[str, int] = {}  # the anchors written so far, and their lines
        self.clients: list[Any] | None = None  # the top-level clients: list

    def document(self, _event: Any) -> None:
        self.documents += 1

    def alias(self, event: Any) -> None:
        refuse(event, len(self.stack), self.anchors)  # always refused

    def scalar(self, event: Any) -> None:
        """A scalar: a key, awaiting its value, or a value."""
        stack = self.stack
        if event.anchor is not None or len(stack) >= MAX_DEPTH:
            refuse(event, len(stack), self.anchors)
        if stack and self.keys[-1] is _NO_KEY and isinstance(stack[-1], dict):
            text = event.value
            seen = self.seen[-1]
            if text in seen:  # a duplicate key: the node tree reports it, with both lines
                self.unusual = True
            seen.add(text)
            self.keys[-1] = self._scalar(event, True)
            return
        value = self._scalar(event, False)
        self._add(value)
        clients = self.clients
        if stack and stack[-1] is clients and self.client and not self.unusual:
            clients[-1] = self.client(value)

    def collection(self, event: Any) -> None:
        """The start of a mapping or a list."""
        stack = self.stack
        if event.anchor is not None or len(stack) >= MAX_DEPTH:
            refuse(event, len(stack), self.anchors)
        if stack and self.keys[-1] is _NO_KEY and isinstance(stack[-1], dict):
            self.unusual = True  # a complex key
        if event.tag not in (None, "!"):
            self.unusual = True
        value: Any = {} if type(event) is MappingStartEvent else []
        if len(stack) == 1 and self.keys[-1] == "clients" and isinstance(value, list):
            self.clients = value
        self._add(value)
        stack.append(value)
        self.keys.append(_NO_KEY)
        self.seen.append(set())

    def _add(self, value: Any) -> None:
        """Put a value in the open collection (or make it the root)."""
        stack = self.stack
        if not stack:
            self.root = value
        elif isinstance(top := stack[-1], list):
            top.append(value)
        else:
            keys = self.keys
            top[keys[-1]] = value
            keys[-1] = _NO_KEY

    def end(self, _event: Any) -> None:
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
        text: str = event.value
        if tag in (None, "!"):
            # Only a plain scalar is resolved, by the resolvers for its first character.
            if not event.implicit[0] or text[:1] not in _RESOLVABLE:
                return text
            tag = _plain_tag(text)
        if tag == STR_TAG or (not is_key and stays_text(tag, text)):
            return text
        construct = _SCALARS.get(tag)
        try:
            if construct is not None:
                return construct(_CONSTRUCTOR, ScalarNode(tag, text))
        except MISFITS:
            pass
        self.unusual = True  # other tags, merge keys, dates as keys, a misfit value
        return None


@functools.lru_cache(maxsize=4096)  # keys and the few values that repeat: "time", "tue", ...
def _plain_tag(text: str) -> str:
    """The tag PyYAML resolves a plain scalar with this text to."""
    tag: str = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


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
