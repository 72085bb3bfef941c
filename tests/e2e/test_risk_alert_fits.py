"""Risk alerts always reach someone: the note fits, a refused quote or chat stops nothing.

The real bot against the sandbox, which refuses a message over 4096 UTF-16 units after
entity parsing as Telegram does, and can refuse one chat's messages on purpose.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.clinic import ClinicConfig
from core.flow import NOTE_MAX_CHARS, utf16_length
from sandbox import SandboxMessage, SimUser
from storage.tables import TherapistMessageRow
from tests.e2e.conftest import Clinic, eventually
from tests.e2e.test_risk_language import _alerted, config_with, enrol_staff, note_prompt

#: A note at the longest a client may write, nearly all emoji (two UTF-16 units each).
WORDS = "I want to die "
LONG_NOTE = WORDS + "😭" * ((NOTE_MAX_CHARS - len(WORDS)) // 2)
REFUSED = "Bad Request: can't parse entities: unsupported start tag"


@pytest.fixture
def config() -> ClinicConfig:
    """Risk notes go to the therapist, and a duty contact is alerted too."""
    return config_with()


async def staff(clinic: Clinic) -> tuple[SimUser, SimUser, SimUser]:
    """The therapist T01, the duty contact and client C101 at the note prompt."""
    therapist, duty, client = (clinic.sandbox.user(n) for n in (3001, 3002, 1001))
    await enrol_staff(clinic, therapist, "T01")
    await enrol_staff(clinic, duty, "DUTY")
    await note_prompt(clinic, client)
    return therapist, duty, client


def alerts(user: SimUser) -> list[SandboxMessage]:
    return [m for m in user.messages() if (m.text or "").startswith("Check-in alert")]


def quotes(user: SimUser) -> list[SandboxMessage]:
    return [m for m in user.messages() if (m.text or "").startswith("The note")]


def summary(clinic: Clinic) -> str | None:
    entries = [e for e in clinic.services.audit.entries("C101") if e.kind == "risk_alert"]
    return entries[-1].detail if entries else None


def recorded(clinic: Clinic) -> list[tuple[int, int]]:
    """(chat, message id) of every message recorded as quoting a note."""
    with clinic.services.database.transaction() as s:
        rows = s.execute(select(TherapistMessageRow.chat_id, TherapistMessageRow.message_id))
        return [(chat, message) for chat, message in rows]


async def test_a_long_emoji_note_reaches_the_therapist_and_the_duty_contact(
    clinic: Clinic,
) -> None:
    assert utf16_length(LONG_NOTE) == NOTE_MAX_CHARS  # at the limit, accepted
    therapist, duty, client = await staff(clinic)

    await client.send_text(LONG_NOTE)
    head = await therapist.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
    quote = await therapist.wait_for_message(lambda m: "The note" in (m.text or ""))
    escalation = await duty.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
    await eventually(lambda: _alerted(clinic))

    assert (head.text or "").split("\n")[0] == "Check-in alert"
    assert LONG_NOTE in (quote.text or "")
    assert (quote.text or "").split("\n")[0] == "The note (1/1), in the client's words:"
    assert "therapist has been alerted" in (escalation.text or "")
    assert "😭" not in (escalation.text or "")
    assert summary(clinic) == "therapist delivered, escalation delivered"
    assert recorded(clinic) == [(therapist.id, quote.message_id)]


async def test_a_quote_telegram_refuses_leaves_the_alert_without_the_note(
    clinic: Clinic,
) -> None:
    therapist, duty, client = await staff(clinic)
    clinic.sandbox.fail_next(
        "sendMessage", error_code=400, description=REFUSED, chat_id=therapist.id, skip=1
    )

    await client.send_text("I want to die")
    await duty.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
    await eventually(lambda: _alerted(clinic))

    (head,) = alerts(therapist)
    assert "records for client C101" in (head.text or "")
    assert quotes(therapist) == []
    assert summary(clinic) == "therapist delivered without note, escalation delivered"
    assert recorded(clinic) == []
    await clinic.advance(timedelta(minutes=5))  # nothing is owed: no second try
    assert len(alerts(therapist)) == 1
    assert len(alerts(duty)) == 1


async def test_the_duty_contact_is_alerted_when_the_therapist_blocked_the_bot(
    clinic: Clinic,
) -> None:
    therapist, duty, client = await staff(clinic)
    therapist.block_bot()

    await client.send_text("I want to die")
    escalation = await duty.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
    await eventually(lambda: _alerted(clinic))

    assert "could not be alerted in this bot" in (escalation.text or "")
    assert summary(clinic) == "therapist unreachable:Forbidden, escalation delivered"


class TestAnOutageLongerThanTheHandlersRetries:
    """The therapist's chat fails for longer than a reply is retried (here: not at all)."""

    @pytest.fixture
    def settings_changes(self) -> dict[str, Any]:
        return {"reply_retry_seconds": 0}

    async def test_a_failing_therapist_chat_delays_only_the_therapist_and_nobody_gets_it_twice(
        self, clinic: Clinic
    ) -> None:
        therapist, duty, client = await staff(clinic)
        clinic.sandbox.fail_next("sendMessage", error_code=502, chat_id=therapist.id)

        await client.send_text("I want to die")
        escalation = await duty.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
        await eventually(lambda: _tried(clinic, "escalation"))

        assert "the bot keeps trying" in (escalation.text or "")
        assert alerts(therapist) == []
        assert not _alerted(clinic)
        await clinic.advance(timedelta(minutes=3))

        assert _alerted(clinic)
        assert len(alerts(therapist)) == 1
        assert len(quotes(therapist)) == 1
        assert len(alerts(duty)) == 1
        assert summary(clinic) == "therapist delivered, escalation delivered"

    async def test_a_quote_that_failed_for_a_while_is_sent_alone_by_the_tick(
        self, clinic: Clinic
    ) -> None:
        therapist, duty, client = await staff(clinic)
        clinic.sandbox.fail_next("sendMessage", error_code=502, chat_id=therapist.id, skip=1)

        await client.send_text("I want to die")
        await duty.wait_for_message(lambda m: "Check-in alert" in (m.text or ""))
        await eventually(lambda: _tried(clinic, "escalation"))
        assert (len(alerts(therapist)), len(quotes(therapist))) == (1, 0)

        await clinic.advance(timedelta(minutes=3))

        assert (len(alerts(therapist)), len(quotes(therapist))) == (1, 1)
        assert len(alerts(duty)) == 1
        assert summary(clinic) == "therapist delivered, escalation delivered"


def _tried(clinic: Clinic, role: str) -> bool:
    """Whether the alert has been tried once for the recipient in ``role``."""
    entries = clinic.services.audit.entries("C101")
    return any(e.kind == "risk_alert_sent" and e.via == role for e in entries)
