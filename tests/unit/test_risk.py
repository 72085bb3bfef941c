"""The risk-phrase matcher: case, accents and punctuation do not matter; whole words do."""

from __future__ import annotations

import pytest

from core.clinic import SafetySettings
from core.risk import RiskMatcher, normalise, phrase_pattern, read_phrase_list
from messages.risk import risk_matcher, shipped_languages, shipped_phrases


def test_normalise_lowers_strips_accents_and_punctuation() -> None:
    assert normalise("  Quiero HACERME daño!!! ") == "quiero hacerme dano"
    assert normalise("Ich bin LEBENSMÜDE…") == "ich bin lebensmude"
    assert normalise("Straße") == "strasse"
    assert normalise("don't—want_to") == "don t want to"
    assert normalise("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to kill myself", True),
        ("I want to KILL   myself!!", True),
        ("kill-myself", True),
        ("i want to killmyself", False),  # not the same words
        ("I skill myself up", False),  # 'skill' is not 'kill'
        ("kill", False),
        ("kill yourself", False),
    ],
)
def test_a_phrase_matches_as_whole_words_whatever_the_spelling_around_it(
    text: str, expected: bool
) -> None:
    assert RiskMatcher(["kill myself"]).matches(text) is expected


def test_a_star_matches_every_word_that_starts_with_the_last_word() -> None:
    matcher = RiskMatcher(["suicid*"])
    assert matcher.matches("suicidal thoughts")
    assert matcher.matches("SUICIDE")
    assert not matcher.matches("Suizid")
    assert not matcher.matches("presuicidal")  # the start of a word only


def test_the_phrase_itself_is_normalised_like_the_text() -> None:
    matcher = RiskMatcher(["Hacerme DAÑO"])
    assert matcher.matches("quiero hacerme dano")
    assert matcher.matches("QUIERO HACERME DAÑO.")


def test_phrases_with_nothing_to_match_are_ignored() -> None:
    assert phrase_pattern("  !!! ") == ""
    assert phrase_pattern("*") == ""
    matcher = RiskMatcher(["", "...", "*"])
    assert not matcher.matches("anything at all")


def test_special_characters_in_a_phrase_are_taken_literally() -> None:
    matcher = RiskMatcher(["end (it) all"])
    assert matcher.matches("I want to end it all.")
    assert not matcher.matches("endXit all")


def test_phrase_files_skip_comments_and_blank_lines() -> None:
    text = "# a comment\n\nkill myself  # trailing\n  end my life\n#\n"
    assert read_phrase_list(text) == ("kill myself", "end my life")


def test_every_shipped_language_has_a_reviewed_phrase_list() -> None:
    assert set(shipped_languages()) == {"en", "de", "es"}
    for language in shipped_languages():
        assert len(shipped_phrases(language)) >= 20, language
    assert shipped_phrases("xx") == ()


@pytest.mark.parametrize(
    "note",
    [
        "Sometimes I think everyone would be better off without me",
        "I've thought about suicide this week",
        "I cut myself again",
        "Manchmal denke ich an Suizid",
        "Ich möchte mir das Leben nehmen",
        "ich will nicht mehr leben",
        "Pienso en el suicidio",
        "No quiero vivir así",
        "Quiero hacerme daño",
    ],
)
def test_the_shipped_lists_catch_clear_risk_language_in_each_language(note: str) -> None:
    assert risk_matcher(SafetySettings()).matches(note)


@pytest.mark.parametrize(
    "note",
    [
        "The session felt rushed and I want to talk about my goals.",
        "I'm dying to tell you about my week!",
        "We could not find the right words today.",
        "Die Sitzung war gut, ich bin nur müde.",
        "Me cortaron el pelo y me sentí bien.",
        "I killed it at work this week",
    ],
)
def test_the_shipped_lists_leave_ordinary_notes_alone(note: str) -> None:
    assert not risk_matcher(SafetySettings()).matches(note)


def test_a_clinic_can_add_its_own_phrases() -> None:
    safety = SafetySettings(risk_phrases={"en": ["red flag word"]})
    assert risk_matcher(safety).matches("This is a Red-Flag word.")
    assert risk_matcher(safety).matches("I want to kill myself")


def test_a_clinic_can_replace_the_shipped_phrases() -> None:
    safety = SafetySettings(risk_phrases={"de": ["codewort"]}, replace_default_phrases=True)
    assert risk_matcher(safety).matches("CODEWORT")
    assert not risk_matcher(safety).matches("I want to kill myself")
