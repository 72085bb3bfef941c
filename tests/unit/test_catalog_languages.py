"""Every shipped language is complete: every English key, with the same placeholders.

Other branches add English keys; this test names each key a catalog lacks, so a missing
translation fails loudly instead of falling back to English in front of a client.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from core.clinic import SUPPORTED_LANGUAGES
from messages.catalog import LOCALE_DIR, available_languages, catalog, html_text, plain
from tests.unit.test_render import PLAIN_PREFIXES, html_problems

OTHER_LANGUAGES = [lang for lang in available_languages() if lang != "en"]


def placeholders(wording: str) -> set[str]:
    """The {name} fields of a wording."""
    return {field for _, field, _, _ in string.Formatter().parse(wording) if field is not None}


def test_every_supported_language_has_a_catalog_and_every_catalog_is_supported() -> None:
    assert set(available_languages()) == set(SUPPORTED_LANGUAGES)
    assert {"en", "de", "es"} <= set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_english_key_is_translated(language: str) -> None:
    missing = sorted(set(catalog("en")) - set(catalog(language)))
    assert missing == [], f"{language}.po lacks {len(missing)} keys: {missing}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_catalog_has_keys_english_does_not(language: str) -> None:
    assert sorted(set(catalog(language)) - set(catalog("en"))) == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_translation_has_the_same_placeholders_as_english(language: str) -> None:
    english, other = catalog("en"), catalog(language)
    different = {
        key: (sorted(placeholders(english[key])), sorted(placeholders(other[key])))
        for key in english
        if key in other and placeholders(english[key]) != placeholders(other[key])
    }
    assert different == {}


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_translation_is_left_in_english(language: str) -> None:
    english, other = catalog("en"), catalog(language)
    same = [
        key
        for key in english
        if other.get(key) == english[key] and len(english[key]) > 12 and "{" not in english[key]
    ]
    assert same == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_key_is_listed_twice_in_a_translation(language: str) -> None:
    text = (LOCALE_DIR / f"{language}.po").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.+)"$', text, flags=re.MULTILINE)
    assert len(ids) == len(set(ids)) == len(catalog(language))


@pytest.mark.parametrize("language", available_languages())
def test_every_html_wording_is_valid_telegram_html_in_every_language(language: str) -> None:
    wordings = catalog(language)
    problems = {
        key: html_problems(text)
        for key, text in wordings.items()
        if not key.startswith(PLAIN_PREFIXES) and html_problems(text)
    }
    assert problems == {}


@pytest.mark.parametrize("language", available_languages())
def test_buttons_pop_ups_and_commands_fit_telegrams_limits_in_every_language(
    language: str,
) -> None:
    for key, text in catalog(language).items():
        if key.startswith("button."):
            assert 0 < len(text.encode("utf-8")) <= 64, key
        if key.startswith("tap."):
            assert 0 < len(text) <= 200, key
        if key.startswith("command."):
            assert 0 < len(text) <= 256, key
        if key.startswith(PLAIN_PREFIXES):
            assert "<" not in text, key


@pytest.mark.parametrize("language", available_languages())
def test_every_message_renders_with_its_placeholders_filled(language: str) -> None:
    for key, wording in catalog(language).items():
        params = dict.fromkeys(placeholders(wording), "x")
        rendered = html_text(language, key, **params)
        assert "{" not in rendered, key


def test_a_missing_translation_is_named_by_the_completeness_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from messages import catalog as cat

    for language in available_languages():
        text = (LOCALE_DIR / f"{language}.po").read_text(encoding="utf-8")
        if language == "de":
            text = re.sub(r'msgid "tap\.saved"\nmsgstr "[^"]*"\n', "", text)
        (tmp_path / f"{language}.po").write_text(text, encoding="utf-8")
    monkeypatch.setattr(cat, "LOCALE_DIR", tmp_path)
    catalog.cache_clear()
    try:
        with pytest.raises(AssertionError, match=r"de\.po lacks 1 keys: \['tap\.saved'\]"):
            test_every_english_key_is_translated("de")
        assert plain("de", "tap.saved") == "Saved."  # at run time it falls back to English
    finally:
        catalog.cache_clear()


def test_questionnaire_wording_differs_per_language() -> None:
    stems = {lang: catalog(lang)["item.bond.stem"] for lang in available_languages()}
    assert len(set(stems.values())) == len(stems)
