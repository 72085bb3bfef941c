"""The stall probe's clinic: its file, its database and the sandbox's chats.

The clinic is ``bench.seed``'s scale clinic (about 100 clients per therapist, one weekly
session each, Monday to Friday 10:00-17:00 local), in a time zone chosen so that the probe
starts at about 01:30 local time: nothing seeded is due for hours (the first check-ins
and briefs come at 09:00-10:50), so every send during the probe is one the probe set up.
Its ``digests:`` slot falls a few minutes after the bot starts (quiet hours off), and the
check-in clients (benchmark 2) get a session that ended an hour before that slot, with
check-ins due an hour after a session and no quiet hours: their check-ins are due at the
slot, with the digest round.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine, func, make_url, select, text, update
from sqlalchemy.engine import Engine

from bench.seed import FIRST_CHAT, FIRST_THERAPIST_CHAT, scale_yaml, seed_scale
from bot.config.loader import load_clinic_config
from bot.process.crypto import make_cipher
from core.model import CheckinStatus
from storage.database import Database
from storage.engine import make_engine
from storage.tables import CheckinRow, ClientRow, DeliveryRow, TherapistRow

CASELOAD = 100
#: The notes' key (a fixed one, so that a kept seed can be read by a later run).
KEY = base64.urlsafe_b64encode(b"alliance stall probe notes key!!").decode("ascii")
#: Probe clients (the first clients of the file) and the seconds between two of their asks.
PROBE_CLIENTS = 12
#: A kept seed is used again for this long: later, seeded check-ins come due.
KEEP_HOURS = 6
#: Session length of the scale clinic (the config's default).
SESSION = timedelta(minutes=50)


@dataclass(frozen=True)
class Clinic:
    """What one probe run's clinic is: its size, zone and moments."""

    clients: int
    zone: str
    seeded_at: datetime

    @property
    def therapists(self) -> int:
        """About 100 clients each."""
        return max(1, self.clients // CASELOAD)

    @property
    def tz(self) -> ZoneInfo:
        """The clinic's zone."""
        return ZoneInfo(self.zone)


def night_zone(now: datetime) -> str:
    """A whole-hour zone where ``now`` is about 01:30 local time."""
    hours = round(1.5 - (now.hour + now.minute / 60)) % 24
    hours = hours - 24 if hours > 14 else hours
    # Etc/GMT zones count the other way: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def digest_slot(after: datetime) -> datetime:
    """The first whole minute at or after ``after``."""
    whole = after.replace(second=0, microsecond=0)
    return whole if whole == after else whole + timedelta(minutes=1)


def checkin_clients(clinic: Clinic, count: int) -> list[int]:
    """Client numbers whose check-ins are due at the digest slot, spread over therapists
    (never a probe client, nor the last client, whose session the probe moves)."""
    step = max(1, (clinic.clients - PROBE_CLIENTS) // max(1, count))
    return list(range(PROBE_CLIENTS, clinic.clients - 1, step))[:count]


def clinic_yaml(clinic: Clinic, slot: datetime, checkins: Iterable[int] = ()) -> str:
    """The scale clinic's file in ``clinic.zone`` with the digest slot at ``slot``; the
    ``checkins`` clients have a check-in due at the slot."""
    lines = scale_yaml(clinic.clients, clinic.therapists).splitlines()
    lines = [line.replace("Europe/Berlin", clinic.zone) for line in lines]
    first = lines.index("clients:") + 1
    local = slot.astimezone(clinic.tz)
    session = (local - timedelta(hours=1) - SESSION).strftime("%Y-%m-%dT%H:%M")
    for c in checkins:
        line = lines[first + c]
        extra = f', dates: ["{session}"]}}, timing: {{delay: 1h, quiet_hours: false}}}}'
        lines[first + c] = line.removesuffix("}}") + extra
    lines += [
        "digests:",
        f"  day: {local.strftime('%A').lower()}",
        f'  time: "{local:%H:%M}"',
        "  quiet_hours: false",
    ]
    return "\n".join(lines) + "\n"


def edit_session(path: Path, client: int) -> None:
    """Move one client's weekly session by half an hour, replacing the file at once."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index("clients:") + 1 + client
    lines[at] = lines[at].replace(':00"', ':30"')
    draft = path.with_suffix(".draft")
    draft.write_text("\n".join(lines), encoding="utf-8")
    draft.replace(path)


def seed(url: str, clinic: Clinic, folder: Path) -> None:
    """Seed the clinic in steady state at ``clinic.seeded_at``: its last ten digests sent
    (the slot of the seeding's file comes after them), then the zone on every person."""
    path = folder / "seed.yaml"
    slot = digest_slot(clinic.seeded_at + timedelta(minutes=1))
    path.write_text(clinic_yaml(clinic, slot), encoding="utf-8")
    database = Database.connect(url, cipher=make_cipher(KEY, False))
    try:
        counts = seed_scale(database, load_clinic_config(path), clinic.seeded_at)
        with database.transaction() as s:
            s.execute(update(ClientRow).values(timezone=clinic.zone))
            s.execute(update(TherapistRow).values(timezone=clinic.zone))
            s.execute(text("ANALYZE"))
    finally:
        database.close()
    print(f"  seeded {counts}", flush=True)


@contextmanager
def seeded_database(
    kind: str, clients: int, folder: Path, keep: Path | None, postgresql_url: str
) -> Iterator[tuple[str, Clinic]]:
    """A database seeded for the probe (a copy of the kept seed with ``keep``), removed
    afterwards, and its clinic."""
    url = f"sqlite:///{folder / 'stalls.db'}" if kind == "sqlite" else postgresql_url
    if kind == "postgresql":
        _create(url)
    try:
        if keep is None:
            clinic = Clinic(clients, night_zone(datetime.now(UTC)), datetime.now(UTC))
            seed(url, clinic, folder)
        else:
            clinic = _from_kept(kind, clients, url, folder, keep, postgresql_url)
        yield url, clinic
    finally:
        if kind == "postgresql":
            _drop(url)


def _from_kept(
    kind: str, clients: int, url: str, folder: Path, keep: Path, postgresql_url: str
) -> Clinic:
    """Copy the kept seed to ``url``, seeding it first when there is none young enough."""
    keep.mkdir(parents=True, exist_ok=True)
    meta = keep / f"{kind}-{clients}.json"
    kept_url = f"sqlite:///{keep / f'{kind}-{clients}.db'}"
    if kind == "postgresql":
        seed_url = make_url(postgresql_url).set(database=f"bench_stalls_seed_{clients}")
        kept_url = seed_url.render_as_string(hide_password=False)
    now = datetime.now(UTC)
    clinic = _kept_clinic(meta, now)
    if clinic is None:
        clinic = Clinic(clients, night_zone(now), now)
        if kind == "postgresql":
            _create(kept_url)
        else:
            Path(make_url(kept_url).database or "").unlink(missing_ok=True)
        seed(kept_url, clinic, folder)
        meta.write_text(json.dumps(asdict(clinic), default=str), encoding="utf-8")
    if kind == "sqlite":
        shutil.copyfile(make_url(kept_url).database or "", make_url(url).database or "")
    else:
        _create(url, template=make_url(kept_url).database)
    return clinic


def _kept_clinic(meta: Path, now: datetime) -> Clinic | None:
    if not meta.exists():
        return None
    facts = json.loads(meta.read_text(encoding="utf-8"))
    clinic = Clinic(facts["clients"], facts["zone"], datetime.fromisoformat(facts["seeded_at"]))
    return clinic if now - clinic.seeded_at < timedelta(hours=KEEP_HOURS) else None


def _admin(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _create(url: str, template: str | None = None) -> None:
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        like = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{like}'))
    admin.dispose()


def _drop(url: str) -> None:
    admin = _admin(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def chat_of(client: int) -> int:
    """A seeded client's chat (client ids count from 1)."""
    return FIRST_CHAT + client + 1


async def add_chats(api_root: str, clinic: Clinic, checkins: Iterable[int]) -> None:
    """Make the chats the bot writes to exist in the sandbox: probe clients, therapists
    (digests) and check-in clients."""
    chats = [chat_of(c) for c in (*range(PROBE_CLIENTS), *checkins)]
    chats += [FIRST_THERAPIST_CHAT + t + 1 for t in range(clinic.therapists)]
    gate = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as http:

        async def add(chat: int) -> None:
            async with gate, http.get(f"{api_root}/sandbox/users/{chat}/messages") as response:
                response.raise_for_status()

        await asyncio.gather(*(add(chat) for chat in chats))


@dataclass(frozen=True)
class Progress:
    """Of the digest round and the check-ins due with it."""

    digests_sent: int
    checkins_due: int
    checkins_sent: int
    lateness_s: list[float]


def progress(url: str, slot: datetime, period_key: str) -> Progress:
    """How far the round is, read from the database (in a thread: it blocks)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            digests = connection.execute(
                select(func.count())
                .select_from(DeliveryRow)
                .where(DeliveryRow.kind == "digest", DeliveryRow.period_key == period_key)
                .where(DeliveryRow.status == "sent")
            ).scalar_one()
            rows = connection.execute(
                select(CheckinRow.due_at, CheckinRow.sent_at).where(
                    CheckinRow.due_at == slot, CheckinRow.status != CheckinStatus.CANCELLED
                )
            ).all()
    finally:
        engine.dispose()
    late = [(sent - due).total_seconds() for due, sent in rows if sent is not None]
    return Progress(digests, len(rows), len(late), late)
