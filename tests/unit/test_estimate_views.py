"""The estimate message: a line and a block of buttons per client, in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapter import callback_data as cd
from bot.adapter.estimate_views import estimate_view
from core.estimate import MAX_BUTTONS, MAX_ROW, Estimate, EstimateStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from messages.catalog import available_languages, catalog, plain

BERLIN = ZoneInfo("Europe/Berlin")
#: Tuesday 24 November 2026, 15:00 Berlin.
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
ASKED = START + timedelta(hours=1, minutes=20)
S = EstimateStatus


def estimate(code: str, status: S = S.ASKING, value: int | None = None) -> Estimate:
    return Estimate(1, f"tok-{code}", "T01", 5001, code, START, "alliance-v1", status, value, ASKED)


def test_one_estimate_asks_about_todays_session_with_the_scale_and_skip() -> None:
    view = estimate_view([estimate("C101")], DEFAULT_QUESTIONNAIRE, "en", BERLIN, ASKED)

    assert "How do you think <b>C101</b> will rate today's session overall?" in view.text
    assert "0 = not helpful" in view.text
    assert view.markup is not None
    rows = view.markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [
        ["0", "1", "2", "3", "4", "5"],
        ["6", "7", "8", "9", "10"],
        ["Skip C101"],
    ]
    assert cd.decode(rows[1][1].callback_data) == cd.EstimateTap("tok-C101", 7)  # type: ignore[arg-type]
    assert cd.decode(rows[2][0].callback_data) == cd.EstimateTap("tok-C101", None)  # type: ignore[arg-type]


def test_a_session_of_an_earlier_day_is_named_by_its_day() -> None:
    next_morning = ASKED + timedelta(days=1)
    late = Estimate(1, "t", "T01", 5001, "C101", START, "alliance-v1", S.ASKING, None, next_morning)
    view = estimate_view([late], DEFAULT_QUESTIONNAIRE, "en", BERLIN, next_morning)
    assert "the session on Tuesday, 24 November overall?" in view.text


def test_answered_skipped_and_closed_lines_lose_their_buttons() -> None:
    shown = [
        estimate("C101", S.ANSWERED, 7),
        estimate("C102", S.OPEN),
        estimate("C103", S.SKIPPED),
        estimate("C104", S.CLOSED),
    ]
    view = estimate_view(shown, DEFAULT_QUESTIONNAIRE, "en", BERLIN, ASKED)

    assert "<b>C101</b>: 7 ✓" in view.text
    assert "How do you think <b>C102</b>" in view.text
    assert "<b>C103</b>: skipped" in view.text
    assert "<b>C104</b>: closed" in view.text
    assert view.markup is not None
    assert view.markup.inline_keyboard[-1][0].text == "Skip C102"
    assert sum(len(row) for row in view.markup.inline_keyboard) == 12

    done = [estimate("C101", S.ANSWERED, 7)]
    assert estimate_view(done, DEFAULT_QUESTIONNAIRE, "en", BERLIN, ASKED).markup is None


def test_a_full_message_stays_within_telegrams_limits() -> None:
    eight = [estimate(f"C{n}") for n in range(8)]
    view = estimate_view(eight, DEFAULT_QUESTIONNAIRE, "en", BERLIN, ASKED)
    assert view.markup is not None
    rows = view.markup.inline_keyboard
    assert all(len(row) <= MAX_ROW for row in rows)
    assert sum(len(row) for row in rows) <= MAX_BUTTONS
    assert len(view.text) < 4096


def test_a_questionnaire_without_an_overall_item_still_asks_on_its_scale() -> None:
    five = Questionnaire(
        "wai",
        (Item("bond", "bond", {"en": "We get on."}), Item("goal", "goals", {"en": "Goals."})),
        1,
        5,
        title={"en": "WAI"},
        labels={"en": {1: "Never", 5: "Always"}},
    )
    view = estimate_view([estimate("C101")], five, "en", BERLIN, ASKED)
    assert "1 = Never" in view.text
    assert "will rate today's session overall?" in view.text
    assert view.markup is not None
    assert [b.text for row in view.markup.inline_keyboard for b in row] == [
        *map(str, range(1, 6)),
        "Skip C101",
    ]


@pytest.mark.parametrize("language", available_languages())
def test_estimate_buttons_and_pop_ups_fit_telegrams_limits(language: str) -> None:
    for key, text in catalog(language).items():
        if key.startswith("estimate.button."):
            assert len(plain(language, key, code="C" * 32).encode("utf-8")) <= 64, key
        if key.startswith("estimate.tap."):
            assert 0 < len(plain(language, key, value=10)) <= 200, key
        if key.startswith(("estimate.button.", "estimate.tap.")):
            assert "<" not in text, key
