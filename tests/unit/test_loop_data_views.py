"""/preview and /mydata with closing the loop: a repair answer named for what it followed
up (never the note), in the client's language; the follow-ups raised for the client; never
the therapist's estimate."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapter.my_data import data_document, preview_text
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from storage.client_data import (
    CheckinCopy,
    ClientCopy,
    FollowupCopy,
    NoteCopy,
)

AT = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
SESSION = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
RAISED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOTE_TEXT = "I felt rushed <at the end>"
KNOWN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}


def checkin(
    repair: int | None,
    kind: str | None = "concern",
    version: str = DEFAULT_QUESTIONNAIRE.version,
) -> CheckinCopy:
    return CheckinCopy(
        SESSION,
        CheckinStatus.COMPLETED,
        DEFAULT_QUESTIONNAIRE.key,
        version,
        (("bond", 7, AT), ("overall", 8, AT), ("repair", repair, AT)),
        NoteCopy(NOTE_TEXT, True, False, AT),
        kind,
    )


@pytest.mark.parametrize(
    ("language", "kind", "value", "line"),
    [
        ("en", "concern", 0, "• Whether what you raised was taken up: <b>Not yet</b>"),
        ("en", "concern", 2, "• Whether what you raised was taken up: <b>Yes</b>"),
        (
            "en",
            "flag",
            1,
            "• Whether the session helped with what was not working before: <b>Partly</b>",
        ),
        ("en", "concern", None, "• Whether what you raised was taken up: <b>skipped</b>"),
        (
            "de",
            "concern",
            0,
            "• Ob das, was Sie angesprochen haben, aufgegriffen wurde: <b>Noch nicht</b>",
        ),
        (
            "de",
            "flag",
            1,
            "• Ob die Sitzung bei dem geholfen hat, was vorher nicht gut lief: <b>Teilweise</b>",
        ),
        ("es", "concern", 0, "• Si lo que planteaste se retomó: <b>Todavía no</b>"),
        ("es", "flag", 2, "• Si la sesión ayudó con lo que antes no iba bien: <b>Sí</b>"),
    ],
)
def test_preview_names_the_repair_answer_for_what_it_followed_up_never_the_note(
    language: str, kind: str, value: int | None, line: str
) -> None:
    text = preview_text(language, "Europe/Berlin", KNOWN, checkin(value, kind), True)

    assert line in text
    assert text.index("<b>7</b>") < text.index(line)  # after the items
    assert "rushed" not in text
    assert "repair" not in text


def test_preview_of_a_version_the_config_no_longer_has_still_words_the_repair_answer() -> None:
    latest = checkin(0, version="000000000000")

    text = preview_text("en", "Europe/Berlin", KNOWN, latest, True)

    assert "• bond: <b>7</b>\n• overall: <b>8</b>\n• Whether what you raised" in text
    assert "repair:" not in text


def test_the_data_file_holds_the_repair_answer_and_the_follow_ups_never_an_estimate() -> None:
    followups = (
        FollowupCopy("concern", None, RAISED, SESSION),
        FollowupCopy("flag", "low_item", AT, None),
    )
    copy = ClientCopy(
        "C101",
        "T01",
        "active",
        "de",
        "Europe/Berlin",
        (),
        (checkin(0),),
        followups,
    )

    data = json.loads(data_document(copy, [], AT, KNOWN))

    (only,) = data["checkins"]
    repair = only["answers"][-1]
    assert repair == {
        "item": "repair",
        "name": "Ob das, was Sie angesprochen haben, aufgegriffen wurde",
        "question": "Ob das, was Sie angesprochen haben, aufgegriffen wurde",
        "value": 0,
        "answer": "Noch nicht",
        "answered_at": "2026-11-25T15:50:00+01:00",
    }
    assert "answer" not in only["answers"][0]  # the items keep their shape
    assert "estimate" not in json.dumps(data)
    assert data["follow_ups"] == [
        {
            "about": "Ob das, was Sie angesprochen haben, aufgegriffen wurde",
            "kind": "concern",
            "rule": None,
            "raised_at": "2026-11-20T10:00:00+01:00",
            "asked_in_session": "2026-11-24T15:00:00+01:00",
        },
        {
            "about": "Ob die Sitzung bei dem geholfen hat, was vorher nicht gut lief",
            "kind": "flag",
            "rule": "low_item",
            "raised_at": "2026-11-25T15:50:00+01:00",
            "asked_in_session": None,
        },
    ]


def test_a_skipped_repair_has_no_words() -> None:
    copy = ClientCopy("C101", "T01", "active", "es", "Europe/Madrid", (), (checkin(None),))

    data = json.loads(data_document(copy, [], AT, KNOWN))

    (only,) = data["checkins"]
    assert only["answers"][-1]["value"] is None
    assert only["answers"][-1]["answer"] is None
    assert only["answers"][-1]["name"] == "Si lo que planteaste se retomó"
    assert data["follow_ups"] == []
