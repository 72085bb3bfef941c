"""Load a clinic's YAML file and report every problem with its file, line and path."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
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
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from bot.config_calendars import resolve_calendars
from bot.config_messages import problem_message
from core.clinic import Client, ClinicConfig, ClinicSettings, Therapist
from core.clinic_checks import ConfigIssue, CrossFieldError, Loc, cross_field_issues, format_loc

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger files are refused: a bound on the memory and time one load may take.

A clinic network's file with 100,000 clients is about 9 MB, so this leaves room for several
times that, while a runaway or wrong file (a log, a database dump) is refused before parsing.
"""

_EXACT_BYTES = 1024 * 1024
"""Up to this size, odd YAML (tags, duplicate keys, syntax errors) goes through the
pure-Python loader, whose messages are the reference; larger files get libyaml's own."""

_CLoader: Any = getattr(yaml, "CSafeLoader", None)  # libyaml; None when PyYAML lacks it

_MAX_DEPTH = 32
_TOO_DEEP = f"nested too deeply (more than {_MAX_DEPTH} levels)"
_STR_TAG = "tag:yaml.org,2002:str"
_MISTAGGED = "a value does not fit its YAML tag (such as !!int); write the value without the tag"


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a clinic file; ``path`` is empty for whole-file problems."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ClinicConfigError(Exception):
    """The clinic file is unusable; ``problems`` lists every problem found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Refused(yaml.MarkedYAMLError):
    """YAML this loader refuses on purpose; ``problem`` is the whole message."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases (so no alias bombs) and with a nesting limit."""

    depth = 0

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        if self.flow_level >= _MAX_DEPTH:  # deep flow nesting makes PyYAML quadratic
            raise _Refused(None, None, _TOO_DEEP, self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            message = "YAML aliases (*name) are not allowed; repeat the value instead"
            raise _Refused(None, None, message, event.start_mark)
        if self.depth >= _MAX_DEPTH:
            raise _Refused(None, None, _TOO_DEEP, event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_clinic_config(path: str | os.PathLike[str]) -> ClinicConfig:
    """Load and validate a clinic file, raising ClinicConfigError listing all problems."""
    file = os.fspath(path)

    try:
        with open(file, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _fail(file, "file not found") from None
    except IsADirectoryError:
        raise _fail(file, "is a directory, not a file") from None
    except PermissionError:
        raise _fail(file, "not readable (permission denied)") from None
    except OSError as exc:
        raise _fail(file, f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
        raise _fail(file, f"file is larger than {limit}; a clinic file should be far smaller")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(file, "not UTF-8 text; save the file with UTF-8 encoding", line) from None
    del raw  # the text is what is parsed: no need to hold the file twice
    try:
        where, data = _parse(file, text, Client.model_validate)
        lean = True
    except ValidationError:  # reported from the data as written, below
        where, data = _parse(file, text)
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
            where, data = _parse(file, text)
            resolve_calendars(file, data)
    try:
        config = ClinicConfig.model_validate(data)
    except ValidationError as exc:
        raise ClinicConfigError(found + _problems(file, where, data, exc)) from None
    if found:
        raise ClinicConfigError(found)
    return config


def _validate_client_by_client(data: Any) -> ClinicConfig:
    """``ClinicConfig.model_validate(data)``, replacing each client's data by its model first.

    So the plain data of 100,000 clients (over 100 MB) is freed while their models are
    built, instead of both being held at once. ``data`` is left changed, so on a
    ValidationError the caller parses the file again to report the problems.
    """
    clients = data.get("clients") if isinstance(data, dict) else None
    if isinstance(clients, list):
        for i, client in enumerate(clients):
            clients[i] = Client.model_validate(client)
    return ClinicConfig.model_validate(data)


def _fail(file: str, message: str, line: int | None = None) -> ClinicConfigError:
    return ClinicConfigError([ConfigProblem(file, "", line, message)])


Where = Callable[[list[Loc]], list[tuple[int, int]]]
"""(line, column) in the file of each location, as ``_position`` finds them."""


class _NotPlainError(Exception):
    """YAML the fast path leaves to the node-tree path (tags, duplicate keys, ...)."""


def _parse(file: str, text: str, client: Callable[[Any], Any] | None = None) -> tuple[Where, Any]:
    """Plain data from the YAML, and where each location is in the file.

    With libyaml, plain data is built straight from its events: a node tree of 100,000
    clients would take over 500 MB. Anything unusual goes the node-tree way below, through
    the pure-Python loader for files up to ``_EXACT_BYTES`` (so their messages stay as they
    always were) and through libyaml for larger ones.

    With ``client``, each entry of ``clients:`` read from events is replaced by
    ``client(entry)`` as soon as it is complete (see ``_event_data``).
    """
    small = len(text) <= _EXACT_BYTES
    if _CLoader is not None:
        try:
            data = _event_data(text, client)
        except (_NotPlainError, ValueError):  # ValueError: a value its tag does not fit
            if not small:
                return _parse_tree(file, text, _CLoader)
        except yaml.YAMLError as exc:
            if not small:
                raise _fail(file, *_yaml_problem(exc, text)) from None
        else:
            return (lambda locs: _event_positions(text, locs)), data
    return _parse_tree(file, text, _Loader)


def _parse_tree(file: str, text: str, loader_class: Any) -> tuple[Where, Any]:
    """Compose the YAML (checking structure and duplicate keys), then build plain data.

    With libyaml (``_CLoader``) the caller has already refused aliases and deep nesting.
    """
    try:
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise _fail(file, "file is empty; expected 'clinic:', 'therapists:' and 'clients:'")
            if not isinstance(root, MappingNode):
                message = "expected 'clinic:', 'therapists:' and 'clients:' at the top level"
                raise _fail(file, message, _line(root))
            duplicates: list[ConfigProblem] = []
            _check_nodes(file, root, (), duplicates)
            if duplicates:
                raise ClinicConfigError(duplicates)
            try:
                data = loader.construct_document(root)
            except ValueError:  # `!!int x`: PyYAML's constructors raise plain errors
                raise _fail(file, _MISTAGGED) from None
            return (lambda locs: [_position(root, loc) for loc in locs]), data
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _fail(file, *_yaml_problem(exc, text)) from None


_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_SCALARS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
}
_NO_KEY = object()
_ALIAS = "YAML aliases (*name) are not allowed; repeat the value instead"


def _event_data(text: str, client: Callable[[Any], Any] | None = None) -> Any:
    """What ``_parse_tree`` builds, straight from libyaml's events, without a node tree.

    Raises ``_Refused`` for aliases and deep nesting like ``_Loader``, and ``_NotPlainError``
    (after reading the whole stream, so that those are refused first) for anything whose
    meaning or message the node-tree path decides: tags beyond plain ones, duplicate or complex
    keys, merge keys, a top level that is not a mapping, several documents.

    With ``client``, each complete entry of the top-level ``clients:`` list is replaced by
    ``client(entry)`` at once, so that the plain data of 100,000 clients is never all held
    (``client`` may raise, e.g. a ValidationError: the caller then parses again without).
    """
    unusual = False
    root: Any = _NO_KEY
    stack: list[Any] = []  # the open mappings and sequences
    keys: list[Any] = []  # per open collection: the key awaiting its value (mappings)
    seen: list[set[str]] = []  # per open collection: the keys as written (mappings)
    documents = 0
    clients: list[Any] | None = None  # the top-level clients: list, while it is open
    events: Any = yaml.parse(text, Loader=_CLoader)
    for event in events:
        kind = type(event)
        if kind is AliasEvent:
            raise _Refused(None, None, _ALIAS, event.start_mark)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= _MAX_DEPTH:
                raise _Refused(None, None, _TOO_DEEP, event.start_mark)
            if event.tag not in (None, "!") and kind is not ScalarEvent:
                unusual = True  # a tagged mapping or sequence (scalars: see _scalar)
            is_key = bool(stack) and isinstance(stack[-1], dict) and keys[-1] is _NO_KEY
            if kind is ScalarEvent:
                value: Any = None
                if not unusual:
                    try:
                        value = _scalar(event, is_key)
                    except _NotPlainError:
                        unusual = True
                if is_key:
                    if event.value in seen[-1]:
                        unusual = True  # a duplicate key: reported with its lines below
                    seen[-1].add(event.value)
                    keys[-1] = value
                    continue
            else:
                unusual = unusual or is_key  # a mapping or sequence as a key
                value = {} if kind is MappingStartEvent else []
            if not stack:
                root = value
            elif isinstance(stack[-1], list):
                stack[-1].append(value)
                if stack[-1] is clients and client and kind is ScalarEvent and not unusual:
                    clients[-1] = client(value)
            else:
                if len(stack) == 1 and keys[-1] == "clients" and kind is SequenceStartEvent:
                    clients = value
                stack[-1][keys[-1]] = value
                keys[-1] = _NO_KEY
            if kind is not ScalarEvent:
                stack.append(value)
                keys.append(_NO_KEY)
                seen.append(set())
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            keys.pop()
            seen.pop()
            if stack and stack[-1] is clients and client is not None and not unusual:
                clients[-1] = client(clients[-1])
        elif kind is DocumentStartEvent:
            documents += 1
    if unusual or documents != 1 or not isinstance(root, dict):
        raise _NotPlainError
    return root


def _scalar(event: Any, is_key: bool) -> Any:
    """A scalar's value, as the composer, ``_check_nodes`` and SafeConstructor make it."""
    value: str = event.value
    tag: str = event.tag
    if tag in (None, "!"):
        tag = _RESOLVER.resolve(ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
    if not is_key and (
        tag.endswith("timestamp") or (tag.endswith(("int", "float")) and ":" in value)
    ):
        return value
    if tag == _STR_TAG:
        return value
    construct = _SCALARS.get(tag)
    if construct is None:
        raise _NotPlainError  # other tags, merge keys, '=' and dates as keys
    return construct(_CONSTRUCTOR, ScalarNode(tag, value))


def _event_positions(text: str, locs: list[Loc]) -> list[tuple[int, int]]:
    """``_position`` of each location, from one more pass over libyaml's events."""
    wanted: set[tuple[str, ...]] = set()
    indexes: set[tuple[str, ...]] = set()  # prefixes that end in a list index
    for loc in locs:
        written = tuple(str(part) for part in loc)
        for n in range(1, len(loc) + 1):
            wanted.add(written[:n])
            if isinstance(loc[n - 1], int):
                indexes.add(written[:n])
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    # per open collection: [its path or None, is a list, next index, key path awaiting value]
    frames: list[list[Any]] = []
    events: Any = yaml.parse(text, Loader=_CLoader) if locs else ()
    if locs:
        for event in events:
            kind = type(event)
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                frames.pop()
                continue
            if kind not in (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent):
                continue
            mark = (int(event.start_mark.line) + 1, int(event.start_mark.column))
            path: tuple[str, ...] | None
            if not frames:
                path = ()
                found.setdefault((), mark)
            else:
                frame = frames[-1]
                if frame[0] is None:
                    path = None
                elif frame[1]:
                    item = (*frame[0], str(frame[2]))
                    frame[2] += 1
                    if item in indexes:
                        found[item] = mark
                    path = item
                elif frame[3] is None:  # a key: it stands for its value
                    path = None
                    if kind is ScalarEvent:
                        key: tuple[str, ...] = (*frame[0], event.value)
                        if key in wanted:
                            found[key] = mark
                        frame[3] = key
                    else:
                        frame[3] = ()  # a complex key: nothing below it is wanted
                else:
                    path = frame[3] if frame[3] != () else None
                    frame[3] = None
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                frames.append([path, kind is SequenceStartEvent, 0, None])
    positions = []
    for loc in locs:
        written = tuple(str(part) for part in loc)
        n = len(written)
        while n and written[:n] not in found:
            n -= 1
        positions.append(found.get(written[:n], (1, 0)))
    return positions


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


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[str, int | None]:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if isinstance(exc, _Refused):
            return str(exc.problem), line
        context = f" ({exc.context})" if exc.context else ""
        return f"invalid YAML: {exc.problem}{context}", line
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return f"invalid YAML: control character #x{char:02x} is not allowed", line
    return f"invalid YAML: {exc}", None


def _check_nodes(file: str, node: Node, loc: Loc, found: list[ConfigProblem]) -> None:
    """Collect duplicate keys; keep plain ``15:00`` as text (YAML 1.1 reads it as 900).

    Dates stay text too, so that an impossible one is reported like any other bad value.
    """
    if isinstance(node, ScalarNode):
        if node.tag.endswith("timestamp") or (
            node.tag.endswith(("int", "float")) and ":" in node.value
        ):
            node.tag = _STR_TAG
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _check_nodes(file, item, (*loc, i), found)
    elif isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, ScalarNode) else "?"
            if name in first and name != "?":
                message = f"duplicate key {name!r} (first on line {first[name]})"
                found.append(ConfigProblem(file, format_loc((*loc, name)), _line(key), message))
            first.setdefault(name, _line(key))
            _check_nodes(file, value, (*loc, name), found)


def _position(root: Node, loc: Loc) -> tuple[int, int]:
    """(line, column) of the deepest node along ``loc``; a mapping key stands for its value."""
    node, at = root, root
    for part in loc:
        if isinstance(node, MappingNode):
            match = [(k, v) for k, v in node.value if str(k.value) == str(part)]
            if not match:
                break
            at, node = match[-1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            at = node = node.value[part]
        else:
            break
    return _line(at), int(at.start_mark.column)


def _problems(file: str, where: Where, data: Any, exc: ValidationError) -> list[ConfigProblem]:
    issues: list[ConfigIssue] = []
    for err in exc.errors():
        error = err.get("ctx", {}).get("error")
        if isinstance(error, CrossFieldError):
            issues += error.issues
        else:
            loc = tuple(p for p in err["loc"] if p != "[key]")
            issues.append(ConfigIssue(loc, problem_message(err, data)))
    if not any(isinstance(e.get("ctx", {}).get("error"), CrossFieldError) for e in exc.errors()):
        issues += _partial_cross_check(data)
    positions = where([issue.loc for issue in issues])
    ordered = sorted(zip(positions, issues, strict=True), key=lambda pair: pair[0])
    return [ConfigProblem(file, format_loc(i.loc), at[0], i.message) for at, i in ordered]


def _partial_cross_check(data: dict[Any, Any]) -> list[ConfigIssue]:
    """Cross-check entries whose relevant fields are valid, so all problems show at once."""

    def valid(model: type[BaseModel], value: Any, keys: tuple[str, ...] = ()) -> Any:
        if keys and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in keys}
        try:
            return model.model_validate(value)
        except ValidationError:
            return None

    def items(key: str) -> list[Any]:
        value = data.get(key)
        return value if isinstance(value, list) else []

    clinic = valid(ClinicSettings, data.get("clinic"))
    therapists = [valid(Therapist, t, ("code", "display_name")) for t in items("therapists")]
    clients = [valid(Client, c, ("code", "therapist", "language")) for c in items("clients")]
    return cross_field_issues(clinic, therapists, clients)
