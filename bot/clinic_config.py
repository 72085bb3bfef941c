"""Load a clinic's YAML file and report every problem with its file, line and path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config_calendars import resolve_calendars
from bot.config_messages import problem_message
from core.clinic import Client, ClinicConfig, ClinicSettings, Therapist
from core.clinic_checks import ConfigIssue, CrossFieldError, Loc, cross_field_issues, format_loc

MAX_FILE_BYTES = 1024 * 1024
"""Larger files are refused."""

_MAX_DEPTH = 32
_TOO_DEEP = f"nested too deeply (more than {_MAX_DEPTH} levels)"
_STR_TAG = "tag:yaml.org,2002:str"


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
        raise _fail(file, "file is larger than 1 MiB; a clinic file should be far smaller")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(file, "not UTF-8 text; save the file with UTF-8 encoding", line) from None
    root, data = _parse(file, text)
    found = [
        ConfigProblem(file, format_loc(loc), _position(root, loc)[0], message)
        for loc, message in resolve_calendars(file, data)
    ]
    try:
        config = ClinicConfig.model_validate(data)
    except ValidationError as exc:
        raise ClinicConfigError(found + _problems(file, root, data, exc)) from None
    if found:
        raise ClinicConfigError(found)
    return config


def _fail(file: str, message: str, line: int | None = None) -> ClinicConfigError:
    return ClinicConfigError([ConfigProblem(file, "", line, message)])


def _parse(file: str, text: str) -> tuple[Node, Any]:
    """Compose the YAML (checking structure and duplicate keys), then build plain data."""
    try:
        loader = _Loader(text)
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
            return root, loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _fail(file, *_yaml_problem(exc, text)) from None


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


def _problems(file: str, root: Node, data: Any, exc: ValidationError) -> list[ConfigProblem]:
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
    issues.sort(key=lambda issue: _position(root, issue.loc))
    return [
        ConfigProblem(file, format_loc(i.loc), _position(root, i.loc)[0], i.message) for i in issues
    ]


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
