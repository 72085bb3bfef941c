"""Digest and brief deliveries once per period, and histories that keep therapists apart."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, select

from core.clinic import ClinicConfig
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from storage import migrate
from storage.database import Database
from storage.deliveries import Deliveries, Kind, State
from storage.history import Discussion, Histories
from storage.people import People
from storage.tables import AnswerRow, CheckinRow, ClientRow, DeliveryRow, NoteRow, TherapistRow
from tests.conftest import clinic_config

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
WEEK = timedelta(days=7)


def two_therapists() -> ClinicConfig:
    """T01 with C101 and C102, T02 with C201."""
    base = clinic_config().model_dump()
    base["therapists"].append({"code": "T02", "display_name": "Sam"})
    base["clients"].append({"code": "C201", "therapist": "T02"})
    return ClinicConfig.model_validate(base)


def enrol_therapist(database: Database, code: str, chat_id: int) -> None:
    """Link a therapist's chat directly."""
    with database.transaction() as s:
        row = s.scalars(select(TherapistRow).where(TherapistRow.code == code)).one()
        row.chat_id, row.enrolled_at = chat_id, NOW - WEEK * 4


def add_checkin(
    database: Database,
    client: str,
    weeks_ago: int,
    answers: tuple[int | None, ...] | None,
    note: tuple[str, bool | None] | None = None,
    *,
    unsent_after: int | None = None,
) -> None:
    """A delivered check-in with answers (None: missed) and maybe a note; with
    ``unsent_after``, one that closed without reaching the client after that many sends."""
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
            status=CheckinStatus.EXPIRED if answers is None else CheckinStatus.COMPLETED,
        )
        if unsent_after is not None:
            row.status, row.attempts = CheckinStatus.UNSENT, unsent_after
        s.add(row)
        s.flush()
        keys = [item.key for item in DEFAULT_QUESTIONNAIRE.items]
        for key, value in zip(keys, answers or (), strict=False):
            s.add(AnswerRow(checkin_id=row.id, item_key=key, value=value, answered_at=start))
        if note is not None:
            s.add(NoteRow(checkin_id=row.id, text=note[0], shared=note[1], created_at=start))


def setup(database: Database) -> tuple[Deliveries, Histories]:
    """Both therapists enrolled, people synced."""
    People(database).sync(two_therapists())
    enrol_therapist(database, "T01", 5001)
    enrol_therapist(database, "T02", 5002)
    return Deliveries(database), Histories(database)


# ---- deliveries ----


def test_a_period_is_recorded_once_however_often_it_is_ensured(database: Database) -> None:
    deliveries, _ = setup(database)

    first = deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)
    second = deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)

    assert (first, second) == (True, False)
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DeliveryRow)) == 1


def test_a_due_delivery_is_claimed_by_one_worker_only(database: Database) -> None:
    deliveries, _ = setup(database)
    for week in range(20):
        deliveries.ensure(Kind.BRIEF, "T01", f"C101@{week}", NOW, NOW + WEEK)
    claimed: list[list[int]] = [[], []]

    def worker(index: int) -> None:
        while (job := deliveries.claim_due(NOW, LEASE)) is not None:
            claimed[index].append(job.id)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = claimed[0] + claimed[1]
    assert len(everything) == len(set(everything)) == 20


def test_a_claimed_job_names_the_therapists_chat(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.BRIEF, "T02", "C201@x", NOW, NOW + WEEK, client_code="C201")

    job = deliveries.claim_due(NOW, LEASE)

    assert job is not None
    assert (job.kind, job.therapist_code, job.chat_id, job.client_code) == (
        Kind.BRIEF,
        "T02",
        5002,
        "C201",
    )
    assert deliveries.claim_due(NOW, LEASE) is None


def test_nothing_is_claimed_before_it_is_due(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW + timedelta(minutes=1), NOW + WEEK)

    assert deliveries.claim_due(NOW, LEASE) is None


def test_a_newer_digest_replaces_an_older_one_still_waiting(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W48", NOW - WEEK, NOW)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)

    assert deliveries.state(Kind.DIGEST, "T01", "2026-W48") is State.SKIPPED
    job = deliveries.claim_due(NOW, LEASE)
    assert job is not None
    assert job.period_key == "2026-W49"


def test_a_lapsed_claim_is_given_back_and_a_sent_one_never_is(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)
    deliveries.ensure(Kind.DIGEST, "T02", "2026-W49", NOW, NOW + WEEK)
    lost = deliveries.claim_due(NOW, LEASE)
    done = deliveries.claim_due(NOW, LEASE)
    assert lost is not None
    assert done is not None
    deliveries.finish(done.id, State.SENT, NOW)

    assert deliveries.tidy(NOW + LEASE).released == 1
    again = deliveries.claim_due(NOW + LEASE, LEASE)
    assert again is not None
    assert (again.id, again.attempts) == (lost.id, 2)
    assert deliveries.claim_due(NOW + LEASE, LEASE) is None


def test_a_retry_remembers_the_parts_already_sent(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.DIGEST, "T01", "2026-W49", NOW, NOW + WEEK)
    job = deliveries.claim_due(NOW, LEASE)
    assert job is not None

    deliveries.retry_later(job.id, NOW + timedelta(minutes=1), "TimedOut", parts_sent=2)

    assert deliveries.claim_due(NOW, LEASE) is None
    again = deliveries.claim_due(NOW + timedelta(minutes=1), LEASE)
    assert again is not None
    assert again.parts_sent == 2


def test_a_delivery_whose_moment_passed_is_skipped(database: Database) -> None:
    deliveries, _ = setup(database)
    deliveries.ensure(Kind.BRIEF, "T01", "C101@x", NOW, NOW + timedelta(hours=1))

    deliveries.tidy(NOW + timedelta(hours=1))

    assert deliveries.state(Kind.BRIEF, "T01", "C101@x") is State.SKIPPED


def test_only_enrolled_therapists_in_the_config_get_deliveries(database: Database) -> None:
    People(database).sync(two_therapists())
    enrol_therapist(database, "T02", 5002)

    assert [t.code for t in Deliveries(database).enrolled_therapists()] == ["T02"]


# ---- histories ----


def test_a_therapist_sees_only_their_own_clients(database: Database) -> None:
    _, histories = setup(database)
    add_checkin(database, "C201", 1, (1, 1, 1, 1), ("T02's client", True))

    assert [h.code for h in histories.for_therapist("T01", 10)] == ["C101", "C102"]
    assert histories.for_client("T01", "C201", 10) is None
    assert histories.for_client("T02", "C201", 10) is not None
    assert [code for code, _ in histories.roster("T02")] == ["C201"]


def test_history_holds_answers_in_order_and_only_shared_notes(database: Database) -> None:
    _, histories = setup(database)
    add_checkin(database, "C101", 3, (9, 9, 9, 9), ("kept private", False))
    add_checkin(database, "C101", 2, None)
    add_checkin(database, "C101", 1, (8, None, 7, 8), ("<b>shared</b> & 🙂", True))
    add_checkin(database, "C101", 0, (9, 9), ("not decided yet", None))

    history = histories.for_client("T01", "C101", 10)

    assert history is not None
    assert [p.answers for p in history.points] == [
        {"bond": 9, "goals": 9, "tasks": 9, "overall": 9},
        {},
        {"bond": 8, "goals": None, "tasks": 7, "overall": 8},
        {"bond": 9, "goals": 9},
    ]
    assert history.points[1].missed
    notes = [p.note for p in history.points if p.note is not None]
    assert [n.text for n in notes] == ["<b>shared</b> & 🙂"]
    assert notes[0].token


def test_history_keeps_only_the_latest_check_ins(database: Database) -> None:
    _, histories = setup(database)
    for weeks_ago in range(6):
        add_checkin(database, "C101", weeks_ago, (weeks_ago, 9, 9, 9))

    history = histories.for_client("T01", "C101", 4)

    assert history is not None
    assert [p.values["bond"] for p in history.points] == [3, 2, 1, 0]


def test_a_concern_is_marked_discussed_once_and_only_by_its_therapist(database: Database) -> None:
    _, histories = setup(database)
    add_checkin(database, "C101", 1, (9, 9, 9, 9), ("please raise this", True))
    history = histories.for_client("T01", "C101", 10)
    assert history is not None
    (concern,) = history.open_concerns
    assert concern.token is not None

    assert histories.discuss(concern.token, "T02", NOW) is Discussion.NOT_YOURS
    assert histories.discuss("no-such-token", "T01", NOW) is Discussion.UNKNOWN
    assert histories.discuss(concern.token, "T01", NOW) is Discussion.MARKED
    assert histories.discuss(concern.token, "T01", NOW) is Discussion.ALREADY
    again = histories.for_client("T01", "C101", 10)
    assert again is not None
    assert again.open_concerns == []


def test_the_concern_token_stays_the_same_across_reads(database: Database) -> None:
    _, histories = setup(database)
    add_checkin(database, "C101", 1, (9, 9, 9, 9), ("please raise this", True))

    first = histories.for_client("T01", "C101", 10)
    second = histories.for_client("T01", "C101", 10)

    assert first is not None
    assert second is not None
    assert first.open_concerns[0].token == second.open_concerns[0].token


def test_the_digest_migration_goes_down_and_up_again(database: Database) -> None:
    config = migrate._config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert migrate.current_revision(database.engine) == "0001"

    migrate.upgrade(database.engine, "0002")

    assert migrate.current_revision(database.engine) == "0002"
    migrate.upgrade(database.engine)
    assert migrate.current_revision(database.engine) == migrate.head_revision()
