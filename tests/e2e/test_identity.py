"""One person, one chat, on purpose: through the real bot and the sandbox.

A second invite opened from another chat is refused unless the clinic issued it to relink;
a relinked client sees nothing and stores nothing before consenting again; an older invite
stops working once a newer one is issued; a retired code is refused by check-config.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapter.invites import invite_link
from bot.cli.main import main
from bot.config.watch import ConfigWatch
from bot.process.reload import reload_if_changed
from core.audit import AuditKind
from core.model import ClientStatus
from sandbox import SandboxMessage
from tests.e2e.conftest import KEY, TOKEN, Clinic

#: A day after C101's Tuesday 24 November session: its check-in is due.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


async def relink_token(clinic: Clinic, code: str = "C101") -> str:
    """An invite made as ``alliance invite CODE --relink`` makes it."""
    link, _note = await invite_link(
        clinic.settings, clinic.services.config, code, clinic.clock, relink=True
    )
    return link.rsplit("=", 1)[1]


def says(text: str) -> Callable[[SandboxMessage], bool]:
    """Whether a message's text contains ``text``."""
    return lambda m: text in (m.text or "")


async def test_a_second_invite_opened_from_another_chat_is_refused(clinic: Clinic) -> None:
    phone, stranger = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(phone, "C101")

    await stranger.send_command("start", await clinic.invite("C101"))

    await stranger.wait_for_message(says("already connected to this bot from another chat"))
    client = clinic.services.people.client("C101")
    assert client is not None
    assert (client.chat_id, client.status) == (phone.id, ClientStatus.ACTIVE)


async def test_a_relink_tells_the_old_chat_and_the_new_one_must_consent_first(
    clinic: Clinic,
) -> None:
    old, new = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(old, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 1

    await new.send_command("start", await relink_token(clinic))

    await old.wait_for_message(says("no longer linked to the check-ins of Riverside"))
    consent = await new.wait_for_message(lambda m: "I agree" in m.button_labels)
    await new.send_command("mydata")
    await new.wait_for_message(says("answer the consent question first"))
    await new.send_text("a private note typed into the old check-in")
    await new.wait_for_message(says("answer the consent question first"))
    assert not [m for m in new.messages() if m.document is not None]
    assert not clinic.services.people.checkin_waiting(new.id, clinic.clock.now())  # closed
    kinds = [e.kind for e in clinic.services.audit.entries("C101")]
    assert AuditKind.RELINKED in kinds
    assert AuditKind.EXPORTED not in kinds

    await new.tap(consent, text="I agree")
    await new.send_command("mydata")
    document = await new.wait_for_message(lambda m: m.document is not None)
    assert document.chat_id == new.id


async def test_an_older_invite_stops_working_once_a_newer_one_is_issued(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    older = await clinic.invite("C101")
    newer = await clinic.invite("C101")

    await client.send_command("start", older)
    await client.wait_for_message(says("no longer valid"))
    await client.send_command("start", newer)
    await client.wait_for_message(lambda m: "I agree" in m.button_labels)


async def test_consent_with_a_checkin_already_due_says_it_comes_now(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    request = await clinic.enrol(client, "C101", consent=False)
    clinic.plan()
    clinic.clock.set(DUE)

    await client.tap(request, text="I agree")

    await client.wait_for_message(says("arrives in a moment"))
    assert (await clinic.tick()).sent == 1


async def test_a_therapist_relink_tells_the_new_chat_it_replaced_the_old(clinic: Clinic) -> None:
    old, new = clinic.sandbox.user(2001), clinic.sandbox.user(2002)
    await old.send_command("start", await clinic.invite("T01"))
    await old.wait_for_message(says("Welcome"))

    await new.send_command("start", await relink_token(clinic, "T01"))

    await new.wait_for_message(says("This chat replaces your previous one"))
    await old.wait_for_message(says("no longer linked"))
    therapist = clinic.services.people.therapist("T01")
    assert therapist is not None
    assert therapist.chat_id == new.id


async def test_check_config_refuses_a_retired_code_with_file_and_line(
    clinic: Clinic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await clinic.enrol(clinic.sandbox.user(1001), "C101")
    clinic.services.people.retire("C101", None, clinic.clock.now())
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC_FILE, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", clinic.settings.database_url)

    status = main(["check-config", str(path)])

    out = capsys.readouterr().out
    assert status == 1
    assert f"{path}:10: clients[0].code: C101 was retired" in out
    assert "C102" not in out


async def test_check_config_says_when_it_could_not_check_retired_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC_FILE, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")

    status = main(["check-config", str(path)])

    out = capsys.readouterr().out
    assert status == 0
    assert "Retired codes were NOT checked: there is no database" in out
    assert not (tmp_path / "none.db").exists()


async def test_retire_tells_the_chat_and_sync_then_refuses_the_code_with_its_line(
    clinic: Clinic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC_FILE, encoding="utf-8")
    for name, value in {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": clinic.settings.telegram_api_url,
        "DATABASE_URL": clinic.settings.database_url,
        "CLINIC_CONFIG": str(path),
        "ENCRYPTION_KEY": KEY,
    }.items():
        monkeypatch.setenv(f"ALLIANCE_{name}", value)

    assert await asyncio.to_thread(main, ["retire", "C101"]) == 0

    await client.wait_for_message(says("your clinic has ended this enrolment"))
    assert clinic.services.people.by_chat(client.id) is None
    capsys.readouterr()
    assert main(["sync"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:10: clients[0].code: C101 was retired" in err
    assert "Traceback" not in err


CLINIC_FILE = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "In an emergency call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    sessions:
      dates: ["2026-11-24T10:00"]
  - code: C102
    therapist: T01
"""


async def test_a_running_bot_keeps_its_config_when_an_edit_brings_back_a_retired_code(
    clinic: Clinic, tmp_path: Path
) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC_FILE.replace("C102", "C199"), encoding="utf-8")
    clinic.services.config_watch = ConfigWatch.of(path)
    clinic.services.people.retire("C102", None, clinic.clock.now())
    before = clinic.services.config

    path.write_text(CLINIC_FILE, encoding="utf-8")  # the edit: C199 renamed back to C102

    assert reload_if_changed(clinic.services) is None
    assert clinic.services.config is before
