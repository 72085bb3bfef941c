"""Histories read each check-in with the questionnaire it was asked with: the latest
instrument makes the history, earlier ones are kept apart, reverse items come turned."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow
from tests.storage.test_reports import NOW, WEEK, setup
from tests.unit.test_instrument_runs import FIVE

KNOWN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE, FIVE.key: FIVE}


def add(
    database: Database,
    client: str,
    weeks_ago: int,
    questionnaire: Questionnaire,
    answers: tuple[int | None, ...],
    *,
    version: str | None = None,
    note: str | None = None,
) -> None:
    """A completed check-in on ``questionnaire`` (answers as given, in its item order)."""
    start = NOW - WEEK * weeks_ago
    with database.transaction() as s:
        client_id = s.scalars(select(ClientRow.id).where(ClientRow.code == client)).one()
        row = CheckinRow(
            client_id=client_id,
            token=secrets.token_urlsafe(8),
            questionnaire=questionnaire.key,
            questionnaire_version=version or questionnaire.version,
            session_start=start,
            session_end=start + timedelta(minutes=50),
            due_at=start + timedelta(days=1),
            expires_at=start + timedelta(days=4),
            status=CheckinStatus.COMPLETED,
        )
        s.add(row)
        s.flush()
        for item, value in zip(questionnaire.items, answers, strict=False):
            s.add(AnswerRow(checkin_id=row.id, item_key=item.key, value=value, answered_at=start))
        if note is not None:
            s.add(NoteRow(checkin_id=row.id, text=note, shared=True, created_at=start))


def test_the_latest_instrument_makes_the_history_and_earlier_ones_are_kept(
    database: Database,
) -> None:
    _, histories = setup(database)
    for weeks_ago in (5, 4, 3):
        add(database, "C101", weeks_ago, DEFAULT_QUESTIONNAIRE, (9, 8, 9, 9))
    add(database, "C101", 2, FIVE, (4, 5, 3), note="please raise this")
    add(database, "C101", 1, FIVE, (5, 1, None))

    history = histories.for_client("T01", "C101", 10, KNOWN)

    assert history is not None
    assert history.questionnaire == FIVE
    assert [p.answers for p in history.points] == [
        {"heard": 4, "judged": 1, "energy": 3},  # "judged" is reversed: 5 of 5 reads as 1
        {"heard": 5, "judged": 5, "energy": None},
    ]
    (before,) = history.earlier
    assert before.questionnaire == DEFAULT_QUESTIONNAIRE
    assert [p.answers["goals"] for p in before.points] == [8, 8, 8]
    assert history.switched_at == NOW - WEEK * 2
    assert [n.text for n in history.open_concerns] == ["please raise this"]


def test_the_window_counts_check_ins_on_every_instrument(database: Database) -> None:
    _, histories = setup(database)
    for weeks_ago in (6, 5, 4):
        add(database, "C101", weeks_ago, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9))
    for weeks_ago in (3, 2, 1):
        add(database, "C101", weeks_ago, FIVE, (4, 2, 4))

    (c101, c102) = histories.for_therapist("T01", 4, KNOWN)

    assert len(c101.points) == 3
    assert [len(run.points) for run in c101.earlier] == [1]
    assert c102.points == ()


def test_a_questionnaire_gone_from_the_config_is_read_by_its_answers(database: Database) -> None:
    _, histories = setup(database)
    add(database, "C101", 2, FIVE, (4, 5, 3))
    add(database, "C101", 1, FIVE, (2, 2, 2))

    history = histories.for_client("T01", "C101", 10)  # only the built-in one is known

    assert history is not None
    assert history.assumed
    assert history.questionnaire.key == FIVE.key
    assert history.item_keys == ("heard", "judged", "energy")
    assert [p.answers["judged"] for p in history.points] == [5, 2]  # not known to be reversed
    assert (history.questionnaire.scale_min, history.questionnaire.scale_max) == (0, 10)


def test_a_check_in_of_another_version_starts_a_new_run(database: Database) -> None:
    _, histories = setup(database)
    add(database, "C101", 2, FIVE, (4, 5, 3), version="0123456789ab")
    add(database, "C101", 1, FIVE, (2, 2, 2))

    history = histories.for_client("T01", "C101", 10, KNOWN)

    assert history is not None
    assert not history.assumed
    assert [p.answers["heard"] for p in history.points] == [2]
    assert [p.answers["heard"] for p in history.earlier[0].points] == [4]
