"""``alliance erase`` as a clinic runs it: a real process, the sandbox, the real clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.config.loader import load_clinic_config
from bot.process.crypto import new_key
from bot.process.services import Services, bootstrap
from core.clock import SystemClock
from core.enrolment import CONSENT_VERSION, Role, new_invite
from sandbox import BotApiSandbox
from tests.e2e.test_cli_process import BERLIN, CONFIG, TOKEN, alliance
from tests.storage.test_client_rights import answer_all

KEY = new_key()


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """C101 of T01, whose only session ended a bit over a day ago."""
    session = (datetime.now(BERLIN) - timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session=session), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update(
        ALLIANCE_BOT_TOKEN=TOKEN,
        ALLIANCE_DATABASE_URL=f"sqlite:///{tmp_path / 'alliance.db'}",
        ALLIANCE_CLINIC_CONFIG=str(config),
        ALLIANCE_ENCRYPTION_KEY=KEY,
    )
    return env


@pytest.fixture
async def sandbox(environment: dict[str, str]) -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as running:
        environment["ALLIANCE_TELEGRAM_API_URL"] = running.api_root
        yield running


@pytest.fixture
def services(environment: dict[str, str]) -> Iterator[Services]:
    """The clinic's storage: T01 and C101 enrolled, C101's check-in answered with a note."""
    config = load_clinic_config(Path(environment["ALLIANCE_CLINIC_CONFIG"]))
    clock = SystemClock()
    opened = bootstrap(config, environment["ALLIANCE_DATABASE_URL"], clock, encryption_key=KEY)
    now = clock.now()
    for code, role, chat in (("T01", Role.THERAPIST, 3001), ("C101", Role.CLIENT, 1001)):
        invite = new_invite(now, timedelta(days=1))
        opened.people.create_invite(code, role, invite, now)
        opened.people.redeem(invite.token_hash, chat, now)
    opened.people.decide_consent(1001, True, CONSENT_VERSION, now)
    answer_all(opened.database, config, now)
    yield opened
    opened.database.close()


async def quote_to_therapist(sandbox: BotApiSandbox, services: Services) -> int:
    """A message in T01's chat quoting C101's note, recorded as the bot records it."""
    therapist = sandbox.user(3001)
    async with Bot(TOKEN, base_url=sandbox.base_url) as bot:
        sent = await bot.send_message(therapist.id, "C101 wrote: note of C101")
    services.therapist_messages.record(3001, sent.message_id, ["C101"], services.clock.now())
    return sent.message_id


async def test_erase_with_yes_erases_deletes_the_quote_tells_the_therapist_and_audits(
    sandbox: BotApiSandbox, environment: dict[str, str], services: Services
) -> None:
    quoted = await quote_to_therapist(sandbox, services)

    status, out, err = await alliance(environment, "erase", "C101", "--yes")

    assert status == 0, err
    assert "Erased 4 answers and 1 notes of client C101." in out
    assert "Deleted 1 therapist messages" in out
    therapist = sandbox.user(3001)
    assert quoted not in [m.message_id for m in therapist.messages()]
    assert any("C101 has erased" in (m.text or "") for m in therapist.messages())
    assert services.client_data.latest("C101") is None
    assert services.therapist_messages.for_client("C101") == []
    deleted = [e for e in services.audit.entries("C101") if e.kind == "deleted"]
    assert [(e.actor, e.via) for e in deleted] == [("clinic", "alliance erase")]


async def test_erase_without_a_terminal_and_without_yes_erases_nothing(
    sandbox: BotApiSandbox, environment: dict[str, str], services: Services
) -> None:
    status, _, err = await alliance(environment, "erase", "C101")

    assert status == 1
    assert "--yes" in err
    assert services.client_data.latest("C101") is not None


async def test_erase_of_an_unknown_code_is_refused(
    sandbox: BotApiSandbox, environment: dict[str, str], services: Services
) -> None:
    status, _, err = await alliance(environment, "erase", "C999", "--yes")

    assert status == 1
    assert "C999" in err
