"""A clinic's own questionnaire in the check-in message: its wording, its scale, its buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.adapter import callback_data as cd
from bot.adapter.views import checkin_view
from core.model import Checkin, CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, MAX_ITEMS, Item, Questionnaire
from messages.instrument import item_label, item_short, item_text, point_labels, title
from tests.unit.test_render import html_problems

BRIEF = Questionnaire(
    key="brief-5",
    items=(
        Item(
            "heard", "bond", {"en": "I felt <heard> & understood.", "de": "Ich fühlte mich gehört."}
        ),
        Item(
            "aims",
            "goals",
            {"en": "We worked on my aims.", "de": "Wir arbeiteten an Zielen."},
            {"en": "Aims", "de": "Ziele"},
        ),
    ),
    scale_min=1,
    scale_max=5,
    title={"en": "Session check", "de": "Sitzungs-Check"},
    labels={
        "en": {1: "Not at all", 3: "Somewhat", 5: "Completely"},
        "de": {1: "Gar nicht", 5: "Völlig"},
    },
)
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def checkin(language: str = "en") -> Checkin:
    return Checkin(
        id=1,
        token="AbCdEfGhIjK",
        client_code="C1",
        chat_id=5,
        language=language,
        timezone="Europe/Berlin",
        session_start=START,
        due_at=START,
        expires_at=START,
        status=CheckinStatus.OPEN,
        step=0,
        message_id=None,
        attempts=1,
        questionnaire=BRIEF.key,
        questionnaire_version=BRIEF.version,
    )


def test_a_clinic_item_shows_its_own_text_escaped_and_its_labelled_points() -> None:
    view = checkin_view(checkin(), BRIEF, 0, "Call 112")
    assert "question 1 of 2" in view.text
    assert "I felt &lt;heard&gt; &amp; understood." in view.text
    assert "1 = Not at all" in view.text
    assert "3 = Somewhat" in view.text
    assert "5 = Completely" in view.text
    assert html_problems(view.text) == []


def test_a_clinic_item_has_a_button_per_point_and_skip() -> None:
    view = checkin_view(checkin("de"), BRIEF, 1, "112")
    assert view.markup is not None
    labels = [b.text for row in view.markup.inline_keyboard for b in row]
    assert labels[:5] == ["1", "2", "3", "4", "5"]
    assert len(labels) == 6  # and Skip
    assert "Frage 2 von 2" in view.text
    assert "Wir arbeiteten an Zielen." in view.text
    assert "1 = Gar nicht" in view.text


def test_the_note_step_follows_the_last_clinic_item() -> None:
    view = checkin_view(checkin(), BRIEF, len(BRIEF.items), "Call 112")
    assert view.markup is not None
    assert [b.text for row in view.markup.inline_keyboard for b in row] == ["Skip"]


def test_names_come_from_the_config_for_a_clinic_item_and_the_catalog_for_built_in_ones() -> None:
    heard, aims = BRIEF.items
    assert item_short("de", BRIEF, aims) == "Ziele"
    assert item_short("de", BRIEF, heard) == "heard"  # no short name: the key
    assert item_label("en", BRIEF, aims) == "Aims"
    assert item_text("es", BRIEF, aims) == "We worked on my aims."  # English when missing
    assert title("de", BRIEF) == "Sitzungs-Check"
    assert point_labels("de", BRIEF) == {1: "Gar nicht", 5: "Völlig"}
    bond = DEFAULT_QUESTIONNAIRE.items[0]
    assert item_short("en", DEFAULT_QUESTIONNAIRE, bond) == "Bond"
    assert title("en", DEFAULT_QUESTIONNAIRE) == "Alliance check-in (built in)"


@pytest.mark.parametrize(("low", "high"), [(0, 10), (90, 100), (1, 11)])
def test_every_button_of_the_largest_questionnaire_fits_telegrams_64_bytes(
    low: int, high: int
) -> None:
    items = tuple(Item(f"item_{'x' * 17}{i:02d}", "other", {"en": "?"}) for i in range(MAX_ITEMS))
    big = Questionnaire(
        "k" * 32, items, low, high, title={"en": "t"}, labels={"en": {low: "a", high: "b"}}
    )
    token = "A" * 11  # 64 random bits in URL-safe base64
    for step in range(len(items) + 2):
        view = checkin_view(replace(checkin(), token=token), big, step, "112")
        data = [
            b.callback_data
            for row in (view.markup.inline_keyboard if view.markup else ())
            for b in row
        ]
        assert all(len(str(d).encode()) <= 64 for d in data), data
        assert all(cd.decode(str(d)) is not None for d in data)


def test_the_version_changes_with_wording_and_scale_but_not_with_names_for_digests() -> None:
    reworded = replace(
        BRIEF, items=(replace(BRIEF.items[0], text={"en": "Heard?"}), BRIEF.items[1])
    )
    rescaled = replace(BRIEF, scale_max=7)
    renamed = replace(BRIEF, items=(BRIEF.items[0], replace(BRIEF.items[1], short={"en": "Goals"})))
    assert len({BRIEF.version, reworded.version, rescaled.version}) == 3
    assert renamed.version == BRIEF.version
