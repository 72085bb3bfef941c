"""The risk matcher reads what shows: invisible characters and compatibility forms."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.risk import RiskMatcher, normalise

#: Every format character (category Cf) in the Basic Multilingual Plane and beyond.
FORMAT_CHARACTERS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
MATCHER = RiskMatcher(["kill myself", "suicid*"])


@pytest.mark.parametrize(
    ("name", "invisible"),
    [
        ("zero-width space", "\u200b"),
        ("zero-width non-joiner", "\u200c"),
        ("zero-width joiner", "\u200d"),
        ("soft hyphen", "\u00ad"),
        ("word joiner", "\u2060"),
        ("byte order mark", "\ufeff"),
        ("left-to-right mark", "\u200e"),
        ("right-to-left override", "\u202e"),
        ("first strong isolate", "\u2068"),
        ("combining grapheme joiner", "\u034f"),
    ],
)
def test_an_invisible_character_inside_a_word_does_not_hide_a_phrase(
    name: str, invisible: str
) -> None:
    assert MATCHER.matches(f"I want to ki{invisible}ll my{invisible}self"), name
    assert MATCHER.matches(f"{invisible}suic{invisible}idal")


@pytest.mark.parametrize(
    "text",
    [
        "I want to ＫＩＬＬ ＭＹＳＥＬＦ",  # fullwidth
        "I want to 𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟",  # mathematical bold
        "I want to 𝓀𝒾𝓁𝓁 𝓂𝓎𝓈𝑒𝓁𝒻",  # mathematical script
        "I want to ᵏⁱˡˡ ᵐʸˢᵉˡᶠ",  # superscript letters
        "ⓚⓘⓛⓛ ⓜⓨⓢⓔⓛⓕ",  # circled letters
    ],
)
def test_compatibility_forms_read_as_their_plain_letters(text: str) -> None:
    assert MATCHER.matches(text)


def test_a_ligature_and_a_compatibility_capital_decompose_and_fold() -> None:
    assert normalise("ﬁnally") == "finally"
    assert normalise("ℌello") == "hello"
    assert RiskMatcher(["sacrifice"]).matches("SACRIﬁCE")


def test_invisible_characters_between_words_do_not_join_them() -> None:
    assert not MATCHER.matches("killmyself")
    assert normalise("kill\u200b myself") == "kill myself"


def test_every_format_character_is_ignored() -> None:
    assert len(FORMAT_CHARACTERS) > 100
    for invisible in FORMAT_CHARACTERS:
        assert normalise(f"ki{invisible}ll") == "kill", hex(ord(invisible))


@settings(max_examples=200, deadline=None, database=None)
@given(
    inserts=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(FORMAT_CHARACTERS)), max_size=6)
)
def test_format_characters_anywhere_in_a_phrase_still_match(
    inserts: list[tuple[int, str]],
) -> None:
    text = "please I want to kill myself now"
    start = text.index("kill")
    for offset, invisible in sorted(inserts, reverse=True):
        at = start + offset % len("kill myself")
        text = text[:at] + invisible + text[at:]

    assert MATCHER.matches(text)
