"""A note with risk language: crisis contacts at once, an immediate therapist alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

import bot.adapter.safety
from bot.adapter.handlers.common import reply as plain_reply
from bot.adapter.retry import is_urgent
from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from storage.tables import NoteRow
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic, eventually, shows_step

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
CRISIS = {"en": "In an emergency call 112.", "de": "Im Notfall 112.", "es": "Emergencias: 112."}


def config_with(**changes: Any) -> ClinicConfig:
    """The test clinic with a duty contact, crisis contacts in every language, and changes."""
    base = clinic_config(crisis_contacts=CRISIS).model_dump()
    base["therapists"].append({"code": "DUTY", "display_name": "Duty clinician"})
    base["safety"] = {"escalation_contact": "DUTY"} | changes
    return ClinicConfig.model_validate(base)


@pytest.fixture
def config() -> ClinicConfig:
    """Risk notes go to the therapist (the default), and a duty contact is alerted too."""
    return config_with()


async def enrol_staff(clinic: Clinic, user: SimUser, code: str) -> None:
    await user.send_command("start", await clinic.invite(code))
    await user.wait_for_message(lambda m: "Welcome" in (m.text or ""))


async def note_prompt(clinic: Clinic, client: SimUser) -> SandboxMessage:
    """Enrol C101, send the check-in, and skip to the note prompt."""
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()
    for number in range(2, 6):
        await client.tap(checkin, text="Skip")
        await client.wait_for_message(partial(shows_step, number=number))
    return checkin


@pytest.mark.parametrize(
    "note",
    [
        "Honestly some days I want to KILL myself...",
        "Ich bin so lebensmüde in letzter Zeit",
        "A veces pienso en quitarme la vida.",
        "I've been self-harming again",
    ],
)
async def test_a_risk_note_brings_crisis_contacts_and_alerts_at_once(
    clinic: Clinic, note: str
) -> None:
    therapist, duty, client = (clinic.sandbox.user(n) for n in (3001, 3002, 1001))
    await enrol_staff(clinic, therapist, "T01")
    await enrol_staff(clinic, duty, "DUTY")
    checkin = await note_prompt(clinic, client)

    await client.send_text(note)
    crisis = await client.wait_for_message(lambda m: "important" in (m.text or ""))
    alert = await therapist.wait_for_message(lambda m: "alert" in (m.text or ""))
    quote = await therapist.wait_for_message(lambda m: "The note" in (m.text or ""))
    escalation = await duty.wait_for_message(lambda m: "alert" in (m.text or ""))

    shown = crisis.text or ""
    assert "In an emergency call 112." in shown
    assert "sent automatically" in shown
    assert "Nobody reads this chat in real time" in shown
    assert note not in shown  # never echoed back
    assert crisis.protect_content
    assert "client C101" in (alert.text or "")
    assert (alert.text or "").split("\n")[0] == "Check-in alert"  # a lock screen names nobody
    assert note not in (alert.text or "")
    assert note in (quote.text or "")  # passed on under the default policy, right after
    assert alert.protect_content
    assert quote.protect_content
    assert "C101" in (escalation.text or "")
    assert "T01" in (escalation.text or "")
    assert "therapist has been alerted" in (escalation.text or "")
    assert note not in (escalation.text or "")  # the duty contact gets no note text
    # The check-in goes on: the client still chooses whether to share.
    share = await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)
    assert share.message_id == checkin.message_id
    await eventually(lambda: _alerted(clinic))
    (entry,) = [e for e in clinic.services.audit.entries("C101") if e.kind == "risk_alert"]
    assert entry.detail == "therapist delivered, escalation delivered"
    assert entry.therapist_code == "T01"


async def test_an_ordinary_note_brings_no_alert(clinic: Clinic) -> None:
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await enrol_staff(clinic, therapist, "T01")
    await note_prompt(clinic, client)

    await client.send_text("We talked about my diet and I'd like to keep at it.")
    await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)

    assert not any("important" in (m.text or "") for m in client.messages())
    assert [m.text for m in therapist.messages() if "alert" in (m.text or "")] == []
    with clinic.services.database.transaction() as s:
        assert s.scalars(select(NoteRow.risk)).all() == [False]


async def test_a_crisis_message_telegram_refuses_does_not_stop_the_alert(clinic: Clinic) -> None:
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await enrol_staff(clinic, therapist, "T01")
    await note_prompt(clinic, client)
    clinic.sandbox.fail_next("sendMessage", error_code=502)  # hits the crisis message

    await client.send_text("I keep thinking about ending my life")

    await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)
    await therapist.wait_for_message(lambda m: "alert" in (m.text or ""))
    await eventually(lambda: _alerted(clinic))


async def test_an_alert_that_could_not_go_out_is_retried_by_the_tick(clinic: Clinic) -> None:
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await enrol_staff(clinic, therapist, "T01")
    await note_prompt(clinic, client)
    # A 5xx would be retried within the handler's reply budget; an error that is not
    # retried there (or an outage longer than the budget) leaves the alert to the tick.
    clinic.sandbox.fail_next(
        "sendMessage", error_code=400, description="Bad Request: try later", chat_id=therapist.id
    )
    await client.send_text("I want to die")
    await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)
    await eventually(lambda: _tried(clinic))
    alerts_before = len([m for m in therapist.messages() if "alert" in (m.text or "")])

    assert (await clinic.advance(timedelta(minutes=1))).sent == 0
    assert not _alerted(clinic)  # within the handler's grace time nobody doubles it
    await clinic.advance(timedelta(minutes=2))

    assert _alerted(clinic)
    alerts = [m for m in therapist.messages() if "alert" in (m.text or "")]
    assert len(alerts) == alerts_before + 1


async def test_an_alert_for_a_therapist_who_is_not_enrolled_is_recorded(clinic: Clinic) -> None:
    duty, client = clinic.sandbox.user(3002), clinic.sandbox.user(1001)
    await enrol_staff(clinic, duty, "DUTY")
    await note_prompt(clinic, client)

    await client.send_text("I want to die")
    escalation = await duty.wait_for_message(lambda m: "alert" in (m.text or ""))

    assert "could not be alerted" in (escalation.text or "")
    await eventually(lambda: _alerted(clinic))
    (entry,) = [e for e in clinic.services.audit.entries("C101") if e.kind == "risk_alert"]
    assert entry.detail == "therapist therapist_not_enrolled, escalation delivered"


async def test_risk_words_outside_a_checkin_bring_the_crisis_contacts(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    await client.send_text("i want to kill myself")
    reply = await client.wait_for_message(lambda m: "Important" in (m.text or ""))

    assert "112" in (reply.text or "")
    assert "do not reach your therapist" in (reply.text or "")


def _tried(clinic: Clinic) -> bool:
    """Whether the therapist's alert has been tried (and, here, failed) once."""
    return any(e.kind == "risk_alert_sent" for e in clinic.services.audit.entries("C101"))


def _alerted(clinic: Clinic) -> bool:
    with clinic.services.database.transaction() as s:
        return s.scalar(select(NoteRow.alerted_at)) is not None


class TestWhenRiskNotesStayPrivate:
    """A clinic that keeps risk notes private: the alert comes without the note's text."""

    @pytest.fixture
    def config(self) -> ClinicConfig:
        return config_with(risk_notes_to_therapist=False)

    async def test_the_alert_has_no_note_text_and_the_client_is_told_so(
        self, clinic: Clinic
    ) -> None:
        therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
        await enrol_staff(clinic, therapist, "T01")
        consent = await clinic.enrol(client, "C101", consent=False)
        assert "they see its text only if you share it" in (consent.text or "")
        await client.tap(consent, text="I agree")
        clinic.plan()
        clinic.clock.set(DUE)
        await clinic.tick()
        checkin = client.last_message()
        for number in range(2, 6):
            await client.tap(checkin, text="Skip")
            await client.wait_for_message(partial(shows_step, number=number))

        await client.send_text("I want to end my life")
        crisis = await client.wait_for_message(lambda m: "important" in (m.text or ""))
        alert = await therapist.wait_for_message(lambda m: "alert" in (m.text or ""))

        assert "that you wrote such a note" in (crisis.text or "")
        assert "end my life" not in (alert.text or "")
        assert "only if the client shares it" in (alert.text or "")
        versions = [e.detail for e in clinic.services.audit.entries("C101")]
        assert "2026-12-v2-riskprivate" in versions


async def test_the_consent_text_says_risk_notes_reach_the_therapist(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    consent = await clinic.enrol(client, "C101", consent=False)

    text = consent.text or ""
    assert "even if you keep it private" in text
    assert "A duty contact at the clinic is told too, without the note." in text
    assert "erased after 24 months" in text


async def test_the_crisis_reply_and_the_alert_are_sent_as_urgent(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await enrol_staff(clinic, therapist, "T01")
    await note_prompt(clinic, client)
    marks: list[tuple[str, bool]] = []
    alert_one = bot.adapter.safety._alert_one

    async def reply(*args: Any, **kwargs: Any) -> Any:
        marks.append(("crisis", is_urgent()))
        return await plain_reply(*args, **kwargs)

    async def one(*args: Any, **kwargs: Any) -> Any:
        marks.append(("alert", is_urgent()))
        return await alert_one(*args, **kwargs)

    monkeypatch.setattr(bot.adapter.safety, "reply", reply)
    monkeypatch.setattr(bot.adapter.safety, "_alert_one", one)

    await client.send_text("I want to die")
    await therapist.wait_for_message(lambda m: "alert" in (m.text or ""))

    assert marks == [("crisis", True), ("alert", True)]
