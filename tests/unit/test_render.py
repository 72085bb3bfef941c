"""Rendered messages: valid Telegram HTML, within Telegram's limits, saying the right thing."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.questionnaire import DEFAULT_QUESTIONNAIRE
from messages.catalog import available_languages, catalog, html_text, plain
from messages.render import MAX_MESSAGE_CHARS, checkin_text, crisis_line, session_date

Q = DEFAULT_QUESTIONNAIRE
N = len(Q.items)
BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN)
CRISIS = "In an emergency call 112. Crisis line: 0800 111 0 111 (24/7)."
#: The longest crisis text a clinic config allows, made of characters that must be escaped.
WORST_CRISIS = "<&>" * 166 + "&&"
#: Keys shown as button labels, pop-ups or command descriptions: plain text, never HTML.
PLAIN_PREFIXES = ("button.", "tap.", "command.")
_HTML_TOKEN = re.compile(r"<(/?)([A-Za-z0-9]*)[^>]*>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")


def html_problems(text: str) -> list[str]:
    """What makes ``text`` invalid for Telegram's HTML mode, restricted to <b> and <i>."""
    problems: list[str] = []
    open_tags: list[str] = []
    for match in _HTML_TOKEN.finditer(text):
        closing, tag, entity = match[1], match[2], match[3]
        if tag is not None:
            if match[0] not in (f"<{tag}>", f"</{tag}>") or tag not in ("b", "i"):
                problems.append(f"tag {match[0]!r}")
            elif not closing:
                open_tags.append(tag)
            elif not open_tags or open_tags.pop() != tag:
                problems.append(f"unbalanced {match[0]!r}")
        elif entity is None:
            problems.append(f"bare {match[0]!r}")
    return problems + [f"unclosed <{tag}>" for tag in open_tags]


def visible(text: str) -> str:
    """The text Telegram shows (and counts): tags removed, entities read."""
    return html.unescape(re.sub(r"</?[bi]>", "", text))


def every_step(crisis: str = CRISIS) -> list[str]:
    """The check-in message at each step, from the first item to done."""
    return [checkin_text("en", Q, step, TUESDAY, crisis) for step in range(N + 3)]


def test_the_validator_itself_tells_good_html_from_bad() -> None:
    assert html_problems("<b>a</b> <i>b &amp; c &lt;</i>") == []
    assert html_problems("<b>a") == ["unclosed <b>"]
    assert html_problems("<b><i>a</b></i>") != []
    assert html_problems("a < b") == ["bare '<'"]
    assert html_problems("fish & chips") == ["bare '&'"]
    assert html_problems('<a href="x">link</a>') != []
    assert html_problems("<u>u</u>") != []


@pytest.mark.parametrize("step", range(N + 3))
def test_every_checkin_step_is_valid_telegram_html(step: int) -> None:
    text = checkin_text("en", Q, step, TUESDAY, CRISIS)
    assert html_problems(text) == []
    assert text.strip()


@pytest.mark.parametrize("step", range(N + 3))
def test_every_checkin_step_stays_valid_with_a_hostile_crisis_text(step: int) -> None:
    text = checkin_text("en", Q, step, TUESDAY, WORST_CRISIS)
    assert html_problems(text) == []
    assert len(text) < MAX_MESSAGE_CHARS


def test_every_checkin_step_is_under_telegrams_4096_characters() -> None:
    assert MAX_MESSAGE_CHARS == 4096
    for text in every_step():
        assert len(text) < MAX_MESSAGE_CHARS
        assert len(visible(text)) < MAX_MESSAGE_CHARS


def test_the_steps_read_differently() -> None:
    texts = every_step()
    assert len(set(texts)) == len(texts)


def test_an_item_step_shows_its_number_stem_anchors_and_session_day() -> None:
    text = visible(checkin_text("en", Q, 1, TUESDAY, CRISIS))
    assert f"question 2 of {N}" in text
    assert catalog("en")["item.goals.stem"] in text
    assert "0 = not at all" in text
    assert "10 = completely" in text
    assert "Tuesday, 24 November" in text


def test_each_item_step_shows_its_own_item() -> None:
    for step, item in enumerate(Q.items):
        text = visible(checkin_text("en", Q, step, TUESDAY, CRISIS))
        assert catalog("en")[f"item.{item.key}.stem"] in text
        assert catalog("en")[f"item.{item.key}.high"] in text


def test_the_intro_is_shown_on_the_first_item_only() -> None:
    intro = visible(html_text("en", "checkin.intro")).strip()
    texts = [visible(text) for text in every_step()]
    assert intro in texts[0]
    assert not any(intro in text for text in texts[1:])


def test_the_first_line_stays_neutral_for_the_lock_screen() -> None:
    for text in every_step():
        first_line = visible(text).splitlines()[0]
        assert first_line.startswith("Your check-in")
        assert "session" not in first_line.lower()


def test_the_note_prompt_shows_the_crisis_contacts_escaped() -> None:
    text = checkin_text("en", Q, N, TUESDAY, "Call <112> & ask")
    assert "Call &lt;112&gt; &amp; ask" in text
    assert "Call <112> & ask" in visible(text)


def test_only_the_note_prompt_carries_the_crisis_contacts() -> None:
    texts = every_step()
    assert CRISIS in texts[N]
    assert [step for step, text in enumerate(texts) if CRISIS in text] == [N]


def test_the_share_and_done_steps_say_so() -> None:
    texts = [visible(text) for text in every_step()]
    assert "Should your therapist see this note?" in texts[N + 1]
    assert "your answers are saved" in texts[N + 2]


def test_a_step_past_done_renders_as_done() -> None:
    assert checkin_text("en", Q, N + 5, TUESDAY, CRISIS) == checkin_text(
        "en", Q, N + 2, TUESDAY, CRISIS
    )


def test_the_session_day_is_its_local_day() -> None:
    assert session_date("en", TUESDAY) == "Tuesday, 24 November"
    just_after_midnight = datetime(2026, 11, 25, 0, 30, tzinfo=BERLIN)  # still the 24th in UTC
    assert session_date("en", just_after_midnight) == "Wednesday, 25 November"


@pytest.mark.parametrize(
    "key", sorted(k for k in catalog("en") if not k.startswith(PLAIN_PREFIXES))
)
def test_every_html_wording_uses_only_bold_and_italic(key: str) -> None:
    assert html_problems(catalog("en")[key]) == []


@pytest.mark.parametrize("key", sorted(k for k in catalog("en") if k.startswith(PLAIN_PREFIXES)))
def test_plain_wordings_carry_no_markup(key: str) -> None:
    wording = catalog("en")[key]
    assert "<" not in wording
    assert "&" not in wording


@pytest.mark.parametrize("language", available_languages())
def test_the_longest_consent_request_fits_in_one_message(language: str) -> None:
    escalation = html_text(language, "consent.risk.escalation")
    policy = html_text(language, "consent.risk.private", escalation=escalation)
    text = html_text(
        language,
        "consent.request",
        clinic="&" * 100,
        crisis=WORST_CRISIS,
        retention_months=240,
        risk_policy=policy,
    )
    assert html_problems(text) == []
    assert len(visible(text)) < MAX_MESSAGE_CHARS


@pytest.mark.parametrize("key", sorted(k for k in catalog("en") if k.startswith("button.")))
def test_button_labels_are_short(key: str) -> None:
    label = plain("en", key)
    assert 0 < len(label) < 64
    assert "\n" not in label


def test_scale_button_labels_are_short() -> None:
    assert all(0 < len(str(value)) < 64 for value in Q.scale)


def test_the_crisis_line_is_in_the_clients_language() -> None:
    contacts = {"en": "Call 112.", "de": "Rufen Sie 112 an."}
    assert crisis_line(contacts, "de", "en") == "Rufen Sie 112 an."


def test_the_crisis_line_falls_back_to_the_clinic_language() -> None:
    contacts = {"en": "Call 112.", "de": "Rufen Sie 112 an."}
    assert crisis_line(contacts, "fr", "de") == "Rufen Sie 112 an."


def test_the_crisis_line_falls_back_to_any_contact_rather_than_none() -> None:
    assert crisis_line({"de": "Rufen Sie 112 an."}, "fr", "en") == "Rufen Sie 112 an."
