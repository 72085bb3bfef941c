"""Pure pieces of the client's commands: /pause's number, /preview's text, /mydata's file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapter.handlers.controls import parse_weeks
from bot.adapter.my_data import data_document, preview_text
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from storage.audit import AuditEntry
from storage.client_data import CheckinCopy, ClientCopy, ConsentEvent, NoteCopy

AT = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
SESSION = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
NOTE_TEXT = "Please <don't> tell anyone & thanks"


#: A clinic's own questionnaire, as the config makes it (wording written for these tests).
OWN = Questionnaire(
    key="session-check",
    items=(
        Item("heard", "bond", {"en": "I was listened to."}, {"en": "Listened to"}),
        Item("aims", "goals", {"en": "We worked on my aims."}),
    ),
    scale_min=1,
    scale_max=5,
    title={"en": "Session check"},
    labels={"en": {1: "Not at all", 5: "Completely"}},
)
KNOWN = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE, OWN.key: OWN}


def checkin(
    note: NoteCopy | None,
    answers: tuple[tuple[str, int | None], ...],
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE,
    version: str | None = None,
) -> CheckinCopy:
    return CheckinCopy(
        SESSION,
        CheckinStatus.COMPLETED,
        questionnaire.key,
        version or questionnaire.version,
        tuple((key, value, AT) for key, value in answers),
        note,
    )


def note(shared: bool | None, risk: bool = False) -> NoteCopy:
    return NoteCopy(NOTE_TEXT, shared, risk, AT)


@pytest.mark.parametrize(("args", "weeks"), [([], None), (["1"], 1), (["52"], 52)])
def test_pause_takes_no_number_or_weeks_from_1_to_52(args: list[str], weeks: int | None) -> None:
    assert parse_weeks(args) == weeks


@pytest.mark.parametrize("args", [["0"], ["53"], ["-1"], ["two"], ["2", "weeks"], ["٣"]])
def test_pause_refuses_anything_else(args: list[str]) -> None:
    with pytest.raises(ValueError, match="weeks"):
        parse_weeks(args)


@pytest.mark.parametrize(
    ("shared", "risk", "policy", "says"),
    [
        (True, False, True, "shared, so your therapist sees it"),
        (False, False, True, "kept private, so your therapist does not see it"),
        (None, False, True, "not chosen whether to share it"),
        (False, True, True, "your therapist was shown it"),
        (None, True, True, "your therapist was shown it"),
        (False, True, False, "kept private, so your therapist does not see it"),
        (True, True, True, "shared, so your therapist sees it"),
    ],
)
def test_preview_says_who_sees_the_note_without_quoting_it(
    shared: bool | None, risk: bool, policy: bool, says: str
) -> None:
    latest = checkin(note(shared, risk), (("bond", 7),))
    text = preview_text("en", "Europe/Berlin", KNOWN, latest, policy)
    assert says in text
    assert "tell anyone" not in text


def test_preview_lists_answers_in_questionnaire_order_with_skips() -> None:
    latest = checkin(None, (("overall", 9), ("bond", 2), ("tasks", None)))
    text = preview_text("en", "Europe/Berlin", KNOWN, latest, True)
    assert "Felt safe being open: <b>2</b>\n• A useful way of working: <b>skipped</b>" in text
    assert text.index("safe being open") < text.index("Overall helpfulness")
    assert "No note." in text
    assert "Tuesday, 24 November" in text


def test_preview_with_nothing_answered_says_so_in_the_clients_language() -> None:
    assert "Vorschau" in preview_text("de", "Europe/Berlin", KNOWN, None, True)


def test_preview_names_the_items_of_the_questionnaire_the_checkin_asked() -> None:
    latest = checkin(None, (("aims", None), ("heard", 4)), OWN)

    text = preview_text("en", "Europe/Berlin", KNOWN, latest, True)

    assert "• Listened to: <b>4</b>\n• aims: <b>skipped</b>" in text  # no short name: the key
    assert "Felt safe" not in text


def test_preview_of_a_version_the_config_no_longer_has_names_items_by_their_keys() -> None:
    latest = checkin(None, (("heard", 4), ("aims", 2)), OWN, version="000000000000")

    text = preview_text("en", "Europe/Berlin", KNOWN, latest, True)

    assert "• heard: <b>4</b>\n• aims: <b>2</b>" in text
    assert "Listened to" not in text


def test_the_data_file_names_each_answer_from_its_own_checkins_questionnaire() -> None:
    checkins = (
        checkin(None, (("bond", 7),)),
        checkin(None, (("heard", 4),), OWN),
        checkin(None, (("heard", 2),), OWN, version="000000000000"),
    )
    copy = ClientCopy("C101", "T01", "active", "en", "Europe/Berlin", (), checkins)

    data = json.loads(data_document(copy, [], AT, KNOWN))

    builtin, own, gone = data["checkins"]
    assert (builtin["questionnaire"], builtin["questionnaire_version"]) == (
        "alliance-v1",
        DEFAULT_QUESTIONNAIRE.version,
    )
    assert builtin["answers"][0]["name"] == "Felt safe being open"
    assert own["questionnaire_title"] == "Session check"
    assert (own["answers"][0]["name"], own["answers"][0]["question"]) == (
        "Listened to",
        "I was listened to.",
    )
    assert gone["questionnaire_version"] == "000000000000"
    assert gone["questionnaire_title"] is None
    assert gone["answers"][0] == {
        "item": "heard",
        "name": None,
        "question": None,
        "value": 2,
        "answered_at": "2026-11-25T15:50:00+01:00",
    }


def test_the_data_file_holds_everything_in_the_clients_time_zone() -> None:
    copy = ClientCopy(
        "C101",
        "T01",
        "stopped",
        "en",
        "Europe/Berlin",
        (ConsentEvent(AT, "2026-12-v2", "given"), ConsentEvent(AT, "2026-12-v2", "withdrawn")),
        (checkin(note(False, True), (("bond", 7), ("goals", None))),),
    )
    activity = [
        AuditEntry(AT, "paused", "client", "C101", None, "/pause", "until resumed"),
        AuditEntry(AT, "therapist_notified", "system", "C101", "T01", "/stop", "stopped"),
    ]

    data = json.loads(data_document(copy, activity, AT, KNOWN))

    assert data["client_code"] == "C101"
    assert data["generated_at"] == "2026-11-25T15:50:00+01:00"
    assert [c["event"] for c in data["consent_history"]] == ["given", "withdrawn"]
    (only,) = data["checkins"]
    assert [(a["item"], a["value"], a["answered_at"]) for a in only["answers"]] == [
        ("bond", 7, "2026-11-25T15:50:00+01:00"),
        ("goals", None, "2026-11-25T15:50:00+01:00"),
    ]
    assert only["note"]["text"] == NOTE_TEXT
    assert only["note"]["sharing"] == "private"
    assert only["note"]["contains_risk_words"] is True
    assert data["activity"] == [
        {"at": "2026-11-25T15:50:00+01:00", "event": "paused", "via": "/pause"}
    ]
