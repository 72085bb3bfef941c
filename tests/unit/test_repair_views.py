"""The repair question in the check-in message: its wording in every language, its buttons,
and the thanks above the note prompt; never the note it follows up."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapter import callback_data as cd
from bot.adapter.views import checkin_view
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from core.repair import FollowupKind, RepairAnswer, with_repair
from messages.catalog import available_languages, plain
from messages.render import checkin_text
from tests.unit.test_answering import checkin
from tests.unit.test_render import CRISIS, TUESDAY, html_problems, visible

N = len(DEFAULT_QUESTIONNAIRE.items)
REPAIR, NOTE = N, N + 1
KINDS = [FollowupKind.CONCERN, FollowupKind.FLAG]


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("kind", KINDS)
def test_the_repair_question_reads_well_in_every_language(language: str, kind: str) -> None:
    q = with_repair(DEFAULT_QUESTIONNAIRE, kind)

    text = checkin_text(language, q, REPAIR, TUESDAY, CRISIS, kind)

    assert html_problems(text) == []
    assert "24" in visible(text)  # the session's day, as on every step
    assert plain(language, "button.repair.not_yet") in visible(text)  # "Not yet" is welcome


def test_the_concern_and_the_flag_are_asked_in_their_own_words() -> None:
    concern = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.CONCERN)
    flag = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.FLAG)

    asked = visible(checkin_text("en", concern, REPAIR, TUESDAY, CRISIS, FollowupKind.CONCERN))
    flagged = visible(checkin_text("en", flag, REPAIR, TUESDAY, CRISIS, FollowupKind.FLAG))

    assert "you shared something for your therapist" in asked
    assert "taken up?" in asked
    assert "Did anything in this session help" in flagged
    assert "shared" not in flagged


def test_items_are_still_counted_out_of_the_questionnaires_own_number() -> None:
    q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.FLAG)

    first = checkin_text("en", q, 0, TUESDAY, CRISIS, FollowupKind.FLAG)

    assert f"question 1 of {N}" in first


def test_it_is_answered_with_words_and_can_be_skipped() -> None:
    asking = replace(checkin(language="en"), step=REPAIR, repair=FollowupKind.CONCERN)
    q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.CONCERN)

    view = checkin_view(asking, q, REPAIR, CRISIS)

    assert view.markup is not None
    buttons = [(b.text, b.callback_data) for row in view.markup.inline_keyboard for b in row]
    assert buttons == [
        ("Yes", cd.item_value("tok", REPAIR, 2)),
        ("Partly", cd.item_value("tok", REPAIR, 1)),
        ("Not yet", cd.item_value("tok", REPAIR, 0)),
        ("Skip", cd.skip("tok", REPAIR)),
    ]


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("answer", list(RepairAnswer))
def test_an_answer_is_thanked_above_the_note_prompt(language: str, answer: int) -> None:
    q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.FLAG)
    plain_prompt = checkin_text(language, q, NOTE, TUESDAY, CRISIS, FollowupKind.FLAG)

    thanked = checkin_text(language, q, NOTE, TUESDAY, CRISIS, FollowupKind.FLAG, answer)

    assert thanked.endswith(plain_prompt)
    assert html_problems(thanked) == []
    assert len(thanked) > len(plain_prompt)


def test_not_yet_is_thanked_as_useful_information() -> None:
    q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.CONCERN)

    text = visible(checkin_text("en", q, NOTE, TUESDAY, CRISIS, "concern", RepairAnswer.NOT_YET))

    assert text.startswith("Thank you for saying so. “Not yet” is just as useful")


def test_no_thanks_on_other_steps_or_without_an_answer() -> None:
    q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.CONCERN)

    done = checkin_text("en", q, NOTE + 2, TUESDAY, CRISIS, "concern", RepairAnswer.YES)

    assert "Thank you." not in done.split("\n")[0]
    assert checkin_text("en", q, NOTE, TUESDAY, CRISIS, "concern", None) == checkin_text(
        "en", q, NOTE, TUESDAY, CRISIS, "concern"
    )
