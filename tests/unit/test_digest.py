"""Digest and brief content as data: order, firing rate, and what a brief covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.digest import Category, build_brief, build_digest, summarize
from core.flags import Rule
from core.history import ClientHistory, SharedNote
from core.report_config import FlagSettings
from tests.unit.test_flags import FIRST_SESSION, Row, point

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
DEFAULTS = FlagSettings()


def client(code: str, *rows: Row, status: str = "active") -> ClientHistory:
    """A client's history from rows of answers."""
    return ClientHistory(code, status, tuple(point(n, row) for n, row in enumerate(rows)))


def test_clients_are_listed_attention_first_then_check_in_then_stable() -> None:
    digest = build_digest(
        "T01",
        [
            client("C1", (9, 9, 9, 9)),
            client("C2", (9, 9, 9, 9), "missed", "missed"),
            client("C3", (3, 3, 3, 3)),
            client("C0", (9, 9, 9, 9)),
        ],
        DEFAULTS,
        NOW,
    )

    assert [(c.code, c.category) for c in digest.clients] == [
        ("C3", Category.ATTENTION),
        ("C2", Category.CHECK),
        ("C0", Category.STABLE),
        ("C1", Category.STABLE),
    ]


def test_the_firing_rate_counts_clients_who_take_part() -> None:
    digest = build_digest(
        "T01",
        [
            client("C1", (3, 3, 3, 3)),
            client("C2", (9, 9, 9, 9)),
            client("C3", (9, 9, 9, 9), "missed", "missed"),
            client("C4", status="not_enrolled"),
            client("C5", status="awaiting_consent"),
            client("C6", status="active"),  # consented, no check-in yet
        ],
        DEFAULTS,
        NOW,
    )

    assert digest.taking_part == 4
    assert digest.count(Category.ATTENTION) == 1
    assert digest.flagged_share == 0.25


def test_a_digest_of_clients_who_have_not_started_has_no_rate() -> None:
    digest = build_digest("T01", [client("C4", status="not_enrolled")], DEFAULTS, NOW)
    assert digest.flagged_share is None


def test_the_chart_shows_flagged_clients_with_answers_only() -> None:
    digest = build_digest(
        "T01",
        [
            client("C1", (3, 3, 3, 3)),
            client("C2", (9, 9, 9, 9)),
            client("C3", "missed", "missed"),
        ],
        DEFAULTS,
        NOW,
    )
    assert [c.code for c in digest.charted] == ["C1"]


def test_a_stable_client_with_a_note_stays_stable() -> None:
    summary = summarize(client("C1", (9, 9, 9, 9), (9, 8, 9, 9)), DEFAULTS)
    assert summary.category is Category.STABLE
    assert [f.rule for f in summary.fired] == [Rule.LAST_DROP]


def test_an_item_is_named_once_by_the_most_serious_rule() -> None:
    summary = summarize(
        client("C1", (9, 9, 9, 9), (9, 10, 9, 9), (9, 9, 9, 9), (8, 5, 9, 9)), DEFAULTS
    )
    named = {f.rule: [e.item for e in f.evidence] for f in summary.fired}
    assert named[Rule.LOW_ITEM] == ["goals"]
    assert Rule.BASELINE_DROP not in named  # goals is already named as low
    assert named[Rule.LAST_DROP] == ["bond"]


def test_the_summary_holds_the_latest_answers_usual_ranges_and_open_concerns() -> None:
    note = SharedNote("please raise this", FIRST_SESSION, "tok")
    history = ClientHistory(
        "C1",
        "active",
        (
            point(0, (9, 9, 9, 9)),
            point(1, (9, 10, 9, 9)),
            point(2, (8, 9, 9, 9)),
            point(3, (9, 9, 9, 9), note),
            point(4, "missed"),
        ),
    )

    summary = summarize(history, DEFAULTS)

    assert summary.latest is history.points[3]
    assert (summary.usual["goals"].low, summary.usual["goals"].high) == (9, 10)
    assert summary.concerns == (note,)
    assert summary.missed == 1
    assert summary.category is Category.CHECK


def test_a_brief_covers_the_check_ins_since_the_session_before() -> None:
    history = client("C1", (9, 9, 9, 9), (9, 9, 9, 9), (9, 9, 9, 9), "missed")
    previous = FIRST_SESSION + timedelta(weeks=2)
    upcoming = FIRST_SESSION + timedelta(weeks=4)

    brief = build_brief("T01", history, DEFAULTS, upcoming, previous)

    assert [p.session_start for p in brief.new_points] == [
        previous,
        previous + timedelta(weeks=1),
    ]


def test_a_brief_before_the_first_session_covers_everything_so_far() -> None:
    history = client("C1", (9, 9, 9, 9))
    brief = build_brief("T01", history, DEFAULTS, FIRST_SESSION + timedelta(weeks=1), None)
    assert len(brief.new_points) == 1
