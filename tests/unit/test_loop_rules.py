"""Closing the loop in the rules: a "Not yet" keeps a concern open and needs attention, a
"Yes" closes it and ends an unrepaired dip, a session rated well below the therapist's
estimate is a blind spot, and the repair answer never counts as an item."""

from __future__ import annotations

from dataclasses import replace

from core.digest import summarize
from core.flags import Evidence, Fired, Rule, Severity, evaluate, unrepaired_dip
from core.history import (
    CheckinPoint,
    ClientHistory,
    EstimatePair,
    FollowUp,
    Reply,
    SharedNote,
    reply_of,
)
from core.loop_rules import blind_spot, repair_not_yet
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from core.report_config import FlagSettings
from tests.unit.test_flags import DEFAULTS, goals, history, point

FIVE = Questionnaire(
    key="five",
    items=(Item("heard", "bond"), Item("overall", "overall", reverse=True)),
    scale_min=1,
    scale_max=5,
    title={"en": "Five"},
)


def at(n: int) -> CheckinPoint:
    return point(n, (9, 9, 9, 9))


def note(n: int, *, discussed: bool = True) -> SharedNote:
    return SharedNote(f"note {n}", at(n).session_start, f"tok{n}", discussed)


def concern(n: int, reply: Reply, asked: int | None) -> FollowUp:
    """A follow-up of the concern shared at check-in ``n``, asked at check-in ``asked``."""
    asked_at = at(asked).session_start if asked is not None else None
    return FollowUp("concern", at(n).session_start, reply, asked_at, note=note(n))


def flag(rule: str, reply: Reply, raised: int, asked: int | None) -> FollowUp:
    asked_at = at(asked).session_start if asked is not None else None
    return FollowUp("flag", at(raised).session_start, reply, asked_at, rule=rule)


def with_loop(
    base: ClientHistory, *followups: FollowUp, pairs: tuple[EstimatePair, ...] = ()
) -> ClientHistory:
    return replace(base, followups=followups, estimates=pairs)


def pair(
    n: int, expected: float, client: float, q: Questionnaire = DEFAULT_QUESTIONNAIRE
) -> EstimatePair:
    return EstimatePair(at(n).session_start, expected, client, q, "overall")


# ---- replies ----


def test_a_reply_reads_the_stored_answer_and_the_check_ins_state() -> None:
    assert reply_of(CheckinStatus.COMPLETED, True, 2) is Reply.YES
    assert reply_of(CheckinStatus.COMPLETED, True, 1) is Reply.PARTLY
    assert reply_of(CheckinStatus.COMPLETED, True, 0) is Reply.NOT_YET
    assert reply_of(CheckinStatus.COMPLETED, True, None) is Reply.SKIPPED
    assert reply_of(CheckinStatus.EXPIRED, False, None) is Reply.SKIPPED
    assert reply_of(CheckinStatus.OPEN, False, None) is Reply.WAITING
    assert reply_of(None, False, None) is Reply.NOT_ASKED
    assert reply_of(CheckinStatus.UNSENT, False, None) is Reply.NOT_ASKED


# ---- "Not yet" ----


def test_not_yet_reopens_a_discussed_concern_and_needs_attention() -> None:
    base = replace(
        history((9, 9, 9, 9), (9, 9, 9, 9)), points=(replace(at(0), note=note(0)), at(1))
    )
    h = with_loop(base, concern(0, Reply.NOT_YET, 1))

    assert [n.text for n in h.open_concerns] == ["note 0"]
    assert repair_not_yet(h, DEFAULTS) == Fired(Rule.REPAIR_NOT_YET, count=1)
    fired = evaluate(h, DEFAULTS)
    assert [f.rule for f in fired] == [Rule.REPAIR_NOT_YET, Rule.SHARED_CONCERN]
    assert summarize(h, FlagSettings()).category.value == "attention"


def test_yes_closes_a_discussed_concern_as_repaired() -> None:
    base = replace(
        history((9, 9, 9, 9), (9, 9, 9, 9)), points=(replace(at(0), note=note(0)), at(1))
    )
    h = with_loop(base, concern(0, Reply.YES, 1))

    assert h.open_concerns == []
    assert evaluate(h, DEFAULTS) == ()


def test_a_later_answer_about_the_same_subject_supersedes_not_yet() -> None:
    h = with_loop(
        history(*([(9, 9, 9, 9)] * 4)),
        flag("baseline_drop", Reply.NOT_YET, 0, 1),
        flag("low_item", Reply.PARTLY, 2, 3),
    )
    assert repair_not_yet(h, DEFAULTS) is None


def test_a_skip_or_a_question_not_asked_yet_leaves_the_last_answer_standing() -> None:
    h = with_loop(
        history(*([(9, 9, 9, 9)] * 4)),
        flag("baseline_drop", Reply.NOT_YET, 0, 1),
        flag("baseline_drop", Reply.SKIPPED, 1, 2),
        flag("repair_not_yet", Reply.NOT_ASKED, 2, None),
    )
    assert repair_not_yet(h, DEFAULTS) == Fired(Rule.REPAIR_NOT_YET, count=1)


def test_not_yet_about_a_concern_and_about_flags_count_apart() -> None:
    h = with_loop(
        history(*([(9, 9, 9, 9)] * 3)),
        concern(0, Reply.NOT_YET, 1),
        flag("low_item", Reply.NOT_YET, 1, 2),
    )
    fired = repair_not_yet(h, DEFAULTS)
    assert fired is not None
    assert fired.count == 2
    assert fired.severity is Severity.ATTENTION


# ---- the unrepaired dip ----


def dipped(repair_at: int, reply: Reply) -> ClientHistory:
    """Goals 9, 9, 9, then a dip to 5 that stays at 6 and 6; a follow-up at ``repair_at``."""
    h = goals(9, 9, 9, 5, 6, 6)
    points = list(h.points)
    points[repair_at] = replace(points[repair_at], repair=reply)
    return replace(h, points=tuple(points))


def test_a_dip_followed_by_a_yes_no_longer_counts_as_unrepaired() -> None:
    assert unrepaired_dip(goals(9, 9, 9, 5, 6, 6), DEFAULTS) is not None
    assert unrepaired_dip(dipped(4, Reply.YES), DEFAULTS) is None
    assert unrepaired_dip(dipped(5, Reply.YES), DEFAULTS) is None


def test_partly_not_yet_or_a_yes_before_the_dip_leave_it_counting() -> None:
    for h in (dipped(4, Reply.PARTLY), dipped(4, Reply.NOT_YET), dipped(3, Reply.YES)):
        fired = unrepaired_dip(h, DEFAULTS)
        assert fired is not None
        assert fired.evidence[0].item == "goals"


def test_the_repair_answer_is_never_an_item() -> None:
    answers = {"bond": 9, "goals": 9, "tasks": 9, "overall": 9, "repair": 0}
    p = replace(at(0), answers=answers)
    assert p.values == {"bond": 9, "goals": 9, "tasks": 9, "overall": 9}
    assert p.mean == 9


# ---- the blind spot ----


def test_a_client_answer_two_points_below_the_estimate_is_a_blind_spot() -> None:
    h = with_loop(history((9, 9, 9, 9), (8, 8, 8, 6)), pairs=(pair(1, 8, 6),))
    assert blind_spot(h, DEFAULTS) == Fired(Rule.BLIND_SPOT, (Evidence("overall", 6, before=8),))
    assert Rule.BLIND_SPOT in [f.rule for f in evaluate(h, DEFAULTS)]


def test_one_point_below_or_above_the_estimate_is_no_blind_spot() -> None:
    h = history((9, 9, 9, 9), (8, 8, 8, 7))
    assert blind_spot(with_loop(h, pairs=(pair(1, 8, 7),)), DEFAULTS) is None
    assert blind_spot(with_loop(h, pairs=(pair(1, 5, 7),)), DEFAULTS) is None


def test_only_the_latest_answered_session_is_read() -> None:
    h = with_loop(history((8, 8, 8, 5), (9, 9, 9, 9)), pairs=(pair(0, 9, 5),))
    assert blind_spot(h, DEFAULTS) is None


def test_the_blind_spot_distance_is_scaled_to_the_instrument() -> None:
    limits = FlagSettings().on_scale(FIVE)  # 2 points of 0-10 are 0.8 on 1-5
    h = with_loop(history((9, 9, 9, 9)), pairs=(pair(0, 4, 3, FIVE),))
    assert limits.blind_spot_points == 0.8
    assert blind_spot(h, limits) is not None
    assert blind_spot(with_loop(h, pairs=(pair(0, 4, 3.5, FIVE),)), limits) is None


def test_the_threshold_is_the_clinics_to_set() -> None:
    h = with_loop(history((8, 8, 8, 6)), pairs=(pair(0, 9, 6),))
    strict = FlagSettings(blind_spot_points=4).on_scale(DEFAULT_QUESTIONNAIRE)
    assert blind_spot(h, strict) is None
    assert blind_spot(h, replace(strict, blind_spot_points=3)) is not None


def test_the_first_session_fires_nothing_new_without_answers() -> None:
    empty = ClientHistory("C101", "active")
    assert blind_spot(empty, DEFAULTS) is None
    assert repair_not_yet(empty, DEFAULTS) is None


def test_asked_again_after_not_yet_a_yes_settles_the_concern_too() -> None:
    """A concern is followed up once; the flag its "Not yet" raises asks again."""
    base = replace(
        history(*([(9, 9, 9, 9)] * 4)), points=(replace(at(0), note=note(0)), at(1), at(2), at(3))
    )
    not_yet = concern(0, Reply.NOT_YET, 1)
    again = flag(Rule.REPAIR_NOT_YET.value, Reply.YES, 1, 3)

    assert repair_not_yet(with_loop(base, not_yet), DEFAULTS) is not None
    settled_again = with_loop(base, not_yet, again)
    assert repair_not_yet(settled_again, DEFAULTS) is None
    assert settled_again.open_concerns == []
    still = with_loop(base, not_yet, flag("low_item", Reply.YES, 1, 3))
    assert [n.text for n in still.open_concerns] == ["note 0"]
