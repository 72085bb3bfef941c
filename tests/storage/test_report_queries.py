"""The batched queries of the report round: what is recorded already, who linked a chat,
and histories of many clients read at once."""

from __future__ import annotations

from sqlalchemy import update

from core.model import CheckinStatus
from storage.database import Database
from storage.deliveries import Kind
from storage.tables import ClientRow
from tests.storage.test_reports import NOW, WEEK, add_checkin, setup


def test_recorded_names_only_the_deliveries_that_exist(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)
    deliveries.ensure(Kind.BRIEF, "T02", "C201@2026-12-01T14:00Z", NOW, NOW + WEEK)

    asked = [("T01", "2026-W49"), ("T02", "2026-W49"), ("T01", "2026-W48")]
    assert deliveries.recorded(Kind.DIGEST, asked) == {("T01", "2026-W49")}
    assert deliveries.recorded(Kind.BRIEF, [("T02", "C201@2026-12-01T14:00Z")]) == {
        ("T02", "C201@2026-12-01T14:00Z")
    }
    assert deliveries.recorded(Kind.BRIEF, [("T01", "C201@2026-12-01T14:00Z")]) == set()
    assert deliveries.recorded(Kind.DIGEST, []) == set()


def test_linked_clients_leaves_out_clients_without_a_chat_and_removed_ones(
    database: Database,
) -> None:
    _, histories = setup(database)
    with database.transaction() as s:
        s.execute(update(ClientRow).where(ClientRow.code == "C101").values(status="active"))
        s.execute(update(ClientRow).where(ClientRow.code == "C201").values(status="paused"))
        s.execute(
            update(ClientRow)
            .where(ClientRow.code == "C102")
            .values(status="active", in_config=False)
        )

    linked = histories.linked_clients(["C101", "C102", "C201", "C999"])

    assert linked == {"C101": "T01", "C201": "T02"}


def test_each_clients_history_holds_its_own_latest_check_ins(database: Database) -> None:
    _, histories = setup(database)
    for weeks_ago in range(12, 0, -1):
        add_checkin(database, "C101", weeks_ago, (weeks_ago % 10, 5, 5, 5))
    add_checkin(database, "C102", 3, None)
    add_checkin(database, "C201", 2, (9, 9, 9, 9), ("shared", True))

    c101, c102 = histories.for_therapist("T01", 4)

    assert [p.answers["bond"] for p in c101.points] == [4, 3, 2, 1]
    assert [p.session_start for p in c101.points] == sorted(p.session_start for p in c101.points)
    assert [p.missed for p in c102.points] == [True]
    (c201,) = histories.for_therapist("T02", 4)
    assert c201.points[0].note is not None
    assert histories.for_client("T01", "C201", 4) is None


def test_check_ins_that_failed_to_send_after_the_last_delivered_one_are_counted(
    database: Database,
) -> None:
    _, histories = setup(database)
    add_checkin(database, "C101", 4, (8, 8, 8, 8))
    add_checkin(
        database, "C101", 5, None, unsent_after=3
    )  # before the delivered one: it got through since
    add_checkin(database, "C101", 2, None, unsent_after=4)
    add_checkin(database, "C101", 1, None, unsent_after=1)
    add_checkin(
        database, "C102", 1, None, unsent_after=0
    )  # never tried (not consenting, paused): no fault

    c101, c102 = histories.for_therapist("T01", 10)

    assert c101.undelivered == 2
    assert c102.undelivered == 0
    assert [p.status for p in c101.points] == [CheckinStatus.COMPLETED]  # not shown as missed
