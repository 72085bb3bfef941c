"""Flag rules on any scale: thresholds written on 0-10 and scaled, or a questionnaire's own;
reverse items turned first; the ceiling at the instrument's top; next steps by dimension."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.digest import summarize
from core.flags import Rule, baseline_drop, ceiling, evaluate, limits_for, low_item, low_mean
from core.history import CheckinPoint, ClientHistory
from core.instrument_runs import turned
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from core.report_config import FlagSettings
from messages.flags_text import item_name, next_step
from tests.unit.test_flags import FIRST_SESSION
from tests.unit.test_instrument_runs import FIVE

CLINIC = FlagSettings()


def on_five(*rows: tuple[int | None, ...], questionnaire: Questionnaire = FIVE) -> ClientHistory:
    """Weekly check-ins on ``questionnaire``, answers as the client gave them (then turned)."""
    keys = [item.key for item in questionnaire.items]
    points = []
    for n, row in enumerate(rows):
        start = FIRST_SESSION + timedelta(weeks=n)
        answers = dict(zip(keys, row, strict=True))
        end = start + timedelta(minutes=50)
        point = CheckinPoint(start, end, CheckinStatus.COMPLETED, answers, end)
        points.append(turned(point, questionnaire))
    return ClientHistory("C101", "active", tuple(points), questionnaire)


def test_thresholds_on_the_built_in_scale_stay_as_written() -> None:
    assert CLINIC.on_scale(DEFAULT_QUESTIONNAIRE) == CLINIC.as_written()


def test_thresholds_written_on_0_to_10_are_scaled_to_1_to_5() -> None:
    limits = CLINIC.on_scale(FIVE)

    # level: min + L * (max - min) / 10; distance: D * (max - min) / 10
    assert (limits.low_item, limits.low_mean) == (3.4, 4.0)
    assert (limits.baseline_drop_points, limits.last_drop_points) == (0.8, 0.4)
    assert limits.baseline_window == CLINIC.baseline_window  # counts are not scaled


def test_a_1_to_5_answer_of_3_is_low_and_4_is_not() -> None:
    limits = CLINIC.on_scale(FIVE)

    fired = low_item(on_five((3, 1, 4)), limits)

    assert fired is not None
    assert [e.item for e in fired.evidence] == ["heard"]
    assert low_item(on_five((4, 1, 4)), limits) is None
    assert low_mean(on_five((4, 1, 4)), limits) is None  # mean 4.33, limit 4.0


def test_a_reverse_item_is_turned_before_any_rule_sees_it() -> None:
    limits = CLINIC.on_scale(FIVE)

    judged_a_lot = on_five((5, 5, 5))  # "I felt judged": 5 means worse

    assert judged_a_lot.points[0].answers == {"heard": 5, "judged": 1, "energy": 5}
    fired = low_item(judged_a_lot, limits)
    assert fired is not None
    assert [(e.item, e.value) for e in fired.evidence] == [("judged", 1)]


def test_a_questionnaires_own_flags_are_used_as_written() -> None:
    own = FlagSettings(low_item=2)
    history = on_five((3, 1, 4))

    limits = limits_for(history, CLINIC, lambda q: own if q.key == FIVE.key else None)

    assert limits.low_item == 2
    assert low_item(history, limits) is None  # 3 is above the instrument's own 2
    assert limits_for(history, CLINIC).low_item == 3.4


def test_the_ceiling_note_uses_the_instruments_top() -> None:
    limits = CLINIC.on_scale(FIVE)
    tops = on_five(*[(5, 1, 5)] * 3)

    assert ceiling(tops, limits) is not None
    assert ceiling(on_five(*[(5, 2, 5)] * 3), limits) is None


def test_a_drop_of_one_point_on_1_to_5_is_a_drop_from_the_usual_level() -> None:
    limits = CLINIC.on_scale(FIVE)

    fired = baseline_drop(on_five((5, 1, 4), (5, 1, 4), (5, 1, 4), (4, 1, 4)), limits)

    assert fired is not None
    assert [e.item for e in fired.evidence] == ["heard"]


def test_a_scale_that_is_only_assumed_fires_no_rule_that_needs_a_level() -> None:
    history = on_five((1, 5, 1), (1, 5, 1), (1, 5, 1))
    assumed = ClientHistory("C101", "active", history.points, FIVE, assumed=True)

    assert {Rule.LOW_ITEM, Rule.LOW_MEAN} <= {
        f.rule for f in evaluate(history, CLINIC.on_scale(FIVE))
    }
    assert evaluate(assumed, limits_for(assumed, CLINIC, lambda _q: FlagSettings())) == ()


@pytest.mark.parametrize(
    ("item", "step"),
    [
        ("heard", "make room to talk about how safe the sessions feel"),  # bond
        ("energy", "ask in session how this part went for them"),  # other
    ],
)
def test_the_next_step_of_an_item_rule_follows_the_items_dimension(item: str, step: str) -> None:
    rows = {"heard": (1, 1, 5), "energy": (5, 1, 1)}
    summary = summarize(on_five(rows[item]), CLINIC)
    (fired,) = [f for f in summary.fired if f.rule is Rule.LOW_ITEM]

    assert step in next_step("en", fired, FIVE)


def test_items_are_named_by_their_questionnaire_and_a_reverse_one_says_so() -> None:
    assert item_name("en", "heard", FIVE) == "Heard"
    assert item_name("en", "judged", FIVE) == "Judged (reverse-scored)"
    assert item_name("en", "goals", DEFAULT_QUESTIONNAIRE) == "Goals"
