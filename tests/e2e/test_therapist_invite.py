"""/invite CODE: a therapist enrols their own client from the session room, link and QR code.

Anyone else, and any code that is not the therapist's own client, get the very same
refusal, so nobody learns which codes exist.
"""

from __future__ import annotations

import pytest
import zxingcpp

from core.audit import AuditKind
from core.clinic import Client, ClinicConfig, Therapist
from sandbox import SandboxMessage, SimUser
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic
from tests.png import grey_pixels

LINK_START = "https://t.me/riverside_checkin_bot?start="


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with a second therapist, T02, and T02's client C201."""
    base = clinic_config()
    therapist = Therapist(code="T02", display_name="Dr. Okafor")
    client = Client(code="C201", therapist="T02")
    return base.model_copy(
        update={
            "therapists": [*base.therapists, therapist],
            "clients": [*base.clients, client],
        }
    )


async def refused(user: SimUser, args: str | None) -> str:
    """Send /invite and return the bot's text answer."""
    await user.send_command("invite", args)
    answer = await user.wait_for_message(lambda m: m.text is not None)
    return answer.text or ""


def decoded(photo: SandboxMessage) -> str:
    assert photo.photo is not None
    width, height, pixels = grey_pixels(photo.photo.data)
    barcode = zxingcpp.read_barcode(memoryview(pixels).cast("B", (height, width)))
    assert barcode is not None
    return str(barcode.text)


async def test_a_therapist_gets_a_link_and_qr_code_that_enrol_their_client(
    clinic: Clinic,
) -> None:
    therapist, client = clinic.sandbox.user(2001), clinic.sandbox.user(1001)
    await clinic.enrol_therapist(therapist, "T01")

    await therapist.send_command("invite", "C101")

    photo = await therapist.wait_for_message(lambda m: m.photo is not None)
    caption = photo.caption or ""
    assert "Invite for C101" in caption
    link = caption[caption.index(LINK_START) :].split()[0]
    assert decoded(photo) == link
    assert photo.protect_content
    await client.send_command("start", link.rsplit("=", 1)[1])
    await client.wait_for_message(lambda m: "I agree" in m.button_labels)
    invited = [e for e in clinic.services.audit.entries("C101") if e.kind == AuditKind.INVITED]
    assert [(e.actor, e.via) for e in invited][-1] == ("therapist", "/invite")


async def test_a_newer_invite_from_the_therapist_revokes_the_older_link(clinic: Clinic) -> None:
    therapist, client = clinic.sandbox.user(2001), clinic.sandbox.user(1001)
    older = await clinic.invite("C101")
    await clinic.enrol_therapist(therapist, "T01")

    await therapist.send_command("invite", "C101")
    await therapist.wait_for_message(lambda m: m.photo is not None)
    await client.send_command("start", older)

    await client.wait_for_message(lambda m: "no longer valid" in (m.text or ""))


async def test_strangers_other_therapists_and_unknown_codes_get_one_same_refusal(
    clinic: Clinic,
) -> None:
    own, other, stranger = (clinic.sandbox.user(n) for n in (2001, 2002, 3001))
    await clinic.enrol_therapist(own, "T01")
    await clinic.enrol_therapist(other, "T02")

    answers = {
        await refused(stranger, "C101"),
        await refused(other, "C101"),
        await refused(own, "C999"),
        await refused(own, "C201"),
        await refused(own, "T02"),
        await refused(own, None),
    }

    assert len(answers) == 1
    assert "No invite was made" in answers.pop()
    assert not [m for m in (*own.messages(), *other.messages()) if m.photo is not None]
