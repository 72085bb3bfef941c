"""A clinic's own questionnaire for end-to-end tests: three items on 1-5 in English and
German, with wording written for these tests (not from any published instrument)."""

from __future__ import annotations

import json
from typing import Any

from sandbox import SandboxMessage, SimUser

LICENCE = "Written for these tests; free to use."
SESSION_CHECK: dict[str, Any] = {
    "key": "session-check",
    "title": {"en": "Session check", "de": "Sitzungs-Check"},
    "scale": {
        "min": 1,
        "max": 5,
        "labels": {
            "en": {1: "Not at all", 3: "Somewhat", 5: "Completely"},
            "de": {1: "Gar nicht", 3: "Teilweise", 5: "Völlig"},
        },
    },
    "items": [
        {
            "key": "heard",
            "dimension": "bond",
            "text": {"en": "Today I was listened to.", "de": "Heute wurde mir zugehört."},
            "short": {"en": "Listened to", "de": "Zugehört"},
        },
        {
            "key": "aims",
            "dimension": "goals",
            "text": {"en": "We worked on what matters to me.", "de": "Es ging um mein Anliegen."},
        },
        {
            "key": "stuck",
            "dimension": "tasks",
            "text": {"en": "I felt stuck in the session.", "de": "Ich kam nicht weiter."},
            "reverse": True,
        },
    ],
    "licence": LICENCE,
}


def session_check(**item_text: str) -> dict[str, Any]:
    """The questionnaire as written in a config; ``item_text`` rewords items in English."""
    spec: dict[str, Any] = json.loads(json.dumps(SESSION_CHECK))
    for item in spec["items"]:
        if item["key"] in item_text:
            item["text"]["en"] = item_text[item["key"]]
    return spec


def two_questionnaires(**item_text: str) -> dict[str, Any]:
    """The test clinic with C101 on the clinic's questionnaire; ``item_text`` rewords items."""
    spec = session_check(**item_text)
    return {
        "clinic": {
            "name": "Riverside Counselling",
            "timezone": "Europe/Berlin",
            "language": "en",
            "crisis_contacts": {"en": "In an emergency call 112."},
        },
        "questionnaires": [spec],
        "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
        "clients": [
            {
                "code": "C101",
                "therapist": "T01",
                "questionnaire": "session-check",
                "sessions": {"dates": ["2026-11-24T15:00"]},
            },
            {"code": "C102", "therapist": "T01", "sessions": {"dates": ["2026-11-24T10:00"]}},
        ],
    }


def at_step(message: SandboxMessage, number: int, total: int) -> bool:
    text = message.text or ""
    return f"question {number} of {total}" in text or "bring up next time" in text


async def answer(user: SimUser, values: list[str]) -> None:
    """Tap each value of the open check-in, then skip the note."""
    checkin = user.last_message()
    for number, value in enumerate(values, start=2):
        await user.tap(checkin, text=value)
        checkin = await user.wait_for_message(
            lambda m, n=number: at_step(m, n, len(values))  # type: ignore[misc]
        )
    await user.tap(checkin, text="Skip")
    await user.wait_for_message(lambda m: "answers are saved" in (m.text or ""))
