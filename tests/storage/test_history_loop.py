"""Histories read the loop's closing: the client's replies to repair follow-ups (kept out of
the items), the concerns they follow up, and the therapist's own answered estimates, in a
fixed number of queries and for the therapist's own clients only."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import event, select

from core.history import Reply
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, REPAIR_KEY
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
from tests.storage.test_reports import NOW, WEEK, setup

KNOWN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}


def checkin(
    database: Database,
    client: str,
    weeks_ago: int,
    answers: tuple[int | None, ...] = (9, 9, 9, 9),
    *,
    asks: str | None = None,
    repair: int | str | None = "none",
    status: CheckinStatus = CheckinStatus.COMPLETED,
    note: str | None = None,
) -> int:
    """A check-in of ``client``; ``asks`` a follow-up kind, ``repair`` its stored answer
    (an int or None for a skip; "none" for no answer stored). Its id."""
    start = NOW - WEEK * weeks_ago
    with database.transaction() as s:
        client_id = s.scalars(select(ClientRow.id).where(ClientRow.code == client)).one()
        row = CheckinRow(
            client_id=client_id,
            token=secrets.token_urlsafe(8),
            questionnaire=DEFAULT_QUESTIONNAIRE.key,
            questionnaire_version=DEFAULT_QUESTIONNAIRE.version,
            session_start=start,
            session_end=start + timedelta(minutes=50),
            due_at=start + timedelta(days=1),
            expires_at=start + timedelta(days=4),
            status=status,
            repair=asks,
        )
        s.add(row)
        s.flush()
        if status in (CheckinStatus.COMPLETED, CheckinStatus.OPEN):
            keys = [item.key for item in DEFAULT_QUESTIONNAIRE.items]
            for key, value in zip(keys, answers, strict=True):
                at = start + timedelta(days=1)
                s.add(AnswerRow(checkin_id=row.id, item_key=key, value=value, answered_at=at))
        if repair != "none":
            at = start + timedelta(days=1, minutes=1)
            s.add(AnswerRow(checkin_id=row.id, item_key=REPAIR_KEY, value=repair, answered_at=at))
        if note is not None:
            s.add(NoteRow(checkin_id=row.id, text=note, shared=True, created_at=start))
        return row.id


def followup(
    database: Database,
    client: str,
    kind: str,
    asked_by: int | None,
    *,
    rule: str | None = None,
    note_of: int | None = None,
    weeks_ago: int = 2,
) -> None:
    """A follow-up raised ``weeks_ago``; for a concern, of the note of check-in ``note_of``
    (discussed)."""
    with database.transaction() as s:
        client_id = s.scalars(select(ClientRow.id).where(ClientRow.code == client)).one()
        concern_id = None
        if note_of is not None:
            note_id = s.scalars(select(NoteRow.id).where(NoteRow.checkin_id == note_of)).one()
            concern = ConcernRow(
                note_id=note_id, token=secrets.token_urlsafe(8), discussed_at=NOW - WEEK * 2
            )
            s.add(concern)
            s.flush()
            concern_id = concern.id
        s.add(
            FollowupRow(
                client_id=client_id,
                kind=kind,
                concern_id=concern_id,
                rule=rule,
                raised_at=NOW - WEEK * weeks_ago,
                checkin_id=asked_by,
            )
        )


def estimate(database: Database, checkin_id: int, therapist: str, value: int | None) -> None:
    """An estimate of ``therapist``: answered with ``value``, or skipped (None)."""
    with database.transaction() as s:
        therapist_id = s.scalars(select(TherapistRow.id).where(TherapistRow.code == therapist))
        s.add(
            EstimateRow(
                checkin_id=checkin_id,
                therapist_id=therapist_id.one(),
                token=secrets.token_urlsafe(8),
                status="answered" if value is not None else "skipped",
                value=value,
            )
        )


def test_a_check_ins_repair_answer_is_its_reply_and_never_an_item(database: Database) -> None:
    _, histories = setup(database)
    checkin(database, "C101", 3)
    checkin(database, "C101", 2, asks="flag", repair=0)
    checkin(database, "C101", 1, asks="concern", repair=None)
    checkin(database, "C102", 1, asks="flag", status=CheckinStatus.OPEN, answers=(8, 8, 8, 8))

    c101, c102 = histories.for_therapist("T01", 10, KNOWN)

    assert [p.repair for p in c101.points] == [None, Reply.NOT_YET, Reply.SKIPPED]
    assert all(REPAIR_KEY not in p.answers for p in c101.points)
    assert c101.points[1].mean == 9
    assert c101.points[1].first_answer_at == NOW - WEEK * 2 + timedelta(days=1)
    assert [p.repair for p in c102.points] == [Reply.WAITING]


def test_follow_ups_come_with_the_reply_and_the_concern_they_follow_up(
    database: Database,
) -> None:
    _, histories = setup(database)
    shared = checkin(database, "C101", 4, note="we never talk about my sister")
    yes = checkin(database, "C101", 3, asks="flag", repair=2)
    not_yet = checkin(database, "C101", 2, asks="concern", repair=0)
    unsent = checkin(database, "C101", 1, status=CheckinStatus.UNSENT)
    followup(database, "C101", "flag", yes, rule="baseline_drop", weeks_ago=4)
    followup(database, "C101", "concern", not_yet, note_of=shared, weeks_ago=3)
    followup(database, "C101", "flag", unsent, rule="repair_not_yet", weeks_ago=2)
    followup(database, "C101", "flag", None, rule="low_item", weeks_ago=1)

    (c101, _) = histories.for_therapist("T01", 10, KNOWN)

    assert [(f.kind, f.rule, f.reply) for f in c101.followups] == [
        ("flag", "baseline_drop", Reply.YES),
        ("concern", None, Reply.NOT_YET),
        ("flag", "repair_not_yet", Reply.NOT_ASKED),
        ("flag", "low_item", Reply.NOT_ASKED),
    ]
    assert [f.asked_at for f in c101.followups] == [NOW - WEEK * 3, NOW - WEEK * 2, None, None]
    note = c101.followups[1].note
    assert note is not None
    assert (note.text, note.discussed) == ("we never talk about my sister", True)
    assert [n.text for n in c101.open_concerns] == ["we never talk about my sister"]


def test_follow_ups_asked_before_the_check_ins_read_are_left_out(database: Database) -> None:
    _, histories = setup(database)
    old = checkin(database, "C101", 6, asks="flag", repair=0)
    for weeks_ago in (3, 2, 1):
        checkin(database, "C101", weeks_ago)
    followup(database, "C101", "flag", old, rule="low_item", weeks_ago=7)

    (c101, _) = histories.for_therapist("T01", 3, KNOWN)
    assert c101.followups == ()
    (c101, _) = histories.for_therapist("T01", 4, KNOWN)
    assert [f.reply for f in c101.followups] == [Reply.NOT_YET]


def test_only_the_therapists_own_answered_estimates_are_paired(database: Database) -> None:
    _, histories = setup(database)
    low = checkin(database, "C101", 2, (9, 9, 9, 5))
    skipped = checkin(database, "C101", 1, (9, 9, 9, 9))
    theirs = checkin(database, "C201", 1, (9, 9, 9, 4))
    estimate(database, low, "T01", 8)
    estimate(database, skipped, "T01", None)
    estimate(database, theirs, "T02", 9)

    (c101, _) = histories.for_therapist("T01", 10, KNOWN)
    (c201,) = histories.for_therapist("T02", 10, KNOWN)

    assert [(p.expected, p.client, p.item) for p in c101.estimates] == [(8, 5, "overall")]
    assert c101.estimates[0].answered_at == NOW - WEEK * 2 + timedelta(days=1)
    assert [(p.expected, p.client) for p in c201.estimates] == [(9, 4)]


def test_an_estimate_by_another_therapist_is_not_read(database: Database) -> None:
    """A client who moved on: T02's earlier estimate of C101 is not T01's to see."""
    _, histories = setup(database)
    earlier = checkin(database, "C101", 1, (9, 9, 9, 5))
    estimate(database, earlier, "T02", 9)

    (c101, _) = histories.for_therapist("T01", 10, KNOWN)

    assert c101.estimates == ()
    assert histories.for_client("T02", "C101", 10, KNOWN) is None


def test_estimates_for_the_mean_gap_reach_back_beyond_the_check_ins_read(
    database: Database,
) -> None:
    _, histories = setup(database)
    for weeks_ago in (9, 7, 5, 3, 1):
        estimate(database, checkin(database, "C101", weeks_ago, (9, 9, 9, 6)), "T01", 8)

    (c101, _) = histories.for_therapist("T01", 2, KNOWN, estimates_since=NOW - WEEK * 8)
    assert [p.session_start for p in c101.estimates] == [NOW - WEEK * w for w in (7, 5, 3, 1)]
    assert len(c101.points) == 2
    brief = histories.for_client("T01", "C101", 2, KNOWN)
    assert brief is not None
    assert [p.session_start for p in brief.estimates] == [NOW - WEEK * w for w in (3, 1)]


def test_a_digests_histories_take_a_fixed_number_of_queries(database: Database) -> None:
    _, histories = setup(database)
    for client in ("C101", "C102"):
        for weeks_ago in (3, 2, 1):
            done = checkin(database, client, weeks_ago, asks="flag", repair=1, note="shared")
            followup(database, client, "flag", done, rule="low_item")
            estimate(database, done, "T01", 9)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = histories.for_therapist("T01", 10, KNOWN, estimates_since=NOW - WEEK * 8)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert [len(h.estimates) for h in found] == [3, 3]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert (
        len(selects) == 8
    )  # clients, check-ins, answers, notes (2), unsent, follow-ups, estimates
