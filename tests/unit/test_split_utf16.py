"""Cutting a person's text for Telegram: UTF-16 units, whole characters, escaped after."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.flow import NOTE_MAX_CHARS, Accepted, NoteText, Rejection, apply, utf16_length
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from messages.split import split_text, visible_length

EMOJI = "😀"  # outside the Basic Multilingual Plane: a surrogate pair, two UTF-16 units


def test_an_emoji_counts_two_units_as_telegram_counts_it() -> None:
    assert utf16_length(EMOJI * 3) == 6
    assert visible_length(f"<i>{EMOJI}</i> &amp;") == 4


def test_emoji_heavy_text_is_cut_by_units_not_by_code_points() -> None:
    pieces = split_text(EMOJI * 10, 6)

    assert pieces == [EMOJI * 3] * 3 + [EMOJI]


def test_a_surrogate_pair_at_the_boundary_moves_whole_to_the_next_piece() -> None:
    assert split_text(f"ab{EMOJI}cd", 3) == ["ab", f"{EMOJI}c", "d"]


def test_a_cut_prefers_a_line_break_then_white_space() -> None:
    assert split_text("one two\nthree four", 12) == ["one two\n", "three four"]
    assert split_text("one two three four", 12) == ["one two ", "three four"]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("👍🏽" * 5, "👍🏽"),  # a skin tone stays with its hand
        ("🇩🇪" * 5, "🇩🇪"),  # a flag is two regional indicators
        ("👩‍💻" * 5, "👩‍💻"),  # joined by a zero-width joiner
        ("é" * 9, "é"),  # a letter and its combining accent
        ("❤️" * 7, "❤️"),  # a variation selector
    ],
)
def test_a_cut_never_splits_one_visible_character(text: str, unit: str) -> None:
    for piece in split_text(text, 7):
        assert piece.replace(unit, "") == ""


def test_html_special_characters_are_cut_before_escaping_so_no_entity_is_cut() -> None:
    text = "<&>" * 10
    pieces = split_text(text, 4)
    escaped = [html.escape(piece, quote=False) for piece in pieces]

    assert all(visible_length(piece) <= 4 for piece in escaped)
    assert "".join(html.unescape(piece) for piece in escaped) == text
    assert all(piece.count("&") == piece.count(";") for piece in escaped)


def test_text_that_fits_is_one_piece_and_empty_text_one_empty_piece() -> None:
    assert split_text("short", 10) == ["short"]
    assert split_text("", 10) == [""]


def test_a_room_that_cannot_hold_an_emoji_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        split_text(EMOJI, 1)


@settings(max_examples=200, deadline=None, database=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(["a", " ", "\n", "<", "&", "é", "\u0301", EMOJI, "🏽", "\u200d"]),
        max_size=200,
    ),
    limit=st.integers(2, 50),
)
def test_pieces_join_to_the_text_and_each_fits_in_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)

    assert "".join(pieces) == text
    assert all(utf16_length(piece) <= limit for piece in pieces)
    assert all(piece for piece in pieces) or pieces == [""]
    escaped = [html.escape(piece, quote=False) for piece in pieces]
    assert all(
        visible_length(piece) == utf16_length(raw)
        for piece, raw in zip(escaped, pieces, strict=True)
    )


def test_a_notes_limit_counts_utf16_units_as_telegram_does() -> None:
    questionnaire = DEFAULT_QUESTIONNAIRE
    note_step = len(questionnaire.items)
    at_limit = apply(questionnaire, note_step, NoteText(EMOJI * (NOTE_MAX_CHARS // 2)))
    over = apply(questionnaire, note_step, NoteText(EMOJI * (NOTE_MAX_CHARS // 2) + "a"))

    assert isinstance(at_limit, Accepted)
    assert over is Rejection.TOO_LONG
