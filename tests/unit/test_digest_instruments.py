"""Digests, briefs and /history on each client's own instrument: its item names and scale,
and a plain notice when the instrument changed."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.adapter.chart import layout, render_chart, scales_text, y_ticks
from core.digest import build_brief, build_digest, summarize
from core.instrument_runs import Recorded, client_history
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from core.report_config import FlagSettings
from messages.digest import render_brief, render_digest
from messages.therapist import render_history
from tests.unit.test_digest_text import BERLIN, NOW, visible
from tests.unit.test_flags import FIRST_SESSION
from tests.unit.test_instrument_runs import FIVE, KNOWN, recorded

DEFAULTS = FlagSettings()


def switched(new_rows: int = 2) -> list[Recorded]:
    """Four check-ins on the built-in questionnaire, then ``new_rows`` on the 1-5 one."""
    stored = [recorded(n, DEFAULT_QUESTIONNAIRE, (9, 8, 9, 9)) for n in range(4)]
    return stored + [recorded(n, FIVE, (2, 4, 4)) for n in range(4, 4 + new_rows)]


def test_the_digest_names_the_new_instruments_items_and_the_switch() -> None:
    history = client_history("C101", "active", switched(), KNOWN)

    (part,) = render_digest(build_digest("T01", [history], DEFAULTS, NOW), "en", BERLIN)

    text = visible(part.text)
    assert "Latest: Heard 2 · Judged (reverse-scored) 2 · Energy 4" in text
    assert (
        "Questionnaire changed on Tue 29 Sep: Alliance check-in (built in) → Session check. "
        "The usual range starts again from then."
    ) in text
    assert "Before, on Alliance check-in (built in): Bond 9 · Goals 8 · Tasks 9 · Overall 9" in text
    assert "Low answer: Heard 2; Judged (reverse-scored) 2." in text


def test_a_stable_client_who_switched_gets_the_notice_too() -> None:
    stored = [recorded(n, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9)) for n in range(2)]
    stored.append(recorded(2, FIVE, (5, 1, 5)))
    history = client_history("C101", "active", stored, KNOWN)

    (part,) = render_digest(build_digest("T01", [history], DEFAULTS, NOW), "en", BERLIN)

    text = visible(part.text)
    assert "C101 · Heard 5 · Judged (reverse-scored) 5 · Energy 5" in text
    assert "Questionnaire changed on" in text


def test_a_revised_questionnaire_is_named_as_revised() -> None:
    stored = [recorded(n, FIVE, (4, 2, 4), version="old-version") for n in range(3)]
    stored.append(recorded(3, FIVE, (4, 2, 4)))
    history = client_history("C101", "active", stored, KNOWN)

    (part,) = render_digest(build_digest("T01", [history], DEFAULTS, NOW), "en", BERLIN)

    assert "Session check was revised on Tue 22 Sep (wording or scale)." in visible(part.text)


def test_no_notice_once_the_earlier_instrument_is_out_of_the_window() -> None:
    stored = [recorded(n, FIVE, (4, 2, 4)) for n in range(4)]

    (part,) = render_digest(
        build_digest("T01", [client_history("C101", "active", stored, KNOWN)], DEFAULTS, NOW),
        "en",
        BERLIN,
    )

    assert "Questionnaire changed" not in visible(part.text)


def test_history_lists_the_earlier_instrument_under_its_own_name() -> None:
    summary = summarize(client_history("C101", "active", switched(), KNOWN), DEFAULTS)

    text = "\n".join(visible(p.text) for p in render_history(summary, "en", BERLIN))

    lines = text.splitlines()
    assert lines[2:4] == [
        "Tue 6 Oct · Heard 2 · Judged (reverse-scored) 2 · Energy 4",
        "Tue 29 Sep · Heard 2 · Judged (reverse-scored) 2 · Energy 4",
    ]
    assert "Earlier, on Alliance check-in (built in):" in lines
    earlier = lines.index("Earlier, on Alliance check-in (built in):")
    assert lines[earlier + 1] == "Tue 22 Sep · Bond 9 · Goals 8 · Tasks 9 · Overall 9"


def test_a_brief_counts_the_check_ins_since_the_last_session_on_either_instrument() -> None:
    history = client_history("C101", "active", switched(1), KNOWN)
    upcoming = FIRST_SESSION + timedelta(weeks=5)

    brief = build_brief("T01", history, DEFAULTS, upcoming, FIRST_SESSION + timedelta(weeks=3))

    assert len(brief.new_points) == 2
    (part,) = render_brief(brief, "en", BERLIN)
    assert "check-ins since the last session: 2 answered, 0 missed" in visible(part.text)


def test_a_clinic_title_is_escaped_in_the_notice() -> None:
    hostile = replace(FIVE, title={"en": "<b>Check</b> & co"})
    stored = [recorded(0, DEFAULT_QUESTIONNAIRE, (9, 9, 9, 9)), recorded(1, hostile, (4, 2, 4))]
    history = client_history("C101", "active", stored, {**KNOWN, FIVE.key: hostile})

    (part,) = render_digest(build_digest("T01", [history], DEFAULTS, NOW), "en", BERLIN)

    assert "&lt;b&gt;Check&lt;/b&gt; &amp; co" in part.text


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_notice_reads_in_every_language(language: str) -> None:
    history = client_history("C101", "active", switched(), KNOWN)

    parts = render_digest(build_digest("T01", [history], DEFAULTS, NOW), language, BERLIN)

    text = visible(parts[0].text)
    assert "Session check" in text
    assert "{" not in text


def test_the_chart_draws_each_client_on_their_own_scale() -> None:
    five = summarize(client_history("C101", "active", switched(), KNOWN), DEFAULTS)
    ten = summarize(client_history("C102", "active", switched(0), KNOWN), DEFAULTS)

    assert layout([five]) == (2, [0, 2])
    assert layout([five, ten]) == (4, [0, 1, 2])
    assert y_ticks(1, 5) == [1, 3, 5]
    assert y_ticks(0, 10) == [0, 5, 10]
    assert scales_text([five, ten]) == "1–5, 0–10"
    png = render_chart([five, ten], "en", BERLIN)
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1080, 540)  # one row each: four columns, two rows


def test_a_long_questionnaire_takes_several_rows_per_client() -> None:
    items = tuple(replace(FIVE.items[0], key=f"i{n}") for n in range(9))
    long = replace(FIVE, items=items)
    stored = [recorded(0, long, (3,) * 9)]
    summary = summarize(client_history("C101", "active", stored, {long.key: long}), DEFAULTS)

    assert layout([summary]) == (3, [0, 3])
    assert layout([summary, summary]) == (4, [0, 3, 6])
