"""Closing the loop in digest content: estimates paired with the client's overall answer
(reverse items turned alike), the pairs of a digest's week and of a brief, the mean gap,
and which follow-ups are shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.digest import build_brief, build_digest
from core.history import CheckinPoint, EstimatePair, FollowUp, Reply, SharedNote
from core.instrument_runs import (
    Recorded,
    RecordedEstimate,
    client_history,
    estimate_pairs,
    pair_of,
)
from core.loop import Gap, concern_followups, flag_followups, mean_gap
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from core.report_config import FlagSettings
from tests.unit.test_flags import FIRST_SESSION

#: On 1-5, the overall item reverse-scored (1 is the best answer).
REVERSED = Questionnaire(
    key="rev",
    items=(Item("heard", "bond"), Item("overall", "overall", reverse=True)),
    scale_min=1,
    scale_max=5,
    title={"en": "Reversed"},
)
#: No overall item: the mean of the answered items stands in.
NO_OVERALL = Questionnaire(
    key="parts", items=(Item("a", "bond"), Item("b", "goals")), title={"en": "Parts"}
)
KNOWN = {q.key: q for q in (DEFAULT_QUESTIONNAIRE, REVERSED, NO_OVERALL)}
WEEK = timedelta(weeks=1)


def estimate(
    n: int, value: int, answers: dict[str, int | None], q: Questionnaire = DEFAULT_QUESTIONNAIRE
) -> RecordedEstimate:
    at = FIRST_SESSION + WEEK * n
    return RecordedEstimate(at, q.key, q.version, value, answers, at + timedelta(days=1))


def recorded(n: int, answers: dict[str, int | None], q: Questionnaire) -> Recorded:
    at = FIRST_SESSION + WEEK * n
    point = CheckinPoint(at, at + timedelta(hours=1), CheckinStatus.COMPLETED, answers, at)
    return Recorded(q.key, q.version, point)


# ---- pairs ----


def test_an_estimate_is_paired_with_the_overall_answer() -> None:
    found = pair_of(estimate(0, 8, {"bond": 9, "overall": 5}), DEFAULT_QUESTIONNAIRE)
    assert found is not None
    assert (found.expected, found.client, found.gap, found.item) == (8, 5, 3, "overall")


def test_a_reverse_overall_item_turns_both_numbers() -> None:
    # the therapist tapped 2 and the client 4 on an item where 1 is best: 4 vs 2 turned
    found = pair_of(estimate(0, 2, {"heard": 5, "overall": 4}, REVERSED), REVERSED)
    assert found is not None
    assert (found.expected, found.client, found.gap) == (4, 2, 2)


def test_without_an_overall_item_the_mean_stands_in() -> None:
    found = pair_of(estimate(0, 8, {"a": 6, "b": 7}, NO_OVERALL), NO_OVERALL)
    assert found is not None
    assert found.item is None
    assert found.client == 6.5


def test_no_pair_without_the_clients_overall_answer_or_off_the_scale() -> None:
    assert pair_of(estimate(0, 8, {"bond": 9, "overall": None}), DEFAULT_QUESTIONNAIRE) is None
    assert pair_of(estimate(0, 8, {"bond": 9}), DEFAULT_QUESTIONNAIRE) is None
    assert pair_of(estimate(0, 9, {"heard": 5, "overall": 4}, REVERSED), REVERSED) is None


def test_a_questionnaire_the_config_no_longer_has_gives_no_pair() -> None:
    gone = Questionnaire(key="gone", items=(Item("overall", "overall"),), title={"en": "Gone"})
    assert estimate_pairs([estimate(0, 8, {"overall": 5}, gone)], [], KNOWN) == []


def test_the_history_pairs_its_sessions_and_keeps_the_repair_answer_out() -> None:
    stored = [
        recorded(n, {"bond": 9, "overall": 7, "repair": 0}, DEFAULT_QUESTIONNAIRE) for n in range(3)
    ]
    estimates = [estimate(2, 9, {"overall": 7, "repair": 0}), estimate(-4, 8, {"overall": 8})]

    history = client_history("C101", "active", stored, KNOWN, estimates=estimates)

    assert history.questionnaire is DEFAULT_QUESTIONNAIRE
    assert not history.assumed
    assert all("repair" not in p.answers for p in history.points)
    assert [(p.expected, p.client) for p in history.estimates] == [(8, 8), (9, 7)]


# ---- what a digest and a brief show ----


def pair(
    n: int, expected: float, client: float, q: Questionnaire = DEFAULT_QUESTIONNAIRE
) -> EstimatePair:
    at = FIRST_SESSION + WEEK * n
    return EstimatePair(at, expected, client, q, "overall", at + timedelta(days=1))


def test_the_mean_gap_reads_eight_weeks_and_needs_one_pair() -> None:
    now = FIRST_SESSION + WEEK * 10
    pairs = [pair(1, 9, 1), pair(3, 8, 5), pair(9, 7, 8)]
    assert mean_gap(pairs, now - timedelta(weeks=8), now) == Gap(1.0, 2)
    assert mean_gap(pairs[:1], now - timedelta(weeks=8), now) is None


def test_a_mean_gap_over_scales_of_different_length_is_on_0_10() -> None:
    now = FIRST_SESSION + WEEK * 3
    gap = mean_gap([pair(1, 8, 6), pair(2, 4, 3, REVERSED)], FIRST_SESSION, now)
    # 2 points of 0-10, and 1 point of 1-5 (2.5 of 0-10)
    assert gap is not None
    assert gap.mean == pytest.approx(2.25)
    assert (gap.sessions, gap.reference) == (2, True)


def test_a_digest_shows_the_pairs_of_its_week_and_the_gap_in_its_footer() -> None:
    stored = [recorded(n, {"bond": 9, "overall": 6}, DEFAULT_QUESTIONNAIRE) for n in range(3)]
    now = FIRST_SESSION + WEEK * 2 + timedelta(days=3)
    estimates = [estimate(1, 8, {"overall": 6}), estimate(2, 9, {"overall": 6})]
    history = client_history("C101", "active", stored, KNOWN, estimates=estimates)

    digest = build_digest("T01", [history], FlagSettings(), now)

    (client,) = digest.clients
    assert [p.expected for p in digest.estimates_of(client)] == [9]
    assert digest.gap == Gap(2.5, 2)
    assert "blind_spot" in [f.rule.value for f in client.fired]


def test_a_brief_shows_the_pairs_since_the_last_session() -> None:
    stored = [recorded(n, {"bond": 9, "overall": 8}, DEFAULT_QUESTIONNAIRE) for n in range(3)]
    estimates = [estimate(0, 8, {"overall": 8}), estimate(2, 9, {"overall": 8})]
    history = client_history("C101", "active", stored, KNOWN, estimates=estimates)

    brief = build_brief(
        "T01", history, FlagSettings(), FIRST_SESSION + WEEK * 3, FIRST_SESSION + WEEK * 2
    )

    assert [p.expected for p in brief.new_estimates] == [9]


# ---- follow-ups shown ----


def note(n: int) -> SharedNote:
    return SharedNote(f"note {n}", FIRST_SESSION + WEEK * n, f"tok{n}", True)


def test_each_concern_shows_its_latest_follow_up() -> None:
    first = FollowUp(
        "concern", FIRST_SESSION + WEEK, Reply.NOT_YET, FIRST_SESSION + WEEK * 2, note=note(0)
    )
    again = replace(first, raised_at=FIRST_SESSION + WEEK * 3, reply=Reply.NOT_ASKED, asked_at=None)
    other = FollowUp("concern", FIRST_SESSION, Reply.YES, FIRST_SESSION + WEEK, note=note(1))

    assert concern_followups([first, other, again]) == [again, other]


def test_flag_follow_ups_show_the_latest_asked_and_those_waiting() -> None:
    def flag(rule: str, raised: int, asked: int | None, reply: Reply) -> FollowUp:
        at = FIRST_SESSION + WEEK * asked if asked is not None else None
        return FollowUp("flag", FIRST_SESSION + WEEK * raised, reply, at, rule=rule)

    shown = flag_followups(
        [
            flag("low_item", 0, 1, Reply.YES),
            flag("baseline_drop", 2, 3, Reply.NOT_YET),
            flag("low_mean", 2, 3, Reply.NOT_YET),
            flag("repair_not_yet", 4, None, Reply.NOT_ASKED),
        ]
    )

    assert [(s.rules, s.reply) for s in shown] == [
        (("baseline_drop", "low_mean"), Reply.NOT_YET),
        (("repair_not_yet",), Reply.NOT_ASKED),
    ]
