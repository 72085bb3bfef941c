"""Per-therapist numbers: worked examples of enrolment, response rate and time to answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.commands.stats import as_json, as_table
from core.model import CheckinStatus as S
from core.model import ClientStatus as C
from core.stats import CheckinFacts, ClientFacts, TherapistStats, per_therapist, short_duration

T0 = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


def sent(therapist: str, status: S, answered_after: timedelta | None = None) -> CheckinFacts:
    first = None if answered_after is None else T0 + answered_after
    return CheckinFacts(therapist, status, T0, first)


def test_a_worked_example_of_one_therapists_line() -> None:
    clients = [
        ClientFacts("T01", C.ACTIVE),
        ClientFacts("T01", C.AWAITING_CONSENT),
        ClientFacts("T01", C.NOT_ENROLLED),
        ClientFacts("T01", C.UNREACHABLE),
    ]
    checkins = [
        sent("T01", S.COMPLETED, timedelta(minutes=10)),
        sent("T01", S.COMPLETED, timedelta(hours=2)),
        sent("T01", S.COMPLETED, timedelta(hours=5)),
        sent("T01", S.EXPIRED, timedelta(hours=1)),  # started, never finished
        sent("T01", S.EXPIRED),
        sent("T01", S.OPEN),  # still open: counts as sent, not in the rate
        CheckinFacts("T01", S.PLANNED, None, None),
        CheckinFacts("T01", S.UNSENT, None, None),
    ]

    (line,) = per_therapist(["T01"], clients, checkins)

    assert line == TherapistStats(
        therapist_code="T01",
        clients=4,
        enrolled=3,
        active=1,
        sent=6,
        answered=3,
        expired=2,
        response_rate=0.6,
        median_to_answer=timedelta(hours=1, minutes=30),  # of 10m, 1h, 2h, 5h
    )


def test_a_therapist_without_clients_gets_an_empty_line_not_a_division_by_zero() -> None:
    (line,) = per_therapist(["T02"], [], [])

    assert line == TherapistStats("T02")
    assert line.response_rate is None
    assert line.median_to_answer is None


def test_therapists_keep_their_order_and_unknown_ones_come_last() -> None:
    lines = per_therapist(["T02", "T01"], [ClientFacts("T09", C.ACTIVE)], [])

    assert [line.therapist_code for line in lines] == ["T02", "T01", "T09"]


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=-5), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=59, seconds=59), "59m"),
        (timedelta(hours=3, minutes=5), "3h 05m"),
        (timedelta(hours=47, minutes=59), "47h 59m"),
        (timedelta(days=2, hours=4, minutes=30), "2d 4h"),
    ],
)
def test_durations_are_short_and_readable(delta: timedelta, shown: str) -> None:
    assert short_duration(delta) == shown


def test_the_table_has_a_header_and_says_n_a_for_flags_and_dash_for_nothing_yet() -> None:
    lines = per_therapist(["T01", "T02"], [], [sent("T01", S.COMPLETED, timedelta(minutes=12))])

    table = as_table(lines).splitlines()

    assert table[0].split("  ")[0] == "therapist"
    assert "response rate" in table[0]
    assert "flags fired" in table[0]
    assert table[1].split()[:8] == ["T01", "0", "0", "0", "1", "1", "0", "100%"]
    assert table[1].split()[-2:] == ["12m", "n/a"]
    assert table[2].split()[-3:] == ["-", "-", "n/a"]


def test_the_json_gives_seconds_and_a_fraction() -> None:
    lines = per_therapist(["T01"], [], [sent("T01", S.COMPLETED, timedelta(minutes=12))])

    assert '"median_seconds_to_answer": 720.0' in as_json(lines)
    assert '"response_rate": 1.0' in as_json(lines)
    assert '"flags_fired": null' in as_json(lines)
