"""The shape of a risk alert: fixed first message, the note quoted after it, all fitting."""

from __future__ import annotations

import html
import re

import pytest

from core.flow import NOTE_MAX_CHARS
from messages.catalog import available_languages
from messages.risk import THERAPIST_STATUS, escalation_alert, risk_alert
from messages.split import LIMIT, visible_length

_TAG = re.compile(r"<[^>]*>")
EMOJI = "😀"


def visible(text: str) -> str:
    """What the reader sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def quoted(text: str) -> str:
    """The note's piece in a quote: the text of its ``<i>`` element, decoded."""
    match = re.search(r"<i>(.*)</i>", text, re.DOTALL)
    assert match is not None
    return html.unescape(match[1])


@pytest.mark.parametrize("language", available_languages())
def test_the_first_message_has_the_fixed_text_and_no_note(language: str) -> None:
    alert = risk_alert(language, "C101", "I want to die")

    assert "I want to die" not in alert.head
    assert "C101" not in alert.head.split("\n")[0]
    assert "C101" in alert.head  # further down it says whose note it is
    assert alert.head.rstrip(".").endswith("C101")  # at the end, not in the first line
    assert len(alert.quotes) == 1
    assert quoted(alert.quotes[0]) == "I want to die"
    assert "C101" not in alert.quotes[0].split("\n")[0]


def test_without_the_policy_there_is_one_message_and_no_note_text() -> None:
    alert = risk_alert("en", "C101", None)

    assert alert.quotes == ()
    assert "only if the client shares it" in visible(alert.head)


def test_a_note_at_the_limit_of_emoji_fits_in_one_quote_under_the_limit() -> None:
    note = EMOJI * (NOTE_MAX_CHARS // 2)

    alert = risk_alert("en", "C101", note)

    (quote,) = alert.quotes
    assert quoted(quote) == note
    assert visible_length(quote) <= LIMIT
    assert visible_length(alert.head) <= LIMIT


def test_a_note_longer_than_one_message_is_quoted_in_numbered_parts_that_fit() -> None:
    note = ("<&> " + EMOJI * 20 + "\n") * 40

    alert = risk_alert("en", "C101", note, limit=400)

    assert len(alert.quotes) > 3
    assert all(visible_length(quote) <= 400 for quote in alert.quotes)
    assert "".join(quoted(quote) for quote in alert.quotes) == note
    count = len(alert.quotes)
    firsts = [visible(quote).split("\n")[0] for quote in alert.quotes]
    assert firsts == [
        f"The note ({n}/{count}), in the client's words:" for n in range(1, count + 1)
    ]


def test_html_in_a_note_is_escaped_in_the_quote() -> None:
    (quote,) = risk_alert("en", "C101", "</i><b>bold</b> & <script>").quotes

    assert "<b>bold</b>" not in quote
    assert "&lt;/i&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in quote


@pytest.mark.parametrize("status", sorted(THERAPIST_STATUS))
def test_the_escalation_alert_says_how_the_therapist_fared_and_has_no_note(status: str) -> None:
    text = escalation_alert("en", "C101", "T01", status)

    assert "C101" not in text.split("\n")[0]
    assert "(therapist T01)" in text
    assert {"alerted": "has been alerted", "not_reached": "could not be alerted in"}.get(
        status, "keeps trying"
    ) in text
