"""Which estimates are due, around quiet hours, and how they share messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clinic import ClinicConfig
from core.clinic_values import QuietHours
from core.estimate import (
    ASK_WITHIN,
    MAX_BUTTONS,
    MAX_CLIENTS,
    MAX_ROW,
    EndedSession,
    Estimate,
    EstimateStatus,
    EstimateTiming,
    asking_now,
    button_rows,
    buttons_of,
    due_estimates,
    estimate_timing,
    estimating,
    group,
    is_due,
    overall_item,
)
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from tests.conftest import clinic_config

BERLIN = ZoneInfo("Europe/Berlin")
#: Tuesday 24 November 2026: the session 15:00-15:50 Berlin ends at 14:50 UTC.
ENDED = datetime(2026, 11, 24, 14, 50, tzinfo=UTC)
TIMING = EstimateTiming(True, timedelta(minutes=30), BERLIN, QuietHours())


def config(**therapist: object) -> ClinicConfig:
    data = clinic_config(therapist_estimate=True).model_dump()
    data["therapists"][0] |= therapist
    data["therapists"].append({"code": "T02", "display_name": "Sam", "therapist_estimate": False})
    return ClinicConfig.model_validate(data)


def estimate(n: int, therapist: str = "T01", questionnaire: str = "alliance-v1") -> Estimate:
    return Estimate(
        id=n,
        token=f"tok{n}",
        therapist_code=therapist,
        chat_id=hash(therapist) % 1000,
        client_code=f"C{n:03d}",
        session_start=ENDED - timedelta(minutes=50),
        questionnaire=questionnaire,
        status=EstimateStatus.ASKING,
    )


def test_an_estimate_is_due_from_the_delay_after_the_session_ends() -> None:
    assert not is_due(ENDED, ENDED + timedelta(minutes=29, seconds=59), TIMING)
    assert is_due(ENDED, ENDED + timedelta(minutes=30), TIMING)
    assert is_due(ENDED, ENDED + timedelta(hours=3), TIMING)


def test_an_estimate_is_not_asked_long_after_the_session() -> None:
    late = ENDED + timedelta(minutes=30) + ASK_WITHIN
    assert is_due(ENDED, late - timedelta(minutes=1), TIMING)
    assert not is_due(ENDED, late, TIMING)


def test_nothing_is_due_for_a_therapist_with_estimates_off() -> None:
    off = EstimateTiming(False, timedelta(minutes=30), BERLIN, QuietHours())
    assert not is_due(ENDED, ENDED + timedelta(hours=1), off)


def test_an_estimate_waits_out_the_therapists_quiet_hours() -> None:
    evening_end = datetime(2026, 11, 24, 19, 45, tzinfo=UTC)  # 20:45 Berlin
    assert not is_due(evening_end, datetime(2026, 11, 24, 20, 15, tzinfo=UTC), TIMING)  # 21:15
    assert not is_due(evening_end, datetime(2026, 11, 25, 7, 59, tzinfo=UTC), TIMING)  # 08:59
    assert is_due(evening_end, datetime(2026, 11, 25, 8, 0, tzinfo=UTC), TIMING)  # 09:00


def test_without_quiet_hours_an_estimate_is_asked_at_night() -> None:
    night = EstimateTiming(True, timedelta(minutes=30), BERLIN, None)
    assert is_due(ENDED, datetime(2026, 11, 24, 23, 0, tzinfo=UTC), night)


def test_the_timing_follows_the_therapists_switch_and_digest_quiet_hours() -> None:
    clinic = config(digest={"quiet_hours": "22:00-07:00"}, timezone="America/New_York")
    t01, t02 = clinic.therapists
    own = estimate_timing(clinic, t01)
    assert own.enabled
    assert own.after == timedelta(minutes=30)
    assert own.quiet == QuietHours.model_validate({"start": "22:00", "end": "07:00"})
    assert own.tz == ZoneInfo("America/New_York")
    assert not estimate_timing(clinic, t02).enabled  # the therapist turned it off
    quiet_off = config(digest={"quiet_hours": False})
    assert estimate_timing(quiet_off, quiet_off.therapists[0]).quiet is None


def test_estimating_is_off_unless_a_therapist_has_it_on() -> None:
    assert not estimating(clinic_config())
    assert estimating(config())
    data = clinic_config().model_dump()
    data["therapists"][0]["therapist_estimate"] = True
    assert estimating(ClinicConfig.model_validate(data))


def test_only_therapists_outside_quiet_hours_with_estimates_on_are_asked_now() -> None:
    clinic = config()
    assert list(asking_now(clinic, ENDED + timedelta(hours=1))) == ["T01"]
    assert asking_now(clinic, datetime(2026, 11, 24, 22, 0, tzinfo=UTC)) == {}  # 23:00 Berlin


def test_due_estimates_keeps_the_sessions_of_therapists_asked_now() -> None:
    sessions = [
        EndedSession(1, "T01", "C101", ENDED),
        EndedSession(2, "T01", "C102", ENDED + timedelta(minutes=10)),
        EndedSession(3, "T02", "C201", ENDED),
    ]
    now = ENDED + timedelta(minutes=35)
    assert due_estimates(sessions, {"T01": TIMING}, now) == sessions[:1]


@pytest.mark.parametrize(
    ("points", "rows"),
    [(2, [2]), (5, [5]), (7, [7]), (8, [8]), (9, [5, 4]), (11, [6, 5]), (17, [6, 6, 5])],
)
def test_a_scale_takes_as_few_even_rows_as_telegram_allows(points: int, rows: list[int]) -> None:
    made = button_rows(list(range(points)))
    assert [len(row) for row in made] == rows
    assert [v for row in made for v in row] == list(range(points))
    assert all(len(row) <= MAX_ROW for row in made)


def test_a_clients_block_has_every_point_and_skip() -> None:
    assert buttons_of(DEFAULT_QUESTIONNAIRE) == 12


def test_several_estimates_share_a_message_up_to_telegrams_button_limit() -> None:
    many = [estimate(n) for n in range(9, 0, -1)]
    messages = group(many, lambda _e: 12)
    assert [len(m) for m in messages] == [8, 1]  # 8 x 12 = 96 buttons; a ninth would be 108
    assert [e.client_code for e in messages[0]] == [f"C{n:03d}" for n in range(1, 9)]
    assert all(12 * len(m) <= MAX_BUTTONS for m in messages)


def test_a_message_holds_a_limited_number_of_clients_on_a_small_scale() -> None:
    messages = group([estimate(n) for n in range(25)], lambda _e: 3)
    assert [len(m) for m in messages] == [MAX_CLIENTS, 25 - MAX_CLIENTS]


def test_estimates_of_other_therapists_or_questionnaires_go_in_other_messages() -> None:
    asks = [estimate(1), estimate(2, "T02"), estimate(3, questionnaire="other"), estimate(4)]
    messages = group(asks, lambda _e: 12)
    assert sorted(tuple(e.id for e in m) for m in messages) == [(1, 4), (2,), (3,)]


def test_the_overall_item_gives_the_estimate_its_meaning() -> None:
    item = overall_item(DEFAULT_QUESTIONNAIRE)
    assert item is not None
    assert item.key == "overall"
    without = Questionnaire("wai", (Item("bond", "bond"), Item("goal", "goals")), 1, 5)
    assert overall_item(without) is None
    assert buttons_of(without) == 6
