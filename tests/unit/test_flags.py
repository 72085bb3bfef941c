"""Flag rules pinned to worked examples, with the edges: first check-in, skips, all maximum."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.baseline import MEAN, baseline
from core.flags import (
    Evidence,
    Fired,
    Rule,
    Severity,
    baseline_drop,
    ceiling,
    decline_run,
    evaluate,
    last_drop,
    low_item,
    low_mean,
    missed,
    shared_concern,
    stopped,
    undelivered,
    unreachable,
    unrepaired_dip,
)
from core.history import CheckinPoint, ClientHistory, SharedNote
from core.model import CheckinStatus
from core.report_config import FlagSettings

DEFAULTS = FlagSettings().as_written()
KEYS = ("bond", "goals", "tasks", "overall")
FIRST_SESSION = datetime(2026, 9, 1, 13, 0, tzinfo=UTC)
Row = tuple[int | None, int | None, int | None, int | None] | str


def point(n: int, row: Row, note: SharedNote | None = None) -> CheckinPoint:
    """Check-in ``n`` (weekly sessions): a row of four answers, 'missed' or 'open'."""
    start = FIRST_SESSION + timedelta(weeks=n)
    end = start + timedelta(minutes=50)
    if row == "missed":
        return CheckinPoint(start, end, CheckinStatus.EXPIRED)
    if row == "open":
        return CheckinPoint(start, end, CheckinStatus.OPEN)
    assert not isinstance(row, str)
    answers = dict(zip(KEYS, row, strict=True))
    answered = end + timedelta(days=1, hours=2)
    return CheckinPoint(start, end, CheckinStatus.COMPLETED, answers, answered, note)


def history(*rows: Row, status: str = "active") -> ClientHistory:
    """A client's history, oldest check-in first."""
    return ClientHistory("C101", status, tuple(point(n, row) for n, row in enumerate(rows)))


def goals(*values: int) -> ClientHistory:
    """A history where only the goals item moves; the others stay at 9."""
    return history(*((9, v, 9, 9) for v in values))


def rules(fired: tuple[Fired, ...]) -> list[Rule]:
    """The rules that fired, in order."""
    return [f.rule for f in fired]


# ---- low item ----


def test_an_item_at_the_threshold_is_low() -> None:
    fired = low_item(history((9, 6, 9, 9)), DEFAULTS)
    assert fired == Fired(Rule.LOW_ITEM, (Evidence("goals", 6),))
    assert fired.severity is Severity.ATTENTION


def test_an_item_one_above_the_threshold_is_not_low() -> None:
    assert low_item(history((9, 7, 9, 9)), DEFAULTS) is None


def test_a_low_item_carries_the_clients_usual_range_once_there_is_one() -> None:
    fired = low_item(history((9, 9, 9, 9), (9, 10, 9, 9), (9, 9, 9, 9), (9, 5, 9, 9)), DEFAULTS)
    assert fired is not None
    assert fired.evidence == (Evidence("goals", 5, usual_low=9, usual_high=10),)


def test_low_item_threshold_comes_from_the_config() -> None:
    assert low_item(history((9, 8, 9, 9)), FlagSettings(low_item=8).as_written()) is not None


# ---- low mean ----


def test_a_mean_below_the_threshold_is_low() -> None:
    fired = low_mean(history((7, 7, 8, 7)), DEFAULTS)  # mean 7.25
    assert fired == Fired(Rule.LOW_MEAN, (Evidence(MEAN, 7.25),))


def test_a_mean_exactly_at_the_threshold_is_not_low() -> None:
    assert low_mean(history((8, 7, 7, 8)), DEFAULTS) is None  # mean 7.5


def test_the_mean_leaves_skipped_items_out_instead_of_counting_them_as_zero() -> None:
    assert low_mean(history((9, None, 8, 9)), DEFAULTS) is None


# ---- drop from the client's own baseline ----


def test_a_drop_of_two_below_the_median_fires_with_the_usual_range() -> None:
    fired = baseline_drop(goals(9, 10, 9, 7), DEFAULTS)  # median 9, 7 is two below
    assert fired == Fired(Rule.BASELINE_DROP, (Evidence("goals", 7, 9, 10),))


def test_a_drop_of_one_below_the_median_does_not_fire() -> None:
    assert baseline_drop(goals(9, 10, 9, 8), DEFAULTS) is None


def test_no_baseline_before_the_minimum_number_of_points() -> None:
    assert baseline_drop(goals(10, 10, 2), DEFAULTS) is None  # only two earlier answers
    two = FlagSettings(baseline_min_points=2).as_written()
    assert baseline_drop(goals(10, 10, 2), two) is not None


def test_the_baseline_is_the_median_of_the_last_five_check_ins_only() -> None:
    usual = baseline([3, 3, 3, 9, 9, 9, 9, 9], DEFAULTS)
    assert usual is not None
    assert (usual.median, usual.low, usual.high) == (9, 9, 9)


def test_a_client_who_varies_a_lot_needs_a_bigger_drop() -> None:
    # median 8, population SD of 5, 9, 6, 10, 8 is 1.85: two SDs is 3.7 points
    assert baseline_drop(goals(5, 9, 6, 10, 8, 5), DEFAULTS) is None
    assert baseline_drop(goals(5, 9, 6, 10, 8, 4), DEFAULTS) is not None


def test_the_spread_aware_part_can_be_turned_off() -> None:
    points_only = FlagSettings(baseline_drop_sds=0).as_written()
    assert baseline_drop(goals(5, 9, 6, 10, 8, 6), points_only) is not None


def test_a_drop_in_every_item_also_shows_as_a_drop_of_the_mean() -> None:
    fired = baseline_drop(history((9, 9, 9, 9), (9, 9, 9, 9), (9, 9, 9, 9), (7, 7, 7, 7)), DEFAULTS)
    assert fired is not None
    assert [e.item for e in fired.evidence] == [*KEYS, MEAN]


def test_a_skipped_item_is_not_a_drop() -> None:
    assert (
        baseline_drop(history((9, 9, 9, 9), (9, 9, 9, 9), (9, 9, 9, 9), (9, None, 9, 9)), DEFAULTS)
        is None
    )


# ---- drop from the last check-in: a note, never an alert ----


def test_one_point_below_last_time_is_a_note() -> None:
    fired = last_drop(goals(9, 8), DEFAULTS)
    assert fired == Fired(Rule.LAST_DROP, (Evidence("goals", 8, before=9),))
    assert fired.severity is Severity.NOTE


def test_the_same_answer_as_last_time_is_no_note() -> None:
    assert last_drop(goals(9, 9), DEFAULTS) is None


# ---- decline runs and unrepaired dips ----


def test_two_declines_of_the_mean_in_a_row_fire() -> None:
    fired = decline_run(history((9, 9, 9, 9), (9, 8, 9, 9), (9, 8, 8, 9)), DEFAULTS)
    assert fired == Fired(Rule.DECLINE_RUN, (Evidence(MEAN, 8.5, before=9),), count=2)
    assert fired.severity is Severity.CHECK


def test_a_decline_then_a_level_answer_is_no_run() -> None:
    assert decline_run(history((9, 9, 9, 9), (9, 8, 9, 9), (9, 8, 9, 9)), DEFAULTS) is None


def test_one_decline_is_no_run() -> None:
    assert decline_run(history((9, 9, 9, 9), (9, 8, 9, 9)), DEFAULTS) is None


def test_a_dip_still_low_two_check_ins_later_is_unrepaired() -> None:
    fired = unrepaired_dip(goals(9, 9, 9, 4, 5, 5), DEFAULTS)
    assert fired == Fired(Rule.UNREPAIRED_DIP, (Evidence("goals", 5, 9, 9, before=4),), count=2)
    assert fired.severity is Severity.ATTENTION


def test_a_dip_with_only_one_check_in_since_is_not_yet_unrepaired() -> None:
    assert unrepaired_dip(goals(9, 9, 9, 4, 5), DEFAULTS) is None


def test_a_dip_that_came_back_once_is_repaired() -> None:
    assert unrepaired_dip(goals(9, 9, 9, 4, 8, 5), DEFAULTS) is None


def test_an_unrepaired_dip_still_fires_when_the_baseline_has_caught_up() -> None:
    low_for_long = goals(9, 9, 9, 4, 5, 5, 5, 5)
    assert baseline_drop(low_for_long, DEFAULTS) is None  # the median is 5 by now
    assert unrepaired_dip(low_for_long, DEFAULTS) is not None


# ---- disengagement ----


def test_two_missed_check_ins_in_a_row_fire() -> None:
    fired = missed(history((9, 9, 9, 9), "missed", "missed"), DEFAULTS)
    assert fired == Fired(Rule.MISSED, count=2)


def test_one_missed_check_in_does_not_fire() -> None:
    assert missed(history((9, 9, 9, 9), "missed"), DEFAULTS) is None


def test_a_check_in_still_open_does_not_break_the_run_of_missed_ones() -> None:
    assert missed(history("missed", "missed", "open"), DEFAULTS) == Fired(Rule.MISSED, count=2)


def test_missed_check_ins_before_an_answer_do_not_count() -> None:
    assert missed(history("missed", "missed", (9, 9, 9, 9)), DEFAULTS) is None


def test_an_all_skipped_check_in_is_answered_not_missed() -> None:
    all_skipped = history("missed", "missed", (None, None, None, None))
    assert missed(all_skipped, DEFAULTS) is None
    assert evaluate(all_skipped, DEFAULTS) == ()


def test_a_client_who_blocked_the_bot_is_unreachable() -> None:
    fired = unreachable(history((9, 9, 9, 9), status="unreachable"), DEFAULTS)
    assert fired == Fired(Rule.UNREACHABLE)
    assert fired.severity is Severity.CHECK


@pytest.mark.parametrize("status", ["stopped", "declined"])
def test_a_client_who_stopped_or_declined_is_flagged_as_stopped(status: str) -> None:
    assert stopped(history(status=status), DEFAULTS) == Fired(Rule.STOPPED)


def test_check_ins_that_could_not_be_sent_are_flagged_and_not_counted_as_missed() -> None:
    failed = replace(history((9, 9, 9, 9), "missed", "missed"), undelivered=2)

    fired = evaluate(replace(failed, points=failed.points[:1]), DEFAULTS)

    assert fired == (Fired(Rule.UNDELIVERED, count=2),)
    assert fired[0].severity is Severity.CHECK
    assert Rule.MISSED in {f.rule for f in evaluate(failed, DEFAULTS)}  # missed stays its own


@pytest.mark.parametrize("status", ["unreachable", "stopped", "declined"])
def test_undelivered_is_left_to_the_rule_that_explains_it(status: str) -> None:
    blocked = replace(history((9, 9, 9, 9), status=status), undelivered=3)
    assert undelivered(blocked, DEFAULTS) is None


def test_an_active_client_is_neither_unreachable_nor_stopped() -> None:
    assert unreachable(history(), DEFAULTS) is None
    assert stopped(history(), DEFAULTS) is None


# ---- ceiling note and shared concerns ----


def test_all_maximum_answers_three_times_is_a_ceiling_note() -> None:
    fired = ceiling(history((10, 10, 10, 10), (10, 10, 10, 10), (10, 10, 10, 10)), DEFAULTS)
    assert fired == Fired(Rule.CEILING, count=3)
    assert fired.severity is Severity.NOTE


def test_all_maximum_twice_is_no_ceiling_note_yet() -> None:
    assert ceiling(history((10, 10, 10, 10), (10, 10, 10, 10)), DEFAULTS) is None


def test_a_skipped_item_breaks_the_ceiling() -> None:
    tops = history((10, 10, 10, 10), (10, 10, None, 10), (10, 10, 10, 10))
    assert ceiling(tops, DEFAULTS) is None


def test_all_maximum_answers_fire_nothing_but_the_ceiling_note() -> None:
    tops = history(*[(10, 10, 10, 10)] * 5)
    assert rules(evaluate(tops, DEFAULTS)) == [Rule.CEILING]


def test_an_open_shared_note_is_a_concern_and_a_discussed_one_is_not() -> None:
    open_note = SharedNote("Can we talk about the homework?", FIRST_SESSION, "tok1")
    done = SharedNote("Earlier note", FIRST_SESSION, "tok2", discussed=True)
    client = ClientHistory(
        "C101", "active", (point(0, (9, 9, 9, 9), done), point(1, (9, 9, 9, 9), open_note))
    )
    fired = shared_concern(client, DEFAULTS)
    assert fired == Fired(Rule.SHARED_CONCERN, count=1)
    assert client.open_concerns == [open_note]


# ---- edges over all rules ----


def test_a_first_check_in_with_good_answers_fires_nothing() -> None:
    assert evaluate(history((9, 9, 8, 9)), DEFAULTS) == ()


def test_a_first_low_check_in_fires_only_the_absolute_rules() -> None:
    assert rules(evaluate(history((3, 2, 4, 3)), DEFAULTS)) == [Rule.LOW_ITEM, Rule.LOW_MEAN]


def test_no_check_ins_at_all_fire_nothing() -> None:
    assert evaluate(history(), DEFAULTS) == ()


def test_rules_come_most_serious_first() -> None:
    fired = evaluate(history((9, 9, 9, 9), "missed", "missed", (9, 5, 9, 9)), DEFAULTS)
    severities = [f.severity for f in fired]
    assert severities == sorted(severities, reverse=True)
    assert Rule.LOW_ITEM in rules(fired)
    assert Rule.LAST_DROP in rules(fired)


def test_the_focus_of_a_rule_is_its_lowest_item() -> None:
    fired = low_item(history((5, 3, 6, 9)), DEFAULTS)
    assert fired is not None
    assert fired.focus == "goals"
    assert Fired(Rule.LOW_MEAN, (Evidence(MEAN, 5),)).focus is None


def test_the_settings_refuse_a_minimum_above_the_window() -> None:
    with pytest.raises(ValueError, match="baseline_min_points"):
        FlagSettings(baseline_window=3, baseline_min_points=4)
