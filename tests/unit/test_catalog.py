"""The message catalog: every key the code asks for exists, and values are escaped for HTML."""

from __future__ import annotations

import ast
import re
import shutil
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item
from messages import catalog as cat
from messages.catalog import SafeHtml, available_languages, catalog, html_text, plain

REPO = Path(__file__).resolve().parents[2]
EN_PO = REPO / "messages" / "locale" / "en.po"
SOURCE_PACKAGES = ("bot", "core", "messages", "scheduler", "storage")
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class KeyUse:
    """One html_text(...) or plain(...) call and the keys it can ask for."""

    where: str
    keys: frozenset[str]
    params: frozenset[str] | None  # keyword names passed; None when **kwargs hides them


def _assigned_values(tree: ast.Module, name: str) -> list[ast.expr]:
    values: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            values.append(value)
    return values


def _candidate_keys(tree: ast.Module, expr: ast.expr, seen: set[str]) -> set[str]:
    """Every catalog key an argument expression can evaluate to, following module names."""
    keys: set[str] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if KEY_SHAPE.fullmatch(node.value):
                keys.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = [
                p.value if isinstance(p, ast.Constant) else "{}"
                for p in node.values
                if isinstance(p, ast.Constant | ast.FormattedValue)
            ]
            template = "".join(str(p) for p in parts)
            assert template.startswith("item."), template
            assert template.count("{}") == 1, template
            keys.update(template.format(item.key) for item in DEFAULT_QUESTIONNAIRE.items)
        elif isinstance(node, ast.Name) and node.id not in seen:
            seen.add(node.id)
            for value in _assigned_values(tree, node.id):
                keys |= _candidate_keys(tree, value, seen)
    return keys


@cache
def said_keys() -> frozenset[str]:
    """The keys ``core/answering.py`` puts in its ``Say`` outcomes (literal first arguments)."""
    tree = ast.parse((REPO / "core" / "answering.py").read_text(encoding="utf-8"))
    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _func_name(node.func) == "Say" and node.args:
            keys |= _candidate_keys(tree, node.args[0], set())
    return frozenset(keys)


def _func_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@cache
def key_uses() -> tuple[KeyUse, ...]:
    """Every call of html_text or plain in the product's code."""
    uses: list[KeyUse] = []
    for package in SOURCE_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _func_name(node.func) not in (
                    "html_text",
                    "plain",
                ):
                    continue
                if len(node.args) < 2:
                    continue  # the definitions' own recursive or keyword-only calls
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                key = node.args[1]
                if isinstance(key, ast.Attribute) and key.attr == "key":  # a Say outcome's
                    keys = said_keys()
                else:
                    keys = frozenset(_candidate_keys(tree, key, set()))
                assert keys, f"{where}: cannot tell which catalog key this call uses"
                hidden = any(k.arg is None for k in node.keywords)
                params = None if hidden else frozenset(str(k.arg) for k in node.keywords)
                uses.append(KeyUse(where, keys, params))
    return tuple(uses)


def placeholders(wording: str) -> set[str]:
    """The {name} fields of a wording."""
    return {field for _, field, _, _ in string.Formatter().parse(wording) if field is not None}


def test_the_scan_finds_the_calls_it_is_meant_to_check() -> None:
    found = {key for use in key_uses() for key in use.keys}
    assert len(found) >= 30
    # literal, conditional, table-driven and f-string keys are all followed
    assert {"tap.saved", "consent.declined", "start.used", "item.bond.stem"} <= found
    # and the keys of the outcomes core/answering.py decides on
    assert {"tap.not_yours", "note.too_long", "consent.first"} <= said_keys()


def test_every_key_used_in_code_exists_in_the_english_catalog() -> None:
    known = catalog("en")
    missing = sorted(
        f"{use.where}: {key}" for use in key_uses() for key in use.keys if key not in known
    )
    assert missing == []


def test_every_placeholder_of_a_used_key_is_given_by_its_call() -> None:
    known = catalog("en")
    gaps = []
    for use in key_uses():
        if use.params is None:
            continue
        for key in use.keys:
            if lacking := placeholders(known.get(key, "")) - use.params:
                gaps.append(f"{use.where}: {key} needs {sorted(lacking)}")
    assert gaps == []


@pytest.mark.parametrize("item", DEFAULT_QUESTIONNAIRE.items, ids=lambda item: item.key)
def test_every_item_of_the_default_questionnaire_has_stem_and_anchors(item: Item) -> None:
    key = item.key
    for part in ("stem", "low", "high"):
        assert catalog("en").get(f"item.{key}.{part}", "").strip(), f"item.{key}.{part}"


def test_no_key_is_listed_twice_in_the_po_file() -> None:
    ids = re.findall(r'^msgid "(.+)"$', EN_PO.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(ids) == len(set(ids))
    assert len(ids) == len(catalog("en"))  # and none is dropped for an empty msgstr


def test_english_is_an_available_language() -> None:
    assert "en" in available_languages()


def test_an_unknown_language_falls_back_to_english() -> None:
    assert catalog("xx") == catalog("en")
    assert plain("xx", "button.skip") == plain("en", "button.skip") == "Skip"


def test_a_missing_key_in_another_language_falls_back_to_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(EN_PO, tmp_path / "en.po")
    (tmp_path / "de.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "button.skip"\nmsgstr "Überspringen"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(cat, "LOCALE_DIR", tmp_path)
    catalog.cache_clear()
    try:
        assert available_languages() == ("de", "en")
        assert plain("de", "button.skip") == "Überspringen"
        assert plain("de", "tap.saved") == "Saved."
    finally:
        catalog.cache_clear()


def test_an_unknown_key_is_an_error_not_empty_text() -> None:
    with pytest.raises(KeyError):
        plain("en", "no.such.key")


def test_html_text_escapes_angle_brackets_and_ampersands_in_values() -> None:
    text = html_text("en", "client.idle_text", crisis="<script>Call 112 & 911</script>")
    assert "&lt;script&gt;Call 112 &amp; 911&lt;/script&gt;" in text
    assert "<script>" not in text
    assert "& 911" not in text


def test_html_text_escapes_every_value_of_a_message() -> None:
    text = html_text("en", "therapist.welcome", name="<b>Dr. A&B</b>", code="T<1>")
    assert "Dr. A&amp;B" in text
    assert "&lt;b&gt;" in text
    assert "T&lt;1&gt;" in text


def test_html_text_escapes_a_literal_entity_so_it_shows_as_typed() -> None:
    text = html_text("en", "client.idle_text", crisis="&amp;")
    assert "&amp;amp;" in text


def test_safe_html_is_not_escaped_again() -> None:
    text = html_text("en", "client.idle_text", crisis=SafeHtml("<i>112</i> &amp; more"))
    assert "<i>112</i> &amp; more" in text
    assert "&lt;i&gt;" not in text
    assert "&amp;amp;" not in text


def test_html_text_output_is_safe_html_so_it_can_be_nested() -> None:
    inner = html_text("en", "checkin.intro")
    assert isinstance(inner, SafeHtml)
    outer = html_text("en", "client.idle_text", crisis=inner)
    assert inner in outer


def test_a_value_with_braces_is_not_formatted_again() -> None:
    text = html_text("en", "client.idle_text", crisis="{crisis} {0} {}")
    assert "{crisis} {0} {}" in text


def test_numbers_are_rendered_as_text() -> None:
    text = html_text("en", "note.too_long", length=2345, limit=2000)
    assert "2345 characters" in text
    assert "the 2000 a note" in text


def test_plain_text_is_not_escaped() -> None:
    assert plain("en", "button.share") == "Share with my therapist"
    assert plain("en", "tap.already") == "Already saved. Nothing was changed."


@pytest.mark.parametrize("key", sorted(k for k in catalog("en") if k.startswith("tap.")))
def test_pop_ups_fit_telegrams_200_characters(key: str) -> None:
    assert 0 < len(plain("en", key)) <= 200


@pytest.mark.parametrize("key", sorted(k for k in catalog("en") if k.startswith("command.")))
def test_command_descriptions_fit_telegrams_256_characters(key: str) -> None:
    assert 0 < len(plain("en", key)) <= 256
