"""A clinic's own questionnaire: one client answers it, another keeps the built-in one.

Through the public interface only: the clinic file, the Bot API and ``alliance export``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bot.cli.fhir_export import QUESTIONNAIRE_URL
from bot.cli.main import main
from bot.config.loader import load_clinic_config
from core.clinic import ClinicConfig
from sandbox import SandboxMessage
from tests.e2e.conftest import KEY, Clinic, shows_step

#: Wednesday 25 November, 15:50 Berlin: a day after Tuesday's 15:00-15:50 sessions.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
CLINIC_FILE = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  language: en
  crisis_contacts:
    en: "In an emergency call 112."
    de: "Im Notfall: 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    language: de
    questionnaire: brief-3
    sessions:
      weekly: [{day: tuesday, time: "15:00"}]
  - code: C102
    therapist: T01
    sessions:
      weekly: [{day: tuesday, time: "15:00"}]
questionnaires:
  - key: brief-3
    title: {en: "Session check", de: "Sitzungs-Check"}
    scale:
      min: 1
      max: 5
      labels:
        en: {1: "Not at all", 3: "Somewhat", 5: "Completely"}
        de: {1: "Gar nicht", 3: "Teilweise", 5: "Völlig"}
    items:
      - key: heard
        dimension: bond
        text: {en: "I felt heard today.", de: "Ich fühlte mich heute gehört."}
      - key: focus
        dimension: goals
        text: {en: "We worked on what I came for.", de: "Wir arbeiteten an meinem Anliegen."}
      - key: fit
        dimension: tasks
        reverse: true
        text: {en: "The way we worked felt wrong.", de: "Die Arbeitsweise passte nicht."}
"""


@pytest.fixture
def clinic_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC_FILE, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(path))
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", KEY)
    return path


@pytest.fixture
def config(clinic_file: Path) -> ClinicConfig:
    return load_clinic_config(clinic_file)


def german_step(message: SandboxMessage, number: int) -> bool:
    text = message.text or ""
    return f"Frage {number} von 3" in text or (number > 3 and "nächsten Mal" in text)


async def test_each_client_answers_their_own_questionnaire_and_the_export_says_which(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    own, builtin = clinic.sandbox.user(1001, language_code="de"), clinic.sandbox.user(1002)
    await own.send_command("start", await clinic.invite("C101"))
    consent = await own.wait_for_message(lambda m: "Ich bin einverstanden" in m.button_labels)
    await own.tap(consent, text="Ich bin einverstanden")
    await clinic.enrol(builtin, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    assert (await clinic.tick()).sent == 2

    checkin = own.last_message()
    text = checkin.text or ""
    assert "Frage 1 von 3" in text
    assert "Ich fühlte mich heute gehört." in text
    assert "1 = Gar nicht" in text
    assert "5 = Völlig" in text
    assert checkin.button_labels[:5] == ["1", "2", "3", "4", "5"]
    assert "6" not in checkin.button_labels
    for number, value in enumerate(("4", "2", "5"), start=2):
        await own.tap(checkin, text=value)
        await own.wait_for_message(partial(german_step, number=number))

    other = builtin.last_message()
    assert "question 1 of 4" in (other.text or "")
    assert "10" in other.button_labels
    await builtin.tap(other, text="7")
    await builtin.wait_for_message(partial(shows_step, number=2))

    assert main(["export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    answers = {
        (r["client_code"], r["questionnaire"], r["item_key"], r["value"])
        for r in rows
        if r["record"] == "answer"
    }
    assert answers == {
        ("C101", "brief-3", "heard", "4"),
        ("C101", "brief-3", "focus", "2"),
        ("C101", "brief-3", "fit", "5"),  # stored as given, reverse or not
        ("C102", "alliance-v1", "bond", "7"),
    }

    assert main(["export", "--format", "fhir"]) == 0
    bundle = Bundle.model_validate(json.loads(capsys.readouterr().out))
    kinds = [entry.resource for entry in bundle.entry or []]
    named = {q.url for q in kinds if isinstance(q, Questionnaire)}
    assert named == {QUESTIONNAIRE_URL + "brief-3", QUESTIONNAIRE_URL + "alliance-v1"}
    responses = [r for r in kinds if isinstance(r, QuestionnaireResponse)]
    cited = {str(r.questionnaire).split("|")[0] for r in responses}
    assert cited == named
