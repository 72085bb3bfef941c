"""Both ways of reading a clinic file's YAML give the same data, positions and refusals.

Clinic files are generated as trees and written with every style YAML allows here (block
and flow collections mixed at any depth, plain, single- and double-quoted scalars, comments,
blank lines); hostile ones add aliases and anchors, nesting past the limit, duplicate keys,
times that YAML 1.1 reads as base-60 numbers, odd tags and huge values. Each file is read
the tree way and the events way (``yaml_read.Way``), and what each gives must match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.config.yaml_read import Way, read_yaml
from core.clinic_checks import Loc

#: Derandomized, without the example database, and bounded: every run (a developer's, CI's)
#: reads the same files, and the whole module takes a few seconds.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Raw:
    """YAML written exactly as given: a tag, an anchor, an alias, a huge value."""

    text: str


@dataclass
class Map:
    """A mapping as written: its pairs in order, so a key may be written twice."""

    pairs: list[tuple[Any, Any]]


Draw = Callable[[st.SearchStrategy[Any]], Any]
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/:-]*")

words = st.from_regex(r"[A-Za-z][A-Za-z0-9 ._/-]{0,12}[A-Za-z0-9]", fullmatch=True)
values = st.one_of(
    st.sampled_from(["15:00", "9:05", "25:00", "2026-11-24T15:00", "2026-11-24", "1:30:00"]),
    st.sampled_from(["Europe/Berlin", "tuesday", "mon", "T01", "C101", "en", "de", "yes"]),
    words,
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
)
junk = st.recursive(
    values,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(words, inner, max_size=3).map(lambda d: Map(list(d.items())))
    ),
    max_leaves=6,
)


@st.composite
def clinics(draw: Draw) -> Map:
    """A clinic file's tree: mostly valid, sometimes with a wrong value or an unknown field."""
    codes = draw(st.lists(st.sampled_from(["T01", "T02", "T03"]), min_size=1, max_size=3))
    weekly = st.builds(
        lambda day, time: Map([("day", day), ("time", time)]),
        st.sampled_from(["tuesday", "Mon", "FRIDAY", "someday"]),
        st.sampled_from(["15:00", "9:05", "25:00", "7"]),
    )
    sessions = st.builds(
        lambda w, d: Map([("weekly", w), ("dates", d)]),
        st.lists(weekly, max_size=2),
        st.lists(
            st.sampled_from(["2026-11-24T15:00", "2026-11-24", "2026-13-01T10:00"]), max_size=2
        ),
    )
    clients = [
        Map([("code", f"C{i}"), ("therapist", draw(st.sampled_from([*codes, "T09"])))])
        for i in range(draw(st.integers(0, 3)))
    ]
    for client in clients:
        if draw(st.booleans()):
            client.pairs.append(("sessions", draw(sessions)))
    clinic = Map(
        [
            ("name", draw(words)),
            ("timezone", draw(st.sampled_from(["Europe/Berlin", "UTC", "Mars/Olympus"]))),
            ("crisis_contacts", Map([("en", draw(words))])),
        ]
    )
    therapists = [Map([("code", code), ("display_name", draw(words))]) for code in codes]
    doc = Map([("clinic", clinic), ("therapists", therapists), ("clients", clients)])
    for _ in range(draw(st.integers(0, 2))):
        target, key = draw(st.sampled_from(_maps(doc))), draw(words)
        if key not in [k for k, _ in target.pairs]:  # a duplicate key is a hostile file
            target.pairs.append((key, draw(junk)))
    return doc


def _maps(node: Any) -> list[Map]:
    """Every mapping in the tree, the root first."""
    children = node.pairs if isinstance(node, Map) else node if isinstance(node, list) else []
    found = [node] if isinstance(node, Map) else []
    for child in children:
        found += _maps(child[1] if isinstance(node, Map) else child)
    return found


def _deep(depth: int) -> Map:
    """A mapping ``depth`` mappings deep."""
    node = Map([("k", "bottom")])
    for _ in range(depth - 1):
        node = Map([("k", node)])
    return node


HOSTILE_VALUES = [
    Raw("&a T01"),
    Raw("15:00"),
    Raw("!!int 15:00"),
    Raw("!!float 1:30"),
    Raw("1:30:00.5"),
    Raw("!!python/object:os.system x"),
    Raw("!!int x"),
    Raw("!!bool maybe"),
    Raw("!!float x"),
    Raw("!!null x"),
    Raw("!local x"),
    Raw("!!binary aGVsbG8="),
    Raw("!!timestamp 2026-11-24"),
    Raw("!!str 15"),
    Raw("!!set {a, b}"),
    Raw("!!map {a: 1}"),
    Raw("!!omap [{a: 1}]"),
    Raw("9" * 5000),
    Raw("1e999"),
    Raw(json.dumps("x" * 100_000)),
    "word " * 2000 + "end",
]


@st.composite
def hostile_clinics(draw: Draw) -> Map:
    """A clinic file's tree with one or two hostile things put in at random places."""
    doc: Map = draw(clinics())
    for _ in range(draw(st.integers(1, 2))):
        target = draw(st.sampled_from(_maps(doc)))
        kinds = ["value", "anchor", "alias", "deep", "duplicate", "key", "merge"]
        kind = draw(st.sampled_from(kinds))
        if kind == "value":
            target.pairs.append(("x", draw(st.sampled_from(HOSTILE_VALUES))))
        elif kind == "anchor":
            target.pairs.append(("a", Raw(f"&a {_flow(draw, draw(junk))}")))
        elif kind == "alias":
            target.pairs.append(("a", Raw("&a T01")))
            draw(st.sampled_from(_maps(doc))).pairs.append(("b", Raw("*a")))
        elif kind == "deep":
            target.pairs.append(("deep", _deep(draw(st.integers(28, 36)))))
        elif kind == "duplicate" and target.pairs:
            key = draw(st.sampled_from(target.pairs))[0]
            target.pairs.insert(draw(st.integers(0, len(target.pairs))), (key, draw(values)))
        elif kind == "key":
            target.pairs.append((draw(st.sampled_from([Raw("15:00"), Raw("2026-11-24")])), 1))
        else:
            target.pairs.append((Raw("<<"), Map([("merged", draw(values))])))
    return doc


def _scalar(draw: Draw, value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return str(draw(st.sampled_from(["null", "~"])))
    if isinstance(value, bool):
        return str(draw(st.sampled_from(["true", "yes"] if value else ["false", "no"])))
    if isinstance(value, int):
        return str(value)
    styles = ["single", "double"] + (["plain"] * 2 if _PLAIN.fullmatch(value) else [])
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return str(value)
    return "'" + value.replace("'", "''") + "'" if style == "single" else json.dumps(value)


def _flow(draw: Draw, value: Any) -> str:
    if isinstance(value, Map):
        pairs = (f"{_scalar(draw, k)}: {_flow(draw, v)}" for k, v in value.pairs)
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(draw, item) for item in value) + "]"
    return _scalar(draw, value)


def _block(draw: Draw, value: Any, indent: int, lead: str, lines: list[str]) -> None:
    """Write ``value`` after ``lead`` (``key:`` or ``-``) in block style or, at will, flow."""
    pad = " " * indent
    comment = draw(st.sampled_from(["", "", "  # a comment", " #"]))
    children = value.pairs if isinstance(value, Map) else value if isinstance(value, list) else []
    if not children or draw(st.integers(0, 3)) == 0:
        lines.append(f"{pad}{lead} {_flow(draw, value)}{comment}")
        return
    lines.append(f"{pad}{lead}{comment}")
    _children(draw, value, indent + 2, lines)


def _children(draw: Draw, value: Map | list[Any], indent: int, lines: list[str]) -> None:
    for child in value.pairs if isinstance(value, Map) else value:
        extra = draw(st.sampled_from(["", "", "", "\n", "# between entries"]))
        if extra:
            lines.append(" " * indent + extra.strip())
        if isinstance(value, Map):
            _block(draw, child[1], indent, _scalar(draw, child[0]) + ":", lines)
        else:
            _block(draw, child, indent, "-", lines)


def written(draw: Draw, doc: Map) -> str:
    """The YAML text of a clinic file's tree, in styles drawn as it goes."""
    lines: list[str] = [] if draw(st.booleans()) else ["# a clinic file", ""]
    _children(draw, doc, 0, lines)
    return "\n".join(lines) + "\n"


def _locs(node: Any, prefix: Loc = ()) -> list[Loc]:
    """Every location in plain data, each also one step too deep (not in the file)."""
    found: list[Loc] = [prefix, (*prefix, "missing"), (*prefix, 0)]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locs(value, (*prefix, key if isinstance(key, int | str) else str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _locs(value, (*prefix, index))
    return found


def _outcome(path: Path, text: str, way: Way) -> dict[str, Any] | list[str]:
    """The config a file gives (as plain data), or every problem with its line."""
    path.write_text(text, encoding="utf-8")
    try:
        return load_clinic_config(path, way=way).model_dump()
    except ClinicConfigError as error:
        return [str(problem) for problem in error.problems]


@SETTINGS
@given(data=st.data())
def test_both_ways_give_the_same_data_and_positions(tmp_path: Path, data: st.DataObject) -> None:
    text = written(data.draw, data.draw(clinics()))
    tree_where, tree_data = read_yaml("clinic.yaml", text, way=Way.TREE)
    events_where, events_data = read_yaml("clinic.yaml", text, way=Way.EVENTS)
    assert events_data == tree_data
    locs = _locs(tree_data)
    assert events_where(locs) == tree_where(locs)
    path = tmp_path / "clinic.yaml"
    assert _outcome(path, text, Way.EVENTS) == _outcome(path, text, Way.TREE)


@SETTINGS
@given(data=st.data())
def test_both_ways_refuse_hostile_files_alike(tmp_path: Path, data: st.DataObject) -> None:
    text = written(data.draw, data.draw(hostile_clinics()))
    path = tmp_path / "clinic.yaml"
    assert _outcome(path, text, Way.EVENTS) == _outcome(path, text, Way.TREE)


@pytest.mark.parametrize("way", list(Way))
def test_an_alias_after_a_value_its_tag_does_not_fit_is_still_refused(
    tmp_path: Path, way: Way
) -> None:
    text = "clinic: {name: !!int x, timezone: &t UTC}\ntherapists: *t\n"
    assert _outcome(tmp_path / "clinic.yaml", text, way) == [
        f"{tmp_path / 'clinic.yaml'}:2: YAML aliases (*name) are not allowed; "
        "repeat the value instead"
    ]


@pytest.mark.parametrize("way", list(Way))
def test_a_yes_no_tag_on_another_word_is_a_clear_error(tmp_path: Path, way: Way) -> None:
    problems = _outcome(tmp_path / "clinic.yaml", "clinic: !!bool maybe\n", way)
    assert isinstance(problems, list)
    assert len(problems) == 1
    assert problems[0].endswith(
        "a value does not fit its YAML tag (such as !!int); write the value without the tag"
    )
