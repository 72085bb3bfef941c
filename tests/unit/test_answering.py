"""What a tap or a typed message decides: every rule between the lookup and Telegram."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.answering import (
    Advance,
    Closed,
    Help,
    Idle,
    SaveNote,
    Say,
    Then,
    awaiting_note,
    on_tap,
    on_text,
    proves_delivery,
)
from core.flow import NOTE_MAX_CHARS, ItemAnswer, NoteText, ShareChoice, SkipNote
from core.model import Checkin, CheckinStatus, ClientRecord, ClientStatus, TherapistRecord
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from core.risk import RiskMatcher

Q = DEFAULT_QUESTIONNAIRE
N = len(Q.items)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CHAT = 501
RISK = RiskMatcher(["hurt myself"])


def checkin(**changes: object) -> Checkin:
    base = Checkin(
        id=7,
        token="tok",
        client_code="C101",
        chat_id=CHAT,
        language="de",
        timezone="Europe/Berlin",
        session_start=NOW - timedelta(days=1),
        due_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(days=2),
        status=CheckinStatus.OPEN,
        step=0,
        message_id=90,
        attempts=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def client(status: ClientStatus = ClientStatus.ACTIVE) -> ClientRecord:
    return ClientRecord(1, "C101", "T01", status, CHAT, "es", "Europe/Madrid")


# Taps ------------------------------------------------------------------------------------


def test_a_token_nobody_issued_is_unknown_in_the_clinic_language() -> None:
    assert on_tap(None, CHAT, ItemAnswer(0, 5), Q, NOW) == Say("tap.unknown", None)


def test_a_tap_from_another_chat_changes_nothing_and_does_not_use_its_language() -> None:
    assert on_tap(checkin(), CHAT + 1, ItemAnswer(0, 5), Q, NOW) == Say("tap.not_yours", None)


def test_a_tap_on_a_completed_checkin_says_it_was_already_saved() -> None:
    done = checkin(status=CheckinStatus.COMPLETED, step=N + 2)
    assert on_tap(done, CHAT, ItemAnswer(0, 5), Q, NOW) == Say("tap.already", "de")


@pytest.mark.parametrize(
    "status", [CheckinStatus.EXPIRED, CheckinStatus.CANCELLED, CheckinStatus.PLANNED]
)
def test_a_checkin_that_is_not_open_is_closed(status: CheckinStatus) -> None:
    assert on_tap(checkin(status=status), CHAT, ItemAnswer(0, 5), Q, NOW) == Closed("de")


def test_an_open_checkin_past_its_expiry_is_closed_even_before_the_tick_notices() -> None:
    late = checkin(expires_at=NOW)
    assert on_tap(late, CHAT, ItemAnswer(0, 5), Q, NOW) == Closed("de")


def test_an_answer_for_the_current_item_advances() -> None:
    outcome = on_tap(checkin(), CHAT, ItemAnswer(0, 5), Q, NOW)
    assert isinstance(outcome, Advance)
    assert outcome.decision.next_step == 1
    assert outcome.checkin.id == 7
    assert not outcome.done
    assert outcome.language == "de"


def test_a_double_tap_on_an_answered_item_is_already_saved() -> None:
    assert on_tap(checkin(step=2), CHAT, ItemAnswer(1, 5), Q, NOW) == Say("tap.already", "de")


def test_a_forged_value_is_unknown_in_the_client_language() -> None:
    assert on_tap(checkin(), CHAT, ItemAnswer(0, 99), Q, NOW) == Say("tap.unknown", "de")


def test_the_sharing_choice_completes_the_checkin() -> None:
    outcome = on_tap(checkin(step=N + 1), CHAT, ShareChoice(N + 1, shared=True), Q, NOW)
    assert isinstance(outcome, Advance)
    assert outcome.done


def test_skipping_the_note_moves_to_the_end_without_completing_early() -> None:
    outcome = on_tap(checkin(step=N), CHAT, SkipNote(N), Q, NOW)
    assert isinstance(outcome, Advance)
    assert outcome.decision.next_step == N + 2
    assert outcome.done


@pytest.mark.parametrize("status", [CheckinStatus.PLANNED, CheckinStatus.SENDING])
def test_a_tap_proves_a_delivery_that_was_never_recorded(status: CheckinStatus) -> None:
    assert proves_delivery(checkin(status=status), CHAT)


def test_a_tap_proves_nothing_from_another_chat_or_for_a_recorded_delivery() -> None:
    assert not proves_delivery(checkin(status=CheckinStatus.SENDING), CHAT + 1)
    assert not proves_delivery(checkin(status=CheckinStatus.OPEN), CHAT)
    assert not proves_delivery(None, CHAT)


# Typed messages --------------------------------------------------------------------------


def test_someone_who_is_not_a_client_gets_help() -> None:
    assert on_text(None, None, "hello", RISK) == Help()
    therapist = TherapistRecord(2, "T01", CHAT)
    assert on_text(therapist, (checkin(step=N), Q), "hello", RISK) == Help()


def test_a_chat_awaiting_consent_stores_no_note() -> None:
    relinked = client(ClientStatus.AWAITING_CONSENT)
    assert on_text(relinked, (checkin(step=N), Q), "a note", RISK) == Say("consent.first", "es")


def test_text_when_no_note_is_awaited_is_idle() -> None:
    assert on_text(client(), None, "hello", RISK) == Idle("es", crisis=False)


def test_a_risk_phrase_when_no_note_is_awaited_still_gets_crisis_contacts() -> None:
    assert on_text(client(), None, "I want to HURT myself", RISK) == Idle("es", crisis=True)


def test_a_note_over_the_limit_is_refused_with_its_length() -> None:
    text = "x" * (NOTE_MAX_CHARS + 1)
    outcome = on_text(client(), (checkin(step=N), Q), text, RISK)
    expected = (("length", NOTE_MAX_CHARS + 1), ("limit", NOTE_MAX_CHARS))
    assert outcome == Say("note.too_long", "es", expected)


def test_a_note_with_nothing_visible_is_refused() -> None:
    assert on_text(client(), (checkin(step=N), Q), " \u200b ", RISK) == Say("note.empty", "es")


def test_a_plain_note_is_saved_then_the_checkin_moves_on() -> None:
    outcome = on_text(client(), (checkin(step=N), Q), "  slept badly  ", RISK)
    assert isinstance(outcome, SaveNote)
    assert outcome.decision.next_step == N + 1
    assert outcome.decision.action == NoteText("  slept badly  ")
    assert not outcome.risk
    assert not outcome.done
    assert outcome.then == (Then.PROGRESS,)


def test_a_risk_note_gets_crisis_contacts_first_then_progress_then_the_alert() -> None:
    outcome = on_text(client(), (checkin(step=N), Q), "I might hurt myself", RISK)
    assert isinstance(outcome, SaveNote)
    assert outcome.risk
    assert outcome.then == (Then.CRISIS_REPLY, Then.PROGRESS, Then.ALERT)
    assert outcome.client.code == "C101"
    assert outcome.checkin.id == 7


# Questionnaires ---------------------------------------------------------------------------

SHORT = Questionnaire("brief", (Item("heard", "bond", {"en": "Heard?"}),), 1, 5, title={"en": "B"})


def test_a_checkin_whose_questionnaire_changed_since_it_was_planned_is_closed() -> None:
    assert on_tap(checkin(), CHAT, ItemAnswer(0, 5), None, NOW) == Closed("de")


def test_a_tap_is_judged_on_the_checkins_own_scale() -> None:
    short = checkin(questionnaire="brief", questionnaire_version=SHORT.version)
    assert on_tap(short, CHAT, ItemAnswer(0, 6), SHORT, NOW) == Say("tap.unknown", "de")
    outcome = on_tap(short, CHAT, ItemAnswer(0, 5), SHORT, NOW)
    assert isinstance(outcome, Advance)
    assert outcome.decision.next_step == 1  # one item: the note comes next
    assert outcome.questionnaire is SHORT


def test_the_note_goes_to_the_open_checkin_at_its_own_note_step() -> None:
    short = checkin(id=8, questionnaire="brief", step=1)
    builtin_at_item_two = checkin(id=9, step=1)
    mapping = {"brief": SHORT, "alliance-v1": Q}
    found = awaiting_note([builtin_at_item_two, short], lambda c: mapping[c.questionnaire])
    assert found == (short, SHORT)


def test_no_note_is_awaited_from_a_checkin_whose_questionnaire_changed() -> None:
    assert awaiting_note([checkin(step=N)], lambda _c: None) is None
