"""A client set to German (or Spanish) reads that language throughout, from consent to /help."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial

import pytest

from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: Words that only show up in English wording.
ENGLISH = re.compile(r"\b(Your|your|Nobody|Saved|Thank you|question|Skip|the)\b")


@pytest.fixture
def config() -> ClinicConfig:
    """C101 speaks German, C102 Spanish; the clinic (and its therapists) English."""
    base = clinic_config(
        crisis_contacts={
            "en": "In an emergency call 112.",
            "de": "Im Notfall: 112. Telefonseelsorge 0800 111 0 111.",
            "es": "En una emergencia llama al 112.",
        }
    ).model_dump()
    base["clients"][0]["language"] = "de"
    base["clients"][1]["language"] = "es"
    return ClinicConfig.model_validate(base)


def shows(message: SandboxMessage, words: str) -> bool:
    return words in (message.text or "")


def at_step(message: SandboxMessage, number: int, word: str) -> bool:
    text = message.text or ""
    return f"{word} {number} " in text or "Notiz für" in text or "beim nächsten Mal" in text


async def test_a_german_client_sees_german_throughout(clinic: Clinic) -> None:
    client: SimUser = clinic.sandbox.user(1001, language_code="de")
    await client.send_command("start", await clinic.invite("C101"))
    consent = await client.wait_for_message(lambda m: "Ich bin einverstanden" in m.button_labels)
    assert "Niemand liest diesen Chat in Echtzeit" in (consent.text or "")
    assert "Telefonseelsorge" in (consent.text or "")
    assert "auch wenn Sie sie privat halten" in (consent.text or "")
    pop_up = await client.tap(consent, text="Ich bin einverstanden")
    assert pop_up.text == "Gespeichert."
    await client.wait_for_message(lambda m: "Danke." in (m.text or ""))

    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 1
    checkin = client.last_message()
    assert "Frage 1 von 4" in (checkin.text or "")
    assert "Dienstag, 24. November" in (checkin.text or "")
    assert "Überspringen" in checkin.button_labels
    for number, value in enumerate(("8", "Überspringen", "6", "7"), start=2):
        answer = await client.tap(checkin, text=value)
        assert answer.text == "Gespeichert."
        await client.wait_for_message(partial(at_step, number=number, word="Frage"))
    prompt = client.last_message()
    assert "Telefonseelsorge" in (prompt.text or "")
    await client.send_text("Ich will nicht mehr leben.")
    crisis = await client.wait_for_message(lambda m: "wichtig" in (m.text or ""))
    assert "Telefonseelsorge" in (crisis.text or "")
    share = await client.wait_for_message(lambda m: "Privat behalten" in m.button_labels)
    await client.tap(share, text="Privat behalten")
    await client.wait_for_message(lambda m: "Antworten sind gespeichert" in (m.text or ""))

    for command, expect in (
        ("help", "Was Sie tun können"),
        ("preview", "Vorschau"),
        ("pause", "Fragen pausiert"),
        ("resume", "wieder aktiv"),
        ("delete", "Ihre Daten löschen?"),
    ):
        await client.send_command(command)
        await client.wait_for_message(partial(shows, words=expect))
    await client.send_command("mydata")
    document = await client.wait_for_message(lambda m: m.document is not None)
    assert document.filename == "meine-daten.json"

    english = [m.text or m.caption for m in client.messages() if ENGLISH.search(m.text or "")]
    assert english == []


async def test_a_spanish_client_gets_spanish_questions_and_dates(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1002, language_code="es")
    await client.send_command("start", await clinic.invite("C102"))
    consent = await client.wait_for_message(lambda m: "Acepto" in m.button_labels)
    assert "Nadie lee este chat en tiempo real" in (consent.text or "")
    await client.tap(consent, text="Acepto")
    clinic.plan()
    clinic.clock.set(DUE)

    await clinic.tick()

    checkin = client.last_message()
    assert "pregunta 1 de 4" in (checkin.text or "")
    assert "martes, 24 de noviembre" in (checkin.text or "")
    assert "confianza de abrirme con mi terapeuta" in (checkin.text or "")
    assert "Omitir" in checkin.button_labels
