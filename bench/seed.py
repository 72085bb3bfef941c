"""Seeding a database with many consenting clients and due check-ins, fast (bulk inserts)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from core.clinic import ClinicConfig
from core.enrolment import CONSENT_VERSION
from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from core.report_times import digest_period_key, latest_digest_slot, timing_for
from core.schedule import PlannedCheckin, plan_checkins
from storage.database import Database
from storage.tables import (
    AnswerRow,
    Base,
    CheckinRow,
    ClientRow,
    ConcernRow,
    ConsentRow,
    DeliveryRow,
    NoteRow,
    TherapistRow,
)

FIRST_CHAT = 10_000_000


def clinic(clients: int, therapists: int = 1) -> ClinicConfig:
    """A clinic config with ``clients`` clients spread over ``therapists`` therapists."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Benchmark Clinic",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "In an emergency call 112."},
            },
            "therapists": [
                {"code": f"T{t:04d}", "display_name": f"Therapist {t}"} for t in range(therapists)
            ],
            "clients": [
                {"code": f"C{c:06d}", "therapist": f"T{c % therapists:04d}"} for c in range(clients)
            ],
        }
    )


def seed_due_checkins(database: Database, clients: int, now: datetime, therapists: int = 1) -> None:
    """``clients`` active clients, each with one check-in due a minute ago."""
    with database.transaction() as s:
        s.execute(
            insert(TherapistRow),
            [
                {"code": f"T{t:04d}", "timezone": "Europe/Berlin", "in_config": True}
                for t in range(therapists)
            ],
        )
        s.execute(
            insert(ClientRow),
            [
                {
                    "code": f"C{c:06d}",
                    "therapist_code": f"T{c % therapists:04d}",
                    "timezone": "Europe/Berlin",
                    "language": "en",
                    "status": ClientStatus.ACTIVE,
                    "chat_id": FIRST_CHAT + c,
                    "enrolled_at": now - timedelta(days=30),
                    "in_config": True,
                }
                for c in range(clients)
            ],
        )
        s.execute(
            insert(CheckinRow),
            [
                {
                    "client_id": c + 1,
                    "token": secrets.token_urlsafe(8),
                    "questionnaire": DEFAULT_QUESTIONNAIRE.key,
                    "questionnaire_version": DEFAULT_QUESTIONNAIRE.version,
                    "session_start": now - timedelta(days=1, hours=1),
                    "session_end": now - timedelta(days=1, minutes=10),
                    "due_at": now - timedelta(minutes=1),
                    "expires_at": now + timedelta(days=3),
                    "status": CheckinStatus.PLANNED,
                    "step": 0,
                    "attempts": 0,
                }
                for c in range(clients)
            ],
        )


#: Where the scale benchmark's therapists' chat ids begin (clients' begin at ``FIRST_CHAT``).
FIRST_THERAPIST_CHAT = 9_000_000
#: The questionnaire's item keys, in order.
ITEMS = tuple(item.key for item in DEFAULT_QUESTIONNAIRE.items)
#: Weekly session slots of the scale clinic: Monday to Friday, on the hour from 10:00 to 17:00
#: Berlin time, so that at 03:00 on a Sunday no check-in, reminder or brief is due.
_DAYS = ("mon", "tue", "wed", "thu", "fri")
_HOURS = range(10, 18)
_ROWS_PER_INSERT = 20_000


def _slot(client: int) -> tuple[str, str]:
    """The weekly (day, time) of a client's sessions."""
    return _DAYS[client % len(_DAYS)], f"{_HOURS[client // len(_DAYS) % len(_HOURS)]:02d}:00"


def scale_clinic(clients: int, therapists: int) -> ClinicConfig:
    """The scale clinic: ``clients`` spread over ``therapists``, each with a weekly session."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Scale Clinic",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "In an emergency call 112."},
            },
            "therapists": [
                {"code": f"T{t:04d}", "display_name": f"Therapist {t}"} for t in range(therapists)
            ],
            "clients": [
                {
                    "code": f"C{c:06d}",
                    "therapist": f"T{c % therapists:04d}",
                    "sessions": {"weekly": [dict(zip(("day", "time"), _slot(c), strict=True))]},
                }
                for c in range(clients)
            ],
        }
    )


def scale_yaml(clients: int, therapists: int) -> str:
    """``scale_clinic`` as YAML (written by hand: PyYAML takes minutes at 100,000 clients)."""
    lines = [
        "clinic:",
        "  name: Scale Clinic",
        "  timezone: Europe/Berlin",
        "  crisis_contacts:",
        '    en: "In an emergency call 112."',
        "therapists:",
    ]
    lines += [f"  - {{code: T{t:04d}, display_name: Therapist {t}}}" for t in range(therapists)]
    lines.append("clients:")
    for c in range(clients):
        day, at = _slot(c)
        lines.append(
            f"  - {{code: C{c:06d}, therapist: T{c % therapists:04d},"
            f' sessions: {{weekly: [{{day: {day}, time: "{at}"}}]}}}}'
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ScaleCounts:
    """What ``seed_scale`` inserted."""

    therapists: int
    clients: int
    checkins: int
    answers: int
    notes: int
    planned: int


def seed_scale(
    database: Database, config: ClinicConfig, now: datetime, history: int = 10
) -> ScaleCounts:
    """A clinic in steady state at ``now``, in bulk: every therapist enrolled with a chat and
    their digests of the last ten weeks sent; every client active with a consent row,
    ``history`` completed check-ins with all four answers (one in ten with a shared note and
    its concern, one in fifty of those flagged as risk and alerted), and the planned
    check-ins of the next 14 days exactly as ``plan_all`` computes them.

    Rows get explicit ids (PostgreSQL's sequences are moved past them afterwards), so the
    check-ins' answers and notes need no round trip.
    """
    rng = random.Random(4)
    therapists = [t.code for t in config.therapists]
    therapist_ids = {code: n + 1 for n, code in enumerate(therapists)}
    plans = _plans(config, now, history)
    counts = {"checkins": 0, "answers": 0, "notes": 0, "planned": 0}
    with database.transaction() as s:
        s.execute(
            insert(TherapistRow),
            [
                {
                    "id": therapist_ids[code],
                    "code": code,
                    "timezone": "Europe/Berlin",
                    "chat_id": FIRST_THERAPIST_CHAT + therapist_ids[code],
                    "enrolled_at": now - timedelta(days=400),
                    "in_config": True,
                }
                for code in therapists
            ],
        )
        s.execute(insert(DeliveryRow), list(_digests(config, therapist_ids, now)))
    rows: dict[type[Base], list[dict[str, object]]] = {
        t: [] for t in (ClientRow, ConsentRow, CheckinRow, AnswerRow, NoteRow, ConcernRow)
    }
    checkin_id = 0
    for n, client in enumerate(config.clients):
        client_id = n + 1
        enrolled = now - timedelta(days=200)
        rows[ClientRow].append(
            {
                "id": client_id,
                "code": client.code,
                "therapist_code": client.therapist,
                "timezone": "Europe/Berlin",
                "language": "en",
                "status": ClientStatus.ACTIVE,
                "chat_id": FIRST_CHAT + client_id,
                "enrolled_at": enrolled,
                "in_config": True,
            }
        )
        rows[ConsentRow].append(
            {
                "id": client_id,
                "client_id": client_id,
                "version": CONSENT_VERSION,
                "given": True,
                "at": enrolled,
                "event": "given",
            }
        )
        for planned in plans[_slot(n)]:
            checkin_id += 1
            done = planned.due_at <= now
            row = _checkin_row(checkin_id, client_id, planned, done, now)
            rows[CheckinRow].append(row)
            counts["planned" if not done else "checkins"] += 1
            if not done:
                continue
            answered = row["completed_at"]
            rows[AnswerRow] += [
                {
                    "checkin_id": checkin_id,
                    "item_key": key,
                    "value": rng.randint(4, 10),
                    "answered_at": answered,
                }
                for key in ITEMS
            ]
            if checkin_id % 10 == 0:
                rows[NoteRow].append(
                    {
                        "id": checkin_id // 10,
                        "checkin_id": checkin_id,
                        "text": "The session felt rushed today.",
                        "shared": True,
                        "created_at": answered,
                        "risk": checkin_id % 500 == 0,
                        "alerted_at": answered if checkin_id % 500 == 0 else None,
                    }
                )
                rows[ConcernRow].append(
                    {"note_id": checkin_id // 10, "token": secrets.token_urlsafe(8)}
                )
        if n % 2_000 == 1_999 or n == len(config.clients) - 1:
            counts["answers"] += len(rows[AnswerRow])
            counts["notes"] += len(rows[NoteRow])
            _flush(database, rows)
    _move_sequences(database)
    return ScaleCounts(len(therapists), len(config.clients), **counts)


def _plans(
    config: ClinicConfig, now: datetime, history: int
) -> dict[tuple[str, str], list[PlannedCheckin]]:
    """Per weekly slot: the last ``history`` check-ins due by ``now`` and the planned ones
    of the next 14 days, as planning computes them (every client of a slot shares them)."""
    from scheduler.planning import HORIZON, pattern_of, timing_of

    plans: dict[tuple[str, str], list[PlannedCheckin]] = {}
    for n, client in enumerate(config.clients):
        slot = _slot(n)
        if slot in plans:
            continue
        back = timedelta(weeks=history + 2)
        every = plan_checkins(
            pattern_of(config, client), timing_of(config, client), now - back, HORIZON + back
        )
        past = [p for p in every if p.due_at <= now][-history:]
        plans[slot] = past + [p for p in every if p.due_at > now]
    return plans


def _checkin_row(
    checkin_id: int, client_id: int, planned: PlannedCheckin, done: bool, now: datetime
) -> dict[str, object]:
    row: dict[str, object] = {
        "id": checkin_id,
        "client_id": client_id,
        "token": secrets.token_urlsafe(8),
        "questionnaire": DEFAULT_QUESTIONNAIRE.key,
        "questionnaire_version": DEFAULT_QUESTIONNAIRE.version,
        "session_start": planned.session_start,
        "session_end": planned.session_end,
        "due_at": planned.due_at,
        "expires_at": planned.expires_at,
        "status": CheckinStatus.PLANNED,
        "step": 0,
        "attempts": 0,
        "chat_id": None,
        "message_id": None,
        "sent_at": None,
        "completed_at": None,
    }
    if done:
        row |= {
            "status": CheckinStatus.COMPLETED,
            "step": len(ITEMS) + 2,
            "attempts": 1,
            "chat_id": FIRST_CHAT + client_id,
            "message_id": checkin_id,
            "sent_at": planned.due_at,
            "completed_at": min(planned.due_at + timedelta(hours=2), now),
        }
    return row


def _digests(
    config: ClinicConfig, therapist_ids: dict[str, int], now: datetime
) -> Iterator[dict[str, object]]:
    """The last ten weekly digests of every therapist, sent."""
    for therapist in config.therapists:
        timing = timing_for(config, therapist)
        slot = latest_digest_slot(timing, now)
        for week in range(10):
            at = slot - timedelta(weeks=week)
            yield {
                "kind": "digest",
                "therapist_id": therapist_ids[therapist.code],
                "period_key": digest_period_key(timing, at),
                "due_at": at,
                "expires_at": at + timedelta(weeks=1),
                "status": "sent",
                "attempts": 1,
                "parts_sent": 2,
                "sent_at": at + timedelta(seconds=5),
            }


def _flush(database: Database, rows: dict[type[Base], list[dict[str, object]]]) -> None:
    """Insert the rows gathered so far, parents first, and forget them."""
    with database.transaction() as s:
        for table, batch in rows.items():
            for start in range(0, len(batch), _ROWS_PER_INSERT):
                s.execute(insert(table), batch[start : start + _ROWS_PER_INSERT])
            batch.clear()


def _move_sequences(database: Database) -> None:
    """On PostgreSQL, make the id sequences continue after the explicit ids."""
    if not database.is_postgresql:
        return
    with database.transaction() as s:
        for table in ("therapists", "clients", "consents", "checkins", "notes"):
            s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
