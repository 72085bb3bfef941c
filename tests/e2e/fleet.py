"""Real ``alliance run`` processes over a clinic of many consenting clients with due check-ins.

Shared by the crash and several-worker tests: the clinic is written as YAML (each client had
a session a day ago), the database is upgraded and planned in the test, and the clients are
marked as having consented in bulk, as hundreds of /start conversations would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.config.loader import load_clinic_config
from bot.process.crypto import new_key
from bot.process.reload import plan
from bot.process.services import bootstrap
from core.model import ClientStatus
from sandbox import BotApiSandbox
from storage.tables import ClientRow

#: The workers' note key: they refuse to start without one.
KEY = new_key()

TOKEN = "515151:FLEET-TEST-TOKEN"
ALLIANCE = [sys.executable, "-m", "bot.cli.main"]
FIRST_CHAT = 70_000_000
QUESTION = "question 1 of 4"


def write_clinic(folder: Path, clients: int) -> Path:
    """A clinic whose every client had a session a bit over a day ago."""
    berlin = ZoneInfo("Europe/Berlin")
    session = (datetime.now(berlin) - timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    lines = [
        "clinic:",
        "  name: Fleet Clinic",
        "  timezone: Europe/Berlin",
        "  crisis_contacts:",
        '    en: "In an emergency call 112."',
        "  timing:",
        "    quiet_hours: false",
        "therapists:",
        "  - code: T01",
        "    display_name: Dr. Rivera",
        "clients:",
    ]
    for n in range(clients):
        lines += [
            f"  - code: C{n:05d}",
            "    therapist: T01",
            f'    sessions: {{dates: ["{session}"]}}',
        ]
    path = folder / "clinic.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed(config_path: Path, database_url: str, sandbox: BotApiSandbox) -> int:
    """Plan the check-ins and mark every client as consented; returns how many are due."""
    services = bootstrap(load_clinic_config(config_path), database_url, encryption_key=KEY)
    try:
        counts = plan(services)
        with services.database.transaction() as s:
            s.execute(
                update(ClientRow).values(
                    status=ClientStatus.ACTIVE,
                    chat_id=ClientRow.id + FIRST_CHAT,
                    enrolled_at=services.clock.now(),
                )
            )
            ids = list(s.scalars(ClientRow.__table__.select().with_only_columns(ClientRow.id)))
    finally:
        services.database.close()
    for client_id in ids:
        sandbox.user(FIRST_CHAT + client_id)
    return counts.inserted


def environment(database_url: str, config: Path, sandbox: BotApiSandbox) -> dict[str, str]:
    """The environment of an ``alliance run`` worker; settings only through it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update(
        ALLIANCE_BOT_TOKEN=TOKEN,
        ALLIANCE_DATABASE_URL=database_url,
        ALLIANCE_CLINIC_CONFIG=str(config),
        ALLIANCE_TELEGRAM_API_URL=sandbox.api_root,
        ALLIANCE_TICK_SECONDS="0.2",
        ALLIANCE_CLAIM_LEASE_SECONDS="2",
        ALLIANCE_LOG_FORMAT="json",
        ALLIANCE_ENCRYPTION_KEY=KEY,
    )
    return env


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    """Start ``alliance run`` in the background, its log kept in a pipe."""
    return await asyncio.create_subprocess_exec(
        *ALLIANCE, "run", *args, env=env, stderr=asyncio.subprocess.PIPE
    )


async def stop(process: asyncio.subprocess.Process) -> str:
    """Stop a worker with SIGTERM and return the end of its log."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, log = await asyncio.wait_for(process.communicate(), timeout=30)
    return log.decode(errors="replace")[-3000:]


def checkins_per_chat(sandbox: BotApiSandbox, chats: int) -> Counter[int]:
    """How many check-in messages each seeded chat received (zero included)."""
    counts = Counter({FIRST_CHAT + n: 0 for n in range(1, chats + 1)})
    counts.update(m.chat_id for m in sandbox.bot_messages() if QUESTION in (m.text or ""))
    return counts


def sent(sandbox: BotApiSandbox) -> int:
    """Check-in messages the sandbox accepted so far."""
    return sum(QUESTION in (m.text or "") for m in sandbox.bot_messages())


async def wait_until(condition: object, timeout: float) -> None:  # noqa: ASYNC109
    """Poll ``condition()`` every 50 ms until it is true, or fail after ``timeout`` seconds."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)
