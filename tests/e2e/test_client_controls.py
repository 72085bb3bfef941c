"""/pause, /resume, /stop and /help through the real bot: sends really stop, and resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.adapter.application import publish_commands
from core.audit import AuditKind
from core.clinic import ClinicConfig, PrivacySettings
from core.model import ClientStatus
from sandbox import SimUser
from storage.tables import AnswerRow, ConsentRow
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic, eventually

#: Wednesday 25 November, 15:50 Berlin: a day after C101's Tuesday 15:00-15:50 session.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: The check-in of the next Tuesday's session (1 December) is due a week later.
NEXT_DUE = DUE + timedelta(days=7)


async def command(user: SimUser, name: str, args: str | None = None, *, expect: str) -> str:
    """Send a command and return the text of the bot's answer containing ``expect``."""
    await user.send_command(name, args)
    answer = await user.wait_for_message(lambda m: expect in (m.text or ""))
    return answer.text or ""


def kinds(clinic: Clinic, code: str = "C101") -> list[str]:
    return [entry.kind for entry in clinic.services.audit.entries(code)]


async def test_a_paused_client_gets_no_checkin_until_they_resume(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()

    text = await command(client, "pause", expect="Check-ins paused")
    assert "/resume" in text
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 0
    assert (await clinic.advance(timedelta(hours=1))).sent == 0

    await command(client, "resume", expect="Check-ins resumed")
    report = await clinic.tick()

    assert report.sent == 1
    assert "question 1 of 4" in (client.last_message().text or "")
    assert kinds(clinic)[-2:] == [AuditKind.PAUSED, AuditKind.RESUMED]


async def test_a_pause_for_weeks_ends_by_itself(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()

    text = await command(client, "pause", "1", expect="Check-ins paused")
    assert "30 November 2026" in text  # a week after Monday 23 November
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 0
    clinic.clock.set(NEXT_DUE)
    report = await clinic.tick()

    assert report.resumed == 1
    assert report.sent == 1
    record = clinic.services.people.client("C101")
    assert record is not None
    assert record.status is ClientStatus.ACTIVE
    assert record.paused_until is None
    resumed = clinic.services.audit.entries("C101")[-1]
    assert (resumed.kind, resumed.actor, resumed.detail) == ("resumed", "system", "pause ended")


async def test_a_pause_with_an_unusable_number_explains_how(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    for args in ("abc", "0", "53", "2 weeks"):
        text = await command(client, "pause", args, expect="number of weeks")
        assert "/pause 2" in text
    record = clinic.services.people.client("C101")
    assert record is not None
    assert record.status is ClientStatus.ACTIVE


async def test_resume_without_a_pause_changes_nothing(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    await command(client, "resume", expect="not paused")

    assert AuditKind.RESUMED not in kinds(clinic)


async def test_stop_sends_nothing_more_and_tells_the_therapist(clinic: Clinic) -> None:
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await clinic.enrol_therapist(therapist)
    await clinic.enrol(client, "C101")
    clinic.plan()

    text = await command(client, "stop", expect="stopped the check-ins")
    notice = await therapist.wait_for_message(lambda m: "C101" in (m.text or ""))

    assert "/start" in text
    assert "Client C101 has stopped the check-ins" in (notice.text or "")
    assert notice.protect_content
    for moment in (DUE, NEXT_DUE, NEXT_DUE + timedelta(days=7)):
        clinic.clock.set(moment)
        clinic.plan()
        assert (await clinic.tick()).sent == 0
    assert "question" not in (client.last_message().text or "")
    with clinic.services.database.transaction() as s:
        events = s.execute(select(ConsentRow.event, ConsentRow.given)).all()
    assert [tuple(e) for e in events] == [("given", True), ("withdrawn", False)]
    await eventually(lambda: kinds(clinic)[-1] == AuditKind.THERAPIST_NOTIFIED)
    assert kinds(clinic)[-3:] == [
        AuditKind.STOPPED,
        AuditKind.CONSENT_WITHDRAWN,
        AuditKind.THERAPIST_NOTIFIED,
    ]
    assert clinic.services.audit.entries("C101")[-1].detail == "stopped: delivered"


async def test_stop_closes_an_open_checkin_so_nothing_more_is_stored(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()

    await command(client, "stop", expect="stopped the check-ins")
    answer = await client.tap(checkin, text="7")

    assert answer.text == "This check-in has closed."
    with clinic.services.database.transaction() as s:
        assert s.scalars(select(AnswerRow)).all() == []


async def test_stop_without_an_enrolled_therapist_is_still_recorded(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    await command(client, "stop", expect="stopped the check-ins")
    again = await command(client, "stop", expect="already stopped")

    assert "/start" in again
    await eventually(lambda: AuditKind.THERAPIST_NOTIFIED in kinds(clinic))
    notified = [e for e in clinic.services.audit.entries("C101") if e.kind == "therapist_notified"]
    assert [e.detail for e in notified] == ["stopped: therapist_not_enrolled"]


async def test_a_stopped_client_can_take_part_again_after_agreeing_again(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    await command(client, "stop", expect="stopped the check-ins")
    await command(client, "pause", expect="not taking part")

    await client.send_command("start")
    again = await client.wait_for_message(lambda m: "I agree" in m.button_labels)
    await client.tap(again, text="I agree")
    clinic.clock.set(DUE)

    assert (await clinic.tick()).sent == 1
    with clinic.services.database.transaction() as s:
        events = s.scalars(select(ConsentRow.event).order_by(ConsentRow.id)).all()
    assert events == ["given", "withdrawn", "given"]


async def test_start_while_paused_says_how_to_resume(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    await command(client, "pause", expect="Check-ins paused")

    text = await command(client, "start", expect="paused")

    assert "/resume" in text


async def test_help_lists_every_client_command_and_the_crisis_contacts(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    text = await command(client, "help", expect="About this bot")

    assert "Nobody reads this chat in real time" in text
    assert "112" in text
    for name in ("pause", "resume", "stop", "mydata", "preview", "delete"):
        assert f"/{name}" in text


async def test_the_command_menu_lists_every_command_in_every_language(clinic: Clinic) -> None:
    expected = ["start", "help", "pause", "resume", "stop", "mydata", "preview", "delete"]
    await publish_commands(clinic.application.bot, clinic.services)
    menus = {lang: clinic.sandbox.my_commands(lang) for lang in ("", "en", "de", "es")}

    for menu in menus.values():
        assert [c["command"] for c in menu] == expected
    assert menus["de"][2]["description"] == "Eine Pause machen"
    assert menus["es"][2]["description"] == "Hacer una pausa"


async def test_client_commands_from_a_therapist_or_a_stranger_change_nothing(
    clinic: Clinic,
) -> None:
    therapist, stranger = clinic.sandbox.user(3001), clinic.sandbox.user(6001)
    await clinic.enrol_therapist(therapist)

    await command(therapist, "stop", expect="for clients")
    await command(stranger, "delete", expect="invite link")

    assert clinic.services.audit.entries("C101") == []


class TestAClinicPreviewLine:
    """A clinic's own neutral first line on messages that arrive unasked."""

    @pytest.fixture
    def config(self) -> ClinicConfig:
        privacy = PrivacySettings(preview_line="Riverside <news> & notes")
        return clinic_config().model_copy(update={"privacy": privacy})

    async def test_checkins_and_therapist_notices_start_with_it(self, clinic: Clinic) -> None:
        therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
        await clinic.enrol_therapist(therapist)
        await clinic.enrol(client, "C101")
        clinic.plan()
        clinic.clock.set(DUE)
        await clinic.tick()
        checkin = client.last_message()
        await client.tap(checkin, text="5")
        edited = await client.wait_for_message(lambda m: "question 2 of 4" in (m.text or ""))
        await command(client, "stop", expect="stopped the check-ins")
        notice = await therapist.wait_for_message(lambda m: "C101" in (m.text or ""))

        for message in (checkin, edited, notice):
            assert (message.text or "").splitlines()[0] == "Riverside <news> & notes"
