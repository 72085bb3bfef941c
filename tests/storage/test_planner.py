"""Planning that follows the change, against real databases: the planner's rows always equal
a full re-plan's, and an unchanged hour costs next to nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select

from core.clinic import ClinicConfig
from scheduler.planner import Planner
from scheduler.planning import Extra, plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from storage.tables import CheckinRow, ClientRow

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def clinic(clients: int = 12, changes: dict[str, dict[str, Any]] | None = None) -> ClinicConfig:
    """Clients on different weekdays, some fortnightly; ``changes`` edits clients by code."""
    listed = []
    for n in range(clients):
        code = f"C{n:03d}"
        weekly: dict[str, Any] = {"day": DAYS[n % 5], "time": f"{9 + n % 8:02d}:00"}
        if n % 2:
            weekly |= {"every": 2, "start": "2026-11-02"}
        listed.append(
            {"code": code, "therapist": "T01", "sessions": {"weekly": [weekly]}}
            | (changes or {}).get(code, {})
        )
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Riverside Counselling",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "Call 112."},
            },
            "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
            "clients": listed,
        }
    )


def state(database: Database) -> set[tuple[str, datetime, datetime, datetime, str]]:
    """Every check-in as (client, session start, due, expiry, status)."""
    with database.transaction() as s:
        found = s.execute(
            select(
                ClientRow.code,
                CheckinRow.session_start,
                CheckinRow.due_at,
                CheckinRow.expires_at,
                CheckinRow.status,
            ).join(ClientRow, ClientRow.id == CheckinRow.client_id)
        )
        return {tuple(row) for row in found}  # type: ignore[misc]


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def full_replan_of(database: Database, config: ClinicConfig, now: datetime, extra: Extra) -> Any:
    """What a full re-plan would change now (it then runs, so both databases agree)."""
    return plan_all(config, Checkins(database), now, extra)


def test_each_hour_the_planner_keeps_the_rows_a_full_replan_would_make(
    database: Database,
) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    now = START
    first = planner.plan(config, checkins, now, Extra())
    assert first.inserted > 0
    for _ in range(24 * 21):  # three weeks, hour by hour
        now += timedelta(hours=1)
        planner.plan(config, checkins, now, Extra())
        # A full re-plan afterwards finds nothing left to do.
        assert not full_replan_of(database, config, now, Extra()).changed, now


def test_an_unchanged_hour_reads_no_checkins(database: Database) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    planner.plan(config, checkins, START, Extra())
    quiet = START + timedelta(hours=1)  # 07:00 Berlin on Monday: no session enters the horizon
    with statements(database) as seen:
        counts = planner.plan(config, checkins, quiet, Extra())
    assert not counts.changed
    assert seen == []


def test_an_edited_client_alone_is_replanned(database: Database) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    planner.plan(config, checkins, START, Extra())
    moved = {"C004": {"sessions": {"weekly": [{"day": "friday", "time": "16:30"}]}}}
    edited = clinic(changes=moved)
    People(database).sync(edited)
    with statements(database) as seen:
        counts = planner.plan(edited, checkins, START, Extra())
    assert counts.changed
    assert not full_replan_of(database, edited, START, Extra()).changed
    planned_for = [s for s in seen if "checkins.client_id IN" in s]
    assert len(planned_for) == 1  # one transaction's read, for the one client


def test_a_cancelled_session_and_a_removed_client_are_followed(database: Database) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    planner.plan(config, checkins, START, Extra())
    session = min(start for code, start, *_ in state(database) if code == "C001")
    cancelled = Extra(cancelled={"C001": frozenset({session})})
    assert planner.plan(config, checkins, START, cancelled).cancelled == 1
    smaller = clinic(clients=11)  # C011 leaves the config
    assert planner.plan(smaller, checkins, START, cancelled).cancelled > 0
    assert not full_replan_of(database, smaller, START, cancelled).changed


def test_forget_replans_everyone_next_round(database: Database) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    planner.plan(config, checkins, START, Extra())
    with database.transaction() as s:
        s.execute(delete(CheckinRow))
    planner.forget()
    assert planner.plan(config, checkins, START, Extra()).inserted > 0
    assert not full_replan_of(database, config, START, Extra()).changed


def test_a_stopped_planner_plans_nothing_more(database: Database) -> None:
    config, planner, checkins = clinic(), Planner(), Checkins(database)
    People(database).sync(config)
    planner.stop()
    assert not planner.plan(config, checkins, START, Extra()).changed
    assert state(database) == set()
