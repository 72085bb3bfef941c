"""The answer flow: items in order, an optional note, its sharing, and every way to tap wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.flow import (
    NOTE_MAX_CHARS,
    Accepted,
    Action,
    ItemAnswer,
    NoteText,
    Rejection,
    ShareChoice,
    SkipNote,
    Stage,
    apply,
    clean_text,
    stage_of,
)
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire

Q = DEFAULT_QUESTIONNAIRE
N = len(Q.items)
NOTE = N
SHARE = N + 1
DONE = N + 2


def accepted(step: int, action: Action, questionnaire: Questionnaire = Q) -> Accepted:
    """Apply an action that must be accepted, and return the decision."""
    decision = apply(questionnaire, step, action)
    assert isinstance(decision, Accepted), decision
    return decision


def answer_all_items(questionnaire: Questionnaire = Q) -> int:
    """Answer every item with the scale's top value; return the step reached."""
    step = 0
    for _ in questionnaire.items:
        step = accepted(step, ItemAnswer(step, questionnaire.scale_max), questionnaire).next_step
    return step


def test_the_default_questionnaire_is_answered_on_a_0_to_10_scale() -> None:
    assert N > 0
    assert list(Q.scale) == list(range(11))


def test_stage_of_names_items_note_share_and_done() -> None:
    assert [stage_of(Q, step) for step in range(N)] == [Stage.ITEM] * N
    assert stage_of(Q, NOTE) is Stage.NOTE
    assert stage_of(Q, SHARE) is Stage.SHARE
    assert stage_of(Q, DONE) is Stage.DONE


def test_stage_of_a_step_past_done_is_still_done() -> None:
    assert stage_of(Q, DONE + 1) is Stage.DONE
    assert stage_of(Q, 99) is Stage.DONE


def test_each_item_is_answered_in_order_and_carries_its_item() -> None:
    step = 0
    for index, item in enumerate(Q.items):
        decision = accepted(step, ItemAnswer(step, index))
        assert decision.next_step == step + 1
        assert decision.item == item
        assert decision.action == ItemAnswer(step, index)
        assert decision.note is None
        step = decision.next_step
    assert stage_of(Q, step) is Stage.NOTE


@pytest.mark.parametrize("value", [0, 5, 10])
def test_every_value_on_the_scale_is_accepted(value: int) -> None:
    assert accepted(0, ItemAnswer(0, value)).next_step == 1


def test_skipping_an_item_moves_on_and_records_no_value() -> None:
    decision = accepted(2, ItemAnswer(2, None))
    assert decision.next_step == 3
    assert decision.item == Q.items[2]
    assert decision.action == ItemAnswer(2, None)


def test_double_tap_changes_nothing() -> None:
    tap = ItemAnswer(0, 7)
    step = accepted(0, tap).next_step
    assert apply(Q, step, tap) is Rejection.STALE


def test_an_old_button_from_an_earlier_item_is_stale() -> None:
    assert apply(Q, 3, ItemAnswer(0, 4)) is Rejection.STALE
    assert apply(Q, 3, ItemAnswer(1, None)) is Rejection.STALE


def test_double_tap_on_the_last_item_is_stale_at_the_note_prompt() -> None:
    last = ItemAnswer(N - 1, 3)
    step = accepted(N - 1, last).next_step
    assert step == NOTE
    assert apply(Q, step, last) is Rejection.STALE


def test_an_action_for_a_future_step_is_invalid() -> None:
    assert apply(Q, 0, ItemAnswer(1, 5)) is Rejection.INVALID
    assert apply(Q, 0, SkipNote(NOTE)) is Rejection.INVALID
    assert apply(Q, 0, ShareChoice(SHARE, shared=True)) is Rejection.INVALID


def test_an_action_for_a_negative_step_is_invalid() -> None:
    assert apply(Q, 2, ItemAnswer(-1, 5)) is Rejection.INVALID


@pytest.mark.parametrize(
    ("step", "action"),
    [
        (0, SkipNote(0)),
        (0, ShareChoice(0, shared=True)),
        (NOTE, ItemAnswer(NOTE, 5)),
        (NOTE, ItemAnswer(NOTE, None)),
        (NOTE, ShareChoice(NOTE, shared=False)),
        (SHARE, ItemAnswer(SHARE, 5)),
        (SHARE, SkipNote(SHARE)),
    ],
)
def test_an_action_of_the_wrong_kind_for_the_current_step_is_invalid(
    step: int, action: Action
) -> None:
    assert apply(Q, step, action) is Rejection.INVALID


@pytest.mark.parametrize("value", [-1, 11, 100, -(10**9)])
def test_a_value_off_the_scale_is_invalid(value: int) -> None:
    assert apply(Q, 0, ItemAnswer(0, value)) is Rejection.INVALID


def test_a_custom_scale_bounds_what_is_accepted() -> None:
    likert = Questionnaire(key="likert", items=(Item("a", "bond"),), scale_min=1, scale_max=5)
    assert apply(likert, 0, ItemAnswer(0, 0)) is Rejection.INVALID
    assert apply(likert, 0, ItemAnswer(0, 6)) is Rejection.INVALID
    assert accepted(0, ItemAnswer(0, 1), likert).next_step == 1
    assert accepted(0, ItemAnswer(0, 5), likert).next_step == 1


def test_a_note_moves_to_the_share_question_and_is_stored_stripped() -> None:
    decision = accepted(NOTE, NoteText("  Please bring up my sister.\n"))
    assert decision.next_step == SHARE
    assert decision.note == "Please bring up my sister."
    assert decision.item is None


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u00a0\u3000"])
def test_a_note_without_text_is_empty(text: str) -> None:
    assert apply(Q, NOTE, NoteText(text)) is Rejection.EMPTY


@pytest.mark.parametrize("text", ["\u200b", " \u2060 ", "\ufeff\u200b"])
def test_a_note_of_only_invisible_characters_is_empty(text: str) -> None:
    assert apply(Q, NOTE, NoteText(text)) is Rejection.EMPTY


def test_a_note_of_exactly_the_limit_is_accepted() -> None:
    text = "x" * NOTE_MAX_CHARS
    assert NOTE_MAX_CHARS == 2000
    assert accepted(NOTE, NoteText(text)).note == text


def test_a_note_one_character_over_the_limit_is_too_long() -> None:
    assert apply(Q, NOTE, NoteText("x" * (NOTE_MAX_CHARS + 1))) is Rejection.TOO_LONG


def test_the_limit_counts_characters_not_bytes() -> None:
    text = "ü" * NOTE_MAX_CHARS  # 4000 bytes in UTF-8
    assert accepted(NOTE, NoteText(text)).note == text


def test_surrounding_whitespace_does_not_count_towards_the_limit() -> None:
    text = "x" * NOTE_MAX_CHARS
    assert accepted(NOTE, NoteText(f"\n  {text}  \n")).note == text


@pytest.mark.parametrize("step", [0, N - 1, SHARE, DONE])
def test_note_text_at_any_step_but_the_note_prompt_is_stale(step: int) -> None:
    assert apply(Q, step, NoteText("hello")) is Rejection.STALE


def test_skip_note_jumps_straight_to_done() -> None:
    decision = accepted(NOTE, SkipNote(NOTE))
    assert decision.next_step == DONE
    assert stage_of(Q, decision.next_step) is Stage.DONE
    assert decision.note is None


@pytest.mark.parametrize("shared", [True, False])
def test_share_or_keep_private_finishes_the_checkin(shared: bool) -> None:
    decision = accepted(SHARE, ShareChoice(SHARE, shared=shared))
    assert decision.next_step == DONE
    assert decision.action == ShareChoice(SHARE, shared=shared)


def test_a_double_tap_on_share_is_stale() -> None:
    tap = ShareChoice(SHARE, shared=True)
    step = accepted(SHARE, tap).next_step
    assert apply(Q, step, tap) is Rejection.STALE
    assert apply(Q, step, ShareChoice(SHARE, shared=False)) is Rejection.STALE


def test_the_whole_flow_with_a_note_ends_done() -> None:
    step = answer_all_items()
    step = accepted(step, NoteText("thanks")).next_step
    step = accepted(step, ShareChoice(step, shared=False)).next_step
    assert step == DONE


@pytest.mark.parametrize(
    "action",
    [
        ItemAnswer(0, 5),
        ItemAnswer(N - 1, None),
        SkipNote(NOTE),
        ShareChoice(SHARE, shared=True),
        NoteText("late note"),
    ],
)
def test_actions_made_for_earlier_steps_are_stale_after_done(action: Action) -> None:
    assert apply(Q, DONE, action) is Rejection.STALE


@pytest.mark.parametrize(
    "action", [ItemAnswer(DONE, 5), SkipNote(DONE), ShareChoice(DONE, shared=True)]
)
def test_actions_naming_the_done_step_itself_are_invalid(action: Action) -> None:
    assert apply(Q, DONE, action) is Rejection.INVALID


def test_clean_text_replaces_nul() -> None:
    cleaned = clean_text("a\x00b")
    assert "\x00" not in cleaned
    assert cleaned.startswith("a")
    assert cleaned.endswith("b")


def test_clean_text_replaces_lone_surrogates_so_the_text_encodes() -> None:
    cleaned = clean_text("high \ud800 low \udfff end")
    cleaned.encode("utf-8")  # raises if a surrogate survived
    assert cleaned.startswith("high ")
    assert cleaned.endswith(" end")


def test_clean_text_keeps_ordinary_unicode_as_written() -> None:
    text = "Grüße 👋 مرحبا\nline two\ttab"
    assert clean_text(text) == text


def test_a_note_with_nul_and_surrogates_is_stored_cleaned() -> None:
    note = accepted(NOTE, NoteText("ok\x00\ud83d")).note
    assert note is not None
    assert "\x00" not in note
    note.encode("utf-8")


def test_a_note_of_only_a_nul_is_not_stored_as_nul() -> None:
    decision = apply(Q, NOTE, NoteText("\x00"))
    assert decision is Rejection.EMPTY or (
        isinstance(decision, Accepted) and decision.note is not None and "\x00" not in decision.note
    )


# ---- Property: random taps never move a check-in backwards or past done ----

STEPS = st.integers(min_value=-2, max_value=8)
ACTIONS: st.SearchStrategy[Action] = st.one_of(
    st.builds(ItemAnswer, STEPS, st.one_of(st.none(), st.integers(min_value=-2, max_value=12))),
    st.builds(SkipNote, STEPS),
    st.builds(ShareChoice, STEPS, st.booleans()),
    st.builds(
        NoteText,
        st.one_of(
            st.text(alphabet=st.sampled_from(" \t\nab\x00\u00e9\u200b\ud800"), max_size=20),
            st.sampled_from(["", "   ", "x" * 2001, "x" * 2000]),
        ),
    ),
)
QUESTIONNAIRES = st.integers(min_value=1, max_value=5).map(
    lambda n: Questionnaire(key="q", items=tuple(Item(f"i{k}", "bond") for k in range(n)))
)


def expected_next(questionnaire: Questionnaire, step: int, action: Action) -> int:
    """The documented move of an accepted action."""
    n = len(questionnaire.items)
    if isinstance(action, ItemAnswer):
        return step + 1
    if isinstance(action, NoteText):
        return n + 1
    return n + 2  # SkipNote from the note prompt, ShareChoice from the share question


@settings(max_examples=100, deadline=None, database=None)
@given(questionnaire=QUESTIONNAIRES, actions=st.lists(ACTIONS, max_size=20))
def test_random_actions_never_move_backwards_or_past_done(
    questionnaire: Questionnaire, actions: list[Action]
) -> None:
    done = len(questionnaire.items) + 2
    step = 0
    for action in actions:
        decision = apply(questionnaire, step, action)
        if isinstance(decision, Accepted):
            assert decision.action == action
            assert decision.next_step == expected_next(questionnaire, step, action)
            assert step < decision.next_step <= done
            step = decision.next_step
        else:
            assert isinstance(decision, Rejection)
        assert 0 <= step <= done


def test_a_tap_for_any_past_step_is_stale_whatever_its_kind() -> None:
    for n in range(1, 5):
        questionnaire = Questionnaire(key="q", items=tuple(Item(f"i{k}", "b") for k in range(n)))
        for step in range(n + 3):
            for old in range(step):
                for action in (
                    ItemAnswer(old, 0),
                    ItemAnswer(old, None),
                    ItemAnswer(old, 99),
                    SkipNote(old),
                    ShareChoice(old, shared=True),
                ):
                    assert apply(questionnaire, step, action) is Rejection.STALE, (n, step, action)
