"""Closing the loop in words: replies next to the concern or flags they follow up, a "Not
yet" as useful information that keeps a concern open, estimates beside the client's
answers, the blind spot with its next step, and the mean gap in the digest's footer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.digest import build_brief, build_digest, summarize
from core.history import ClientHistory, EstimatePair, FollowUp, Reply, SharedNote
from core.loop import Gap
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from messages.digest import render_brief, render_digest
from messages.loop_text import gap_line
from messages.therapist import render_history
from tests.unit.test_digest_text import BERLIN, DEFAULTS, NOW, client, visible
from tests.unit.test_flags import FIRST_SESSION

WEEK = timedelta(weeks=1)
STEADY = ((9, 9, 9, 9),) * 5


def at(n: int) -> datetime:
    return FIRST_SESSION + WEEK * n


def shared(n: int) -> SharedNote:
    return SharedNote("we skipped my sister again", FIRST_SESSION + WEEK * n, f"tok{n}", True)


def with_loop(
    history: ClientHistory, *followups: FollowUp, pairs: tuple[EstimatePair, ...] = ()
) -> ClientHistory:
    return replace(history, followups=followups, estimates=pairs)


def concern(reply: Reply, asked: int | None = 4) -> FollowUp:
    asked_at = FIRST_SESSION + WEEK * asked if asked is not None else None
    return FollowUp("concern", FIRST_SESSION + WEEK * 2, reply, asked_at, note=shared(1))


def pair(
    n: int, expected: float, client_value: float, q: Questionnaire = DEFAULT_QUESTIONNAIRE
) -> EstimatePair:
    start = FIRST_SESSION + WEEK * n
    item = "overall" if any(i.key == "overall" for i in q.items) else None
    return EstimatePair(start, expected, client_value, q, item, start + timedelta(days=1))


def digest_text(*histories: ClientHistory, language: str = "en") -> str:
    parts = render_digest(build_digest("T01", list(histories), DEFAULTS, NOW), language, BERLIN)
    return "\n".join(visible(p.text) for p in parts)


def test_not_yet_keeps_the_concern_open_and_says_it_is_useful_to_know() -> None:
    text = digest_text(with_loop(client("C101", *STEADY), concern(Reply.NOT_YET)))

    assert text.index("NEEDS ATTENTION") < text.index("C101")
    assert "Answered “Not yet” when asked whether what came up was taken up" in text
    assert "“not yet” is useful information, not a failure" in text
    assert "“we skipped my sister again”" in text
    assert "they answered Not yet. Still open, and useful to know" in text


def test_a_reopened_concern_has_no_discussed_button_again() -> None:
    digest = build_digest(
        "T01", [with_loop(client("C101", *STEADY), concern(Reply.NOT_YET))], DEFAULTS, NOW
    )
    assert all(not p.buttons for p in render_digest(digest, "en", BERLIN))


def test_yes_closes_the_concern_and_shows_the_answer_beside_it() -> None:
    text = digest_text(with_loop(client("C101", *STEADY), concern(Reply.YES)))

    assert "STABLE" in text
    assert "sister" not in text
    assert "💬 Shared Tue 8 Sep, marked as discussed · taken up? Yes" in text


@pytest.mark.parametrize(
    ("reply", "shown"),
    [
        (Reply.PARTLY, "Partly"),
        (Reply.SKIPPED, "skipped"),
        (Reply.WAITING, "asked, no answer yet"),
        (Reply.NOT_ASKED, "not asked yet"),
    ],
)
def test_every_other_reply_is_shown_as_it_stands(reply: Reply, shown: str) -> None:
    asked = None if reply is Reply.NOT_ASKED else 4
    text = digest_text(with_loop(client("C101", *STEADY), concern(reply, asked)))
    assert f"taken up? {shown}" in text
    assert "NEEDS ATTENTION" not in text


def test_follow_ups_after_flags_name_the_flags_and_the_reply() -> None:
    flags = [
        FollowUp("flag", FIRST_SESSION + WEEK * 3, Reply.YES, FIRST_SESSION + WEEK * 4, rule=r)
        for r in ("baseline_drop", "low_item", "renamed_rule")
    ]
    text = digest_text(with_loop(client("C101", *STEADY), *flags))

    assert (
        "↩ Follow-up on the flags of Tue 22 Sep (below their usual, low answer, a flag) · "
        "did the session help? Yes"
    ) in text


def test_a_blind_spot_shows_both_numbers_and_a_next_step_that_grades_nobody() -> None:
    rows = (*STEADY[:4], (8, 8, 8, 5))
    text = digest_text(with_loop(client("C101", *rows), pairs=(pair(4, 8, 5),)))

    assert (
        "Rated the session lower than you expected (a blind spot): Overall 5, you expected 8."
        in text
    )
    assert "nobody is being graded" in text
    assert "Your estimate of the overall rating · Tue 29 Sep: you expected 8 · client 5" in text


def test_a_reverse_overall_item_is_named_so_the_turned_numbers_read_right() -> None:
    turned = Questionnaire(
        key="t",
        items=(Item("overall", "overall", {"en": "How hard?"}, {"en": "Strain"}, reverse=True),),
        title={"en": "T"},
    )
    history = replace(client("C101", *STEADY), questionnaire=turned)
    text = digest_text(with_loop(history, pairs=(pair(4, 9, 9, turned),)))
    assert "Tue 29 Sep, Strain (reverse-scored): you expected 9 · client 9" in text


def test_the_digest_shows_only_its_weeks_pairs_and_the_gap_in_its_footer() -> None:
    history = with_loop(client("C101", *STEADY), pairs=(pair(2, 9, 9), pair(4, 9, 7)))
    text = digest_text(history)

    assert "Tue 29 Sep: you expected 9 · client 7" in text
    assert "Tue 15 Sep" not in text
    assert (
        "on average 1.0 points above your clients' overall answers (sessions compared: 2)" in text
    )


def test_without_a_pair_there_is_no_estimate_line_nor_gap() -> None:
    text = digest_text(client("C101", *STEADY))
    assert "expected" not in text
    assert "estimates" not in text.casefold()


def test_the_gap_reads_above_below_or_level_and_says_when_it_is_on_0_10() -> None:
    assert "1.5 points below" in str(gap_line("en", Gap(-1.46, 3)))
    assert "level with" in str(gap_line("en", Gap(0.04, 3)))
    reference = str(gap_line("en", Gap(2.25, 2, reference=True)))
    assert "2.2 points above" in reference or "2.3 points above" in reference
    assert "points on a 0–10 scale" in reference
    assert gap_line("en", None) is None


def test_a_brief_shows_the_pairs_of_the_sessions_since_the_last_one() -> None:
    history = with_loop(
        client("C101", *STEADY), concern(Reply.PARTLY), pairs=(pair(3, 9, 9), pair(4, 8, 9))
    )
    brief = build_brief("T01", history, DEFAULTS, at(5), at(4))

    text = "\n".join(visible(p.text) for p in render_brief(brief, "en", BERLIN))

    assert "Tue 29 Sep: you expected 8 · client 9" in text
    assert "Tue 22 Sep" not in text
    assert "taken up? Partly" in text


def test_history_lists_every_pair_read_and_the_replies() -> None:
    history = with_loop(
        client("C101", *STEADY), concern(Reply.YES), pairs=(pair(2, 9, 9), pair(4, 8, 9))
    )
    parts = render_history(summarize(history, DEFAULTS), "en", BERLIN)
    text = "\n".join(visible(p.text) for p in parts)

    assert "Tue 15 Sep: you expected 9 · client 9; Tue 29 Sep: you expected 8 · client 9" in text
    assert "taken up? Yes" in text


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_loop_reads_in_every_language(language: str) -> None:
    rows = (*STEADY[:4], (8, 8, 8, 5))
    history = with_loop(client("C101", *rows), concern(Reply.NOT_YET), pairs=(pair(4, 8, 5),))
    text = digest_text(history, language=language)

    assert "{" not in text
    assert {"de": "Noch nicht", "es": "Todavía no"}[language] in text
    assert {"de": "Sie erwarteten 8", "es": "esperabas 8"}[language] in text
