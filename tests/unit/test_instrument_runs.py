"""A history never mixes instruments: runs by questionnaire version, a new baseline after a
switch, and a sensible stand-in for a questionnaire the config no longer has."""

from __future__ import annotations

from datetime import timedelta

from core.digest import summarize
from core.flags import Rule, evaluate
from core.history import CheckinPoint, SharedNote
from core.instrument_runs import Recorded, client_history, rebuilt, resolve
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from core.report_config import FlagSettings
from tests.unit.test_flags import FIRST_SESSION

#: A clinic's instrument on 1-5: one reverse item, one measuring something else.
FIVE = Questionnaire(
    key="brief-5",
    items=(
        Item("heard", "bond", {"en": "I felt heard."}, {"en": "Heard"}),
        Item("judged", "bond", {"en": "I felt judged."}, {"en": "Judged"}, reverse=True),
        Item("energy", "other", {"en": "I had energy."}, {"en": "Energy"}),
    ),
    scale_min=1,
    scale_max=5,
    title={"en": "Session check"},
)
KNOWN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE, FIVE.key: FIVE}
BUILTIN = ("bond", "goals", "tasks", "overall")
FIVE_KEYS = ("heard", "judged", "energy")


def recorded(
    n: int,
    questionnaire: Questionnaire,
    row: tuple[int | None, ...] | None,
    *,
    version: str | None = None,
    note: SharedNote | None = None,
) -> Recorded:
    """Check-in ``n`` (weekly) on ``questionnaire``: answers as given, or missed (None)."""
    start = FIRST_SESSION + timedelta(weeks=n)
    end = start + timedelta(minutes=50)
    if row is None:
        point = CheckinPoint(start, end, CheckinStatus.EXPIRED, note=note)
    else:
        keys = [item.key for item in questionnaire.items]
        answers = dict(zip(keys, row, strict=True))
        point = CheckinPoint(start, end, CheckinStatus.COMPLETED, answers, end, note)
    return Recorded(questionnaire.key, version or questionnaire.version, point)


def test_the_history_is_the_latest_instrument_and_the_one_before_is_kept_apart() -> None:
    stored = [recorded(n, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9)) for n in range(4)]
    stored += [recorded(n, FIVE, (4, 2, 4)) for n in range(4, 6)]

    history = client_history("C101", "active", stored, KNOWN)

    assert history.questionnaire is FIVE
    assert history.item_keys == FIVE_KEYS
    assert [p.answers for p in history.points] == [{"heard": 4, "judged": 4, "energy": 4}] * 2
    (before,) = history.earlier
    assert before.questionnaire is DEFAULT_QUESTIONNAIRE
    assert len(before.points) == 4
    assert history.switched_at == stored[4].point.session_start


def test_a_switch_starts_a_new_baseline() -> None:
    # Nine out of ten on 0-10, then 3 out of 5 three times: 3 is low on 1-5, but it is not
    # a drop from "usually 9", and there is no usual range on the new instrument yet.
    stored = [recorded(n, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9)) for n in range(5)]
    stored += [recorded(n, FIVE, (4, 2, 4)) for n in range(5, 7)]

    summary = summarize(client_history("C101", "active", stored, KNOWN), FlagSettings())

    assert summary.usual == {}
    assert Rule.BASELINE_DROP not in {f.rule for f in summary.fired}
    assert Rule.LAST_DROP not in {f.rule for f in summary.fired}


def test_a_new_version_starts_a_new_baseline_even_with_the_same_items() -> None:
    def stored(first_version: str) -> list[Recorded]:
        found = [
            recorded(n, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9), version=first_version)
            for n in range(5)
        ]
        return [*found, recorded(5, DEFAULT_QUESTIONNAIRE, (9, 6, 9, 9))]

    limits = FlagSettings().as_written()
    same = client_history("C101", "active", stored(DEFAULT_QUESTIONNAIRE.version), KNOWN)
    switched = client_history("C101", "active", stored("older"), KNOWN)

    assert Rule.BASELINE_DROP in {f.rule for f in evaluate(same, limits)}
    assert Rule.BASELINE_DROP not in {f.rule for f in evaluate(switched, limits)}
    assert Rule.LOW_ITEM in {f.rule for f in evaluate(switched, limits)}


def test_a_switch_back_is_a_switch_too() -> None:
    stored = [recorded(0, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9))]
    stored += [recorded(1, FIVE, (4, 2, 4)), recorded(2, DEFAULT_QUESTIONNAIRE, (8, 8, 8, 8))]

    history = client_history("C101", "active", stored, KNOWN)

    assert [p.answers["bond"] for p in history.points] == [8]
    assert [run.questionnaire.key for run in history.earlier] == ["alliance-v1", "brief-5"]


def test_missed_check_ins_and_concerns_count_across_a_switch() -> None:
    note = SharedNote("please raise this", FIRST_SESSION, "tok")
    stored = [recorded(0, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9), note=note)]
    stored += [recorded(1, DEFAULT_QUESTIONNAIRE, None), recorded(2, FIVE, None)]

    summary = summarize(client_history("C101", "active", stored, KNOWN), FlagSettings())

    assert {Rule.MISSED, Rule.SHARED_CONCERN} <= {f.rule for f in summary.fired}
    assert summary.concerns == (note,)
    assert summary.missed == 2


def test_a_new_version_of_a_questionnaire_is_a_new_run() -> None:
    stored = [recorded(0, FIVE, (4, 2, 4), version="old-version")]
    stored += [recorded(1, FIVE, (5, 1, 5))]

    history = client_history("C101", "active", stored, KNOWN)

    assert len(history.points) == 1
    (before,) = history.earlier
    assert before.questionnaire is FIVE  # its answers fit the version the config has now
    assert not before.assumed


def test_an_old_version_whose_answers_do_not_fit_is_rebuilt_from_them() -> None:
    answers = [{"heard": 7, "judged": None}]

    questionnaire, assumed = resolve(FIVE.key, "old-version", answers, KNOWN)

    assert assumed
    assert [item.key for item in questionnaire.items] == ["heard", "judged"]
    assert (questionnaire.scale_min, questionnaire.scale_max) == (0, 10)


def test_a_questionnaire_gone_from_the_config_keeps_its_answers_by_key() -> None:
    stored = [recorded(n, FIVE, (2, 2, 2)) for n in range(3)]

    history = client_history("C101", "active", stored, {})

    assert history.assumed
    assert history.item_keys == FIVE_KEYS
    assert not any(item.reverse for item in history.questionnaire.items)
    assert (history.questionnaire.scale_min, history.questionnaire.scale_max) == (0, 10)
    assert not history.questionnaire.builtin
    # the scale is a guess: 2 of (what may be) 5 raises no "low" flag
    assert summarize(history, FlagSettings()).fired == ()


def test_a_stand_in_scale_widens_to_every_value_stored() -> None:
    stand_in = rebuilt("wide", [{"a": 12}, {"a": None, "b": 3}])

    assert [item.key for item in stand_in.items] == ["a", "b"]
    assert (stand_in.scale_min, stand_in.scale_max) == (0, 12)


def test_a_client_without_check_ins_has_an_empty_history() -> None:
    history = client_history("C101", "awaiting_consent", [], KNOWN, undelivered=1)

    assert history.points == ()
    assert history.earlier == ()
    assert history.undelivered == 1
    assert history.item_keys == BUILTIN
