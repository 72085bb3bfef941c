"""Repair follow-ups and therapists' estimates under the client's rights, on SQLite and
PostgreSQL: the copy holds them (an estimate only once the check-in went out), erasure
removes them with the answers in one transaction, and the purge ages them like answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from core.audit import AuditKind
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.estimate import EstimateStatus
from core.model import CheckinStatus
from storage.audit import Audit
from storage.client_data import ClientData, Erased, FollowupCopy
from storage.database import Database
from storage.tables import (
    AnswerRow,
    CheckinRow,
    ClientRow,
    ConcernRow,
    EstimateRow,
    FollowupRow,
    NoteRow,
    TherapistRow,
)
from tests.storage.test_client_rights import WEDNESDAY_EVENING, answer_all, enrol

#: Tuesday's sessions ended at 14:50 UTC (C101) and 09:50 UTC (C102); estimates came soon after.
ESTIMATED = datetime(2026, 11, 24, 15, 20, tzinfo=WEDNESDAY_EVENING.tzinfo)
#: The concern was discussed, and the flag raised, before the check-in went out.
RAISED = ESTIMATED + timedelta(hours=2)
CUT_OFF = WEDNESDAY_EVENING + timedelta(seconds=1)
LATER = WEDNESDAY_EVENING + timedelta(days=400)


def _checkin_ids(database: Database, code: str) -> list[tuple[int, str]]:
    """(id, status) of the client's check-ins, oldest session first."""
    with database.transaction() as s:
        rows = s.execute(
            select(CheckinRow.id, CheckinRow.status)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .where(ClientRow.code == code)
            .order_by(CheckinRow.session_start)
        ).all()
    return [(i, status) for i, status in rows]


def closing_the_loop(database: Database, config: ClinicConfig, clock: FixedClock) -> None:
    """Both clients answered Tuesday's check-in (with a note). C101's asked the repair
    question after a discussed concern (answered Not yet), a flag follow-up waits for the
    next check-in, and T01 estimated both sessions, and C101's next, still unsent one."""
    enrol(database, config, clock.now())
    answer_all(database, config, WEDNESDAY_EVENING)
    (answered, _), (planned, planned_status) = _checkin_ids(database, "C101")[:2]
    assert planned_status == CheckinStatus.PLANNED
    [(other, _)] = _checkin_ids(database, "C102")[:1]
    with database.transaction() as s:
        client = s.scalar(select(ClientRow.id).where(ClientRow.code == "C101"))
        therapist = s.scalar(select(TherapistRow.id).where(TherapistRow.code == "T01"))
        note = s.scalar(select(NoteRow.id).where(NoteRow.checkin_id == answered))
        concern = ConcernRow(note_id=note, token="concern-1", discussed_at=RAISED)
        s.add(concern)
        s.flush()
        s.get_one(CheckinRow, answered).repair = "concern"
        s.add(AnswerRow(checkin_id=answered, item_key="repair", value=0, answered_at=CUT_OFF))
        s.add_all(
            [
                FollowupRow(
                    client_id=client,
                    kind="concern",
                    concern_id=concern.id,
                    raised_at=RAISED,
                    checkin_id=answered,
                ),
                FollowupRow(client_id=client, kind="flag", rule="low_total", raised_at=LATER),
            ]
        )
        for checkin, value, token in ((answered, 6, "e1"), (planned, 9, "e2"), (other, 8, "e3")):
            s.add(
                EstimateRow(
                    checkin_id=checkin,
                    therapist_id=therapist,
                    token=token,
                    status=EstimateStatus.ANSWERED,
                    value=value,
                    asked_at=ESTIMATED,
                    answered_at=ESTIMATED,
                )
            )


def count(database: Database, table: type[object]) -> int:
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_the_copy_holds_the_repair_answer_and_its_follow_ups_but_never_an_estimate(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)

    copy = ClientData(database).copy("C101")

    assert copy is not None
    (checkin,) = copy.checkins
    assert checkin.repair == "concern"
    assert ("repair", 0, CUT_OFF) in checkin.answers
    assert "estimate" not in repr(copy)  # never shown to the client (clinical guide)
    assert copy.followups == (
        FollowupCopy("concern", None, RAISED, checkin.session_start),
        FollowupCopy("flag", "low_total", LATER, None),
    )
    other = ClientData(database).copy("C102")
    assert other is not None
    assert other.followups == ()
    assert "estimate" not in repr(other)


def test_erasure_removes_follow_ups_and_estimates_with_the_answers_for_that_client_only(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    data = ClientData(database)

    erased = data.erase("C101", LATER)

    assert erased == Erased(answers=5, notes=1, estimates=2, followups=2)  # repair among them
    assert count(database, FollowupRow) == 0
    with database.transaction() as s:
        left = s.execute(select(EstimateRow.token, EstimateRow.value)).all()
        repair = s.scalar(select(func.count()).where(AnswerRow.item_key == "repair"))
    assert [tuple(row) for row in left] == [("e3", 8)]  # C102's session
    assert repair == 0
    after = data.copy("C101")
    assert after is not None
    assert (after.checkins, after.followups) == ((), ())
    assert not data.erase("C101", LATER)


def test_an_erasure_that_fails_leaves_the_follow_ups_and_estimates_too(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    # A row that refers to the notes without cascading: deleting C101's must fail.
    with database.transaction() as s:
        s.execute(text("CREATE TABLE blocker (note_id INTEGER REFERENCES notes (id))"))
        s.execute(text("INSERT INTO blocker SELECT id FROM notes"))

    with pytest.raises(IntegrityError):
        ClientData(database).erase("C101", LATER)

    assert (count(database, FollowupRow), count(database, EstimateRow)) == (2, 3)
    assert count(database, AnswerRow) == 9


def test_the_purge_ages_estimates_and_follow_ups_like_answers(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    data = ClientData(database)

    too_early = data.purge(ESTIMATED, LATER, dry_run=True, via="test")
    counted = data.purge(CUT_OFF, LATER, dry_run=True, via="test")
    purged = data.purge(CUT_OFF, LATER, dry_run=False, via="test")

    assert (too_early.estimates, too_early.followups) == (0, 0)
    # Every estimate was saved before the cut-off, the concern's follow-up goes with its
    # note; the flag's follow-up was raised after the cut-off, and the repair answer given
    # exactly at it, so both stay.
    assert (counted.answers, counted.notes, counted.estimates, counted.followups) == (8, 2, 3, 1)
    assert purged == counted
    assert count(database, EstimateRow) == 0
    with database.transaction() as s:
        assert s.execute(select(FollowupRow.kind)).scalars().all() == ["flag"]
        assert s.execute(select(AnswerRow.item_key)).scalars().all() == ["repair"]
    (entry,) = [e for e in Audit(database).entries() if e.kind == AuditKind.PURGED]
    assert entry.detail == "before 2026-11-25: 8 answers, 2 notes, 3 estimates, 1 follow-ups"


def test_an_estimate_never_saved_is_aged_by_when_it_was_asked_or_its_session_ended(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    closing_the_loop(database, config, clock)
    with database.transaction() as s:
        s.execute(
            update(EstimateRow)
            .where(EstimateRow.token == "e1")
            .values(status=EstimateStatus.CLOSED, value=None, answered_at=None)
        )
        s.execute(
            update(EstimateRow)
            .where(EstimateRow.token == "e2")
            .values(status=EstimateStatus.PENDING, value=None, answered_at=None, asked_at=None)
        )

    purged = ClientData(database).purge(CUT_OFF, LATER, dry_run=False, via="test")

    assert purged.estimates == 2  # e1 asked before, e3 saved before the cut-off
    with database.transaction() as s:
        assert s.execute(select(EstimateRow.token)).scalars().all() == ["e2"]  # next week's
