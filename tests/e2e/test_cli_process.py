"""The installed ``alliance`` command as a clinic runs it: real processes, real clock.

The sandbox runs in the test; ``alliance run``, ``invite`` and ``export`` run as child
processes configured only through the environment, as in production.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import zxingcpp

from bot.process.crypto import new_key
from sandbox import BotApiSandbox
from tests.e2e.conftest import shows_step
from tests.png import grey_pixels

TOKEN = "424242:PROCESS-TEST-TOKEN"
BERLIN = ZoneInfo("Europe/Berlin")
ALLIANCE = [sys.executable, "-m", "bot.cli.main"]
#: Seconds to wait for the bot process: generous, a loaded machine starts processes slowly.
WAIT = 60.0

CONFIG = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  language: en
  crisis_contacts:
    en: "In an emergency call 112."
  timing:
    quiet_hours: false    # the real clock may be at night; this test is not about quiet hours
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    sessions:
      dates: ["{session}"]
"""


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """A clinic whose only session ended a bit over a day ago: its check-in is due now."""
    session = (datetime.now(BERLIN) - timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session=session), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update(
        ALLIANCE_BOT_TOKEN=TOKEN,
        ALLIANCE_DATABASE_URL=f"sqlite:///{tmp_path / 'alliance.db'}",
        ALLIANCE_CLINIC_CONFIG=str(config),
        ALLIANCE_TICK_SECONDS="0.2",
        ALLIANCE_ENCRYPTION_KEY=new_key(),
    )
    return env


@pytest.fixture
async def sandbox(environment: dict[str, str]) -> AsyncIterator[BotApiSandbox]:
    """The local Bot API, with the bot's environment pointed at it."""
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as running:
        environment["ALLIANCE_TELEGRAM_API_URL"] = running.api_root
        yield running


async def alliance(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run one ``alliance`` command to completion without blocking the sandbox."""
    process = await asyncio.create_subprocess_exec(
        *ALLIANCE, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_client_enrols_answers_and_the_export_shows_it(
    sandbox: BotApiSandbox, environment: dict[str, str]
) -> None:
    status, out, _ = await alliance(environment, "check-config")
    assert status == 0, out
    assert "is valid" in out
    status, link, _ = await alliance(environment, "invite", "C101")
    assert status == 0
    assert link.startswith("https://t.me/riverside_checkin_bot?start=")
    run = await asyncio.create_subprocess_exec(
        *ALLIANCE, "run", env=environment, stderr=asyncio.subprocess.PIPE
    )
    try:
        client = sandbox.user(31337)
        await client.send_command("start", link.strip().rsplit("=", 1)[1])
        consent = await client.wait_for_message(lambda m: "I agree" in m.button_labels, WAIT)
        await client.tap(consent, text="I agree", timeout=WAIT)
        checkin = await client.wait_for_message(lambda m: "question 1 of 4" in (m.text or ""), WAIT)
        for number, value in enumerate(("2", "9", "9", "8"), start=2):
            tapped = await client.tap(checkin, text=value, timeout=WAIT)
            assert tapped.text == "Saved.", (value, tapped)
            await client.wait_for_message(partial(shows_step, number=number), WAIT)
        await client.send_text("Please keep this between us")
        await client.wait_for_message(lambda m: "Keep it private" in m.button_labels, WAIT)
        await client.tap(checkin, text="Keep it private", timeout=WAIT)
        await client.wait_for_message(lambda m: "answers are saved" in (m.text or ""), WAIT)
    finally:
        run.send_signal(signal.SIGTERM)
        _, run_log = await asyncio.wait_for(run.communicate(), timeout=30)
        sys.stderr.write(run_log.decode()[-3000:])  # shown by pytest only on failure
    assert run.returncode == 0, run_log.decode()[-2000:]
    assert TOKEN not in run_log.decode()
    assert "between us" not in run_log.decode()
    assert sandbox.my_commands()

    status, exported, _ = await alliance(environment, "export", "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(exported)))
    answers = {r["item_key"]: r["value"] for r in rows if r["record"] == "answer"}
    assert answers == {"bond": "2", "goals": "9", "tasks": "9", "overall": "8"}
    (note,) = (r for r in rows if r["record"] == "note")
    assert note["note_shared"] == "private"
    assert note["note_text"] == ""
    assert all(r["client_code"] == "C101" and r["therapist_code"] == "T01" for r in rows)
    assert datetime.fromisoformat(rows[0]["session_start"]).utcoffset() is not None


async def test_run_refuses_an_invalid_config_naming_file_and_line(
    environment: dict[str, str],
) -> None:
    config = Path(environment["ALLIANCE_CLINIC_CONFIG"])
    config.write_text(
        config.read_text(encoding="utf-8").replace("therapist: T01", "therapist: T09"),
        encoding="utf-8",
    )

    status, _, err = await alliance(environment, "run")

    assert status == 1
    assert f"{config}:14: clients[0].therapist" in err
    assert "T09" in err


async def test_run_without_a_token_says_which_setting_is_missing(
    environment: dict[str, str],
) -> None:
    del environment["ALLIANCE_BOT_TOKEN"]

    status, _, err = await alliance(environment, "run")

    assert status == 1
    assert "ALLIANCE_BOT_TOKEN" in err


async def test_invite_for_an_unknown_code_is_refused(
    sandbox: BotApiSandbox, environment: dict[str, str]
) -> None:
    status, out, err = await alliance(environment, "invite", "C999")

    assert status == 1
    assert out == ""
    assert "C999" in err


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def http_get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_healthz_and_metrics_answer_while_alliance_run_works_and_logs_are_json(
    sandbox: BotApiSandbox, environment: dict[str, str]
) -> None:
    port = free_port()
    environment["ALLIANCE_HEALTH_PORT"] = str(port)
    _, link, _ = await alliance(environment, "invite", "C101")
    run = await asyncio.create_subprocess_exec(
        *ALLIANCE, "run", env=environment, stderr=asyncio.subprocess.PIPE
    )
    try:
        client = sandbox.user(31337)
        await client.send_command("start", link.strip().rsplit("=", 1)[1])
        consent = await client.wait_for_message(lambda m: "I agree" in m.button_labels, 20)
        await client.tap(consent, text="I agree")
        checkin = await client.wait_for_message(lambda m: "question 1 of 4" in (m.text or ""), 20)
        await client.tap(checkin, text="7")
        await client.wait_for_message(partial(shows_step, number=2))

        health_status, health = await http_get(f"http://127.0.0.1:{port}/healthz")
        metrics_status, metrics = await http_get(f"http://127.0.0.1:{port}/metrics")
    finally:
        run.send_signal(signal.SIGTERM)
        _, run_log = await asyncio.wait_for(run.communicate(), timeout=30)
        sys.stderr.write(run_log.decode()[-3000:])
    assert run.returncode == 0
    assert health_status == 200
    report = json.loads(health)
    assert report["status"] == "ok"
    assert report["last_send"] is not None
    assert metrics_status == 200
    assert "alliance_checkins_sent_total 1.0" in metrics
    assert 'alliance_sends_total{outcome="delivered"} 1.0' in metrics
    events = [json.loads(line) for line in run_log.decode().splitlines()]
    assert {"starting", "checkin sent", "health server listening"} <= {e["event"] for e in events}

    status, exported, err = await alliance(environment, "export", "--format", "fhir")
    assert status == 0
    assert err == ""  # piped: no progress bar
    bundle = json.loads(exported)
    (response,) = [e["resource"] for e in bundle["entry"][1:]]
    assert response["status"] == "in-progress"
    assert response["item"] == [{"linkId": "bond", "answer": [{"valueInteger": 7}]}]


async def test_every_command_prints_help_from_the_installed_entry_point(
    environment: dict[str, str],
) -> None:
    status, out, _ = await alliance(environment, "--help")
    assert status == 0
    for command in ("run", "check-config", "config", "invite", "export", "stats", "db", "demo"):
        assert f"    {command}" in out


async def test_invite_with_qr_prints_the_same_link_and_writes_a_png_of_it(
    sandbox: BotApiSandbox, environment: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "C101.png"

    status, out, err = await alliance(environment, "invite", "C101", "--qr", str(target))

    assert status == 0
    link = out.strip()
    assert link.startswith("https://t.me/riverside_checkin_bot?start=")
    assert str(target) in err
    width, height, pixels = grey_pixels(target.read_bytes())
    decoded = zxingcpp.read_barcode(memoryview(pixels).cast("B", (height, width)))
    assert decoded is not None
    assert decoded.text == link


async def test_invite_with_qr_into_a_missing_folder_creates_no_invite(
    sandbox: BotApiSandbox, environment: dict[str, str], tmp_path: Path
) -> None:
    status, out, err = await alliance(
        environment, "invite", "C101", "--qr", str(tmp_path / "nope" / "C101.png")
    )

    assert status == 1
    assert out == ""
    assert "does not exist" in err
