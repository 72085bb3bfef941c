"""The repair question as a step of the answer flow, and which follow-ups a check-in asks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from core.answering import Advance, on_tap
from core.clinic import ClinicConfig
from core.digest import build_brief, build_digest
from core.flags import Rule, ceiling, low_mean
from core.flow import Accepted, ItemAnswer, Rejection, ShareChoice, SkipNote, Stage, apply, stage_of
from core.history import ClientHistory
from core.instrument_runs import rebuilt, resolve
from core.questionnaire import DEFAULT_QUESTIONNAIRE, REPAIR_KEY
from core.repair import (
    REPAIR_ITEM,
    FollowupKind,
    RepairAnswer,
    attention_flags,
    collapse,
    may_attach,
    with_repair,
)
from core.report_config import FlagSettings
from tests.conftest import clinic_config
from tests.unit.test_answering import CHAT, NOW, checkin
from tests.unit.test_flags import point

Q = with_repair(DEFAULT_QUESTIONNAIRE, FollowupKind.CONCERN)
N = len(DEFAULT_QUESTIONNAIRE.items)
REPAIR, NOTE, SHARE, DONE = N, N + 1, N + 2, N + 3


def test_the_repair_question_is_one_more_item_after_the_questionnaires_own() -> None:
    assert Q.items == (*DEFAULT_QUESTIONNAIRE.items, REPAIR_ITEM)
    assert Q.items[REPAIR].key == REPAIR_KEY == "repair"
    assert [stage_of(Q, s) for s in (N - 1, REPAIR, NOTE, SHARE, DONE)] == [
        Stage.ITEM,
        Stage.ITEM,
        Stage.NOTE,
        Stage.SHARE,
        Stage.DONE,
    ]


def test_the_repair_question_leaves_the_questionnaires_version_alone() -> None:
    assert Q.version == DEFAULT_QUESTIONNAIRE.version
    assert with_repair(DEFAULT_QUESTIONNAIRE, None) is DEFAULT_QUESTIONNAIRE
    assert with_repair(DEFAULT_QUESTIONNAIRE, "flag") is with_repair(DEFAULT_QUESTIONNAIRE, "flag")


@pytest.mark.parametrize("value", [RepairAnswer.YES, RepairAnswer.PARTLY, RepairAnswer.NOT_YET])
def test_yes_partly_and_not_yet_answer_it_and_the_note_comes_next(value: int) -> None:
    decision = apply(Q, REPAIR, ItemAnswer(REPAIR, value))

    assert decision == Accepted(NOTE, ItemAnswer(REPAIR, value), item=REPAIR_ITEM)


def test_skipping_it_stores_no_value_and_the_note_comes_next() -> None:
    decision = apply(Q, REPAIR, ItemAnswer(REPAIR, None))

    assert isinstance(decision, Accepted)
    assert (decision.next_step, decision.item) == (NOTE, REPAIR_ITEM)


@pytest.mark.parametrize("value", [3, 10, -1])
def test_only_its_own_choices_are_accepted_although_the_scale_goes_to_ten(value: int) -> None:
    assert apply(Q, REPAIR, ItemAnswer(REPAIR, value)) is Rejection.INVALID
    on_scale = 0 <= value <= 10
    assert isinstance(apply(Q, 0, ItemAnswer(0, value)), Accepted) is on_scale
    assert Q.accepts(value, Q.items[0]) is on_scale
    assert not Q.accepts(value, REPAIR_ITEM)


def test_the_note_and_its_sharing_follow_the_repair_question_to_the_end() -> None:
    assert apply(Q, NOTE, SkipNote(NOTE)) == Accepted(DONE, SkipNote(NOTE))
    assert apply(Q, SHARE, ShareChoice(SHARE, True)) == Accepted(DONE, ShareChoice(SHARE, True))
    assert apply(Q, REPAIR, SkipNote(REPAIR)) is Rejection.INVALID  # no note prompt yet
    assert apply(Q, NOTE, ItemAnswer(REPAIR, 2)) is Rejection.STALE  # a second tap on it


def test_a_tap_on_not_yet_is_thanked_and_a_skip_or_an_item_is_not() -> None:
    at_repair = replace(checkin(), step=REPAIR, repair=FollowupKind.CONCERN)

    not_yet = on_tap(at_repair, CHAT, ItemAnswer(REPAIR, 0), Q, NOW)
    skipped = on_tap(at_repair, CHAT, ItemAnswer(REPAIR, None), Q, NOW)
    item = on_tap(checkin(), CHAT, ItemAnswer(0, 7), Q, NOW)

    assert isinstance(not_yet, Advance)
    assert not_yet.thanks == RepairAnswer.NOT_YET
    assert not not_yet.done
    assert isinstance(skipped, Advance)
    assert skipped.thanks is None
    assert isinstance(item, Advance)
    assert item.thanks is None


def test_several_waiting_follow_ups_make_one_question_and_a_concern_wins() -> None:
    assert collapse(["flag", "concern", "flag"]) is FollowupKind.CONCERN
    assert collapse(["flag", "flag"]) is FollowupKind.FLAG
    assert collapse([]) is None


def test_a_checkin_takes_a_follow_up_on_only_if_no_copy_may_have_arrived_without_it() -> None:
    assert may_attach(None, 0)
    assert not may_attach("flag", 0)  # it asks one already: every retry asks the same
    assert not may_attach(None, 1)  # a copy of unknown fate may be in the client's hands


def test_the_repair_answer_is_kept_out_of_every_flag_rule() -> None:
    tops = point(0, (10, 10, 10, 10))
    with_answer = replace(tops, answers={**tops.answers, REPAIR_KEY: RepairAnswer.NOT_YET})

    assert with_answer.values == tops.values
    assert with_answer.mean == 10
    assert with_answer.answers[REPAIR_KEY] == 0
    history = ClientHistory("C101", "active", (with_answer,) * 3)
    limits = FlagSettings().as_written()
    assert ceiling(history, limits) is not None
    assert low_mean(history, limits) is None


def test_the_repair_answer_never_makes_a_check_in_look_like_another_instrument() -> None:
    answers = [{"bond": 9, "goals": 8, "tasks": 9, "overall": 9, REPAIR_KEY: 0}]

    same, assumed = resolve(
        DEFAULT_QUESTIONNAIRE.key,
        "an-older-wording",
        answers,
        {"alliance-v1": DEFAULT_QUESTIONNAIRE},
    )
    stand_in = rebuilt("gone", [{"a": 3, REPAIR_KEY: 2}])

    assert same is DEFAULT_QUESTIONNAIRE
    assert not assumed
    assert [item.key for item in stand_in.items] == ["a"]


def test_a_reports_needs_attention_rules_are_followed_up_per_client() -> None:
    low = ClientHistory("C101", "active", tuple(point(n, (9, 9, 9, 9)) for n in range(4)))
    low = replace(low, points=(*low.points, point(4, (9, 2, 9, 9))))
    steady = ClientHistory("C102", "active", tuple(point(n, (9, 9, 9, 9)) for n in range(4)))
    when = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)

    digest = build_digest("T01", [low, steady], FlagSettings(), when)
    brief = build_brief("T01", low, FlagSettings(), when + timedelta(days=1), None)

    flags = attention_flags(digest)
    assert list(flags) == ["C101"]
    assert Rule.LOW_ITEM in flags["C101"]
    assert attention_flags(brief) == flags
    assert attention_flags(build_digest("T01", [steady], FlagSettings(), when)) == {}


@pytest.mark.parametrize("key", ["repair", "note", "estimate"])
def test_a_clinic_questionnaire_may_not_use_a_reserved_key(key: str) -> None:
    data = clinic_config().model_dump()
    data["questionnaires"] = [
        {
            "key": "mine",
            "title": {"en": "Mine"},
            "scale": {"min": 1, "max": 5, "labels": {"en": {1: "no", 5: "yes"}}},
            "items": [{"key": key, "dimension": "other", "text": {"en": "Fixed?"}}],
        }
    ]

    with pytest.raises(ValidationError, match="reserved"):
        ClinicConfig.model_validate(data)
