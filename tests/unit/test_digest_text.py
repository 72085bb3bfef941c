"""Digests, briefs and command replies in words: escaped, labelled, split under the limit."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.digest import build_brief, build_digest, summarize
from core.history import CheckinPoint, ClientHistory, SharedNote
from core.report_config import FlagSettings
from messages.catalog import SafeHtml
from messages.digest import render_brief, render_digest
from messages.split import Block, pack, visible_length
from messages.therapist import render_history, render_roster
from tests.unit.test_flags import FIRST_SESSION, Row, point

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
DEFAULTS = FlagSettings()
HOSTILE = "I felt <b>rushed</b> & ignored 😬 </blockquote> &amp; {code}"
_TAG = re.compile(r"<[^>]*>")


def visible(text: str) -> str:
    """What the reader sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def client(code: str, *rows: Row, note: SharedNote | None = None) -> ClientHistory:
    """A history; ``note`` goes on the latest check-in."""
    points = [point(n, row) for n, row in enumerate(rows)]
    if note is not None:
        last = points[-1]
        points[-1] = CheckinPoint(
            last.session_start,
            last.session_end,
            last.status,
            last.answers,
            last.first_answer_at,
            note,
        )
    return ClientHistory(code, "active", tuple(points))


def dropped(code: str, note: SharedNote | None = None) -> ClientHistory:
    """A client whose goals dropped from a usual 9-10 to 5."""
    return client(code, (9, 9, 9, 9), (9, 10, 9, 9), (9, 9, 9, 9), (9, 5, 9, 9), note=note)


def test_a_digest_names_the_reason_and_the_next_step_with_text_labels() -> None:
    digest = build_digest("T01", [dropped("C102"), client("C101", (9, 9, 9, 9))], DEFAULTS, NOW)

    (part,) = render_digest(digest, "en", BERLIN)

    text = visible(part.text)
    assert text.startswith("Your weekly summary · 28 Sep – 5 Oct 2026")
    assert "1 need attention · 0 check in · 1 stable" in text
    assert text.index("NEEDS ATTENTION") < text.index("C102") < text.index("STABLE")
    assert text.index("STABLE") < text.index("C101")
    assert "Low answer: Goals 5, usually 9–10." in text
    assert "Next step: invite feedback about the goals" in text
    assert "Latest: Bond 9 · Goals 5 · Tasks 9 · Overall 9" in text
    assert "Usually: Bond 9 · Goals 9–10 · Tasks 9 · Overall 9" in text
    assert "answered 26 hours after it" in text


def test_a_shared_note_arrives_verbatim_escaped_and_marked_as_the_clients_words() -> None:
    note = SharedNote(HOSTILE, FIRST_SESSION + timedelta(weeks=3, days=1), "tok123")
    digest = build_digest("T01", [dropped("C102", note)], DEFAULTS, NOW)

    (part,) = render_digest(digest, "en", BERLIN)

    assert "<b>rushed</b>" not in part.text
    assert "&lt;b&gt;rushed&lt;/b&gt; &amp; ignored 😬 &lt;/blockquote&gt; &amp;amp;" in part.text
    assert HOSTILE in visible(part.text)
    assert "In the client's words (C102, shared Wed 23 Sep):" in visible(part.text)
    assert [(b.label, b.token) for b in part.buttons] == [
        ("✓ Discussed: C102, Wed 23 Sep", "tok123")
    ]


def test_a_discussed_note_is_no_longer_shown_as_open() -> None:
    note = SharedNote("talked about it", FIRST_SESSION, "tok", discussed=True)
    digest = build_digest("T01", [dropped("C102", note)], DEFAULTS, NOW)

    (part,) = render_digest(digest, "en", BERLIN)

    assert "talked about it" not in part.text
    assert part.buttons == ()


def test_the_footer_shows_the_share_of_clients_flagged() -> None:
    histories = [dropped("C1"), client("C2", (9, 9, 9, 9)), client("C3", (9, 9, 9, 9))]
    (part,) = render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN)
    assert "Flagged this week: 1 of 3 clients taking part (33%)" in visible(part.text)


def test_a_therapist_without_clients_gets_a_short_digest() -> None:
    (part,) = render_digest(build_digest("T01", [], DEFAULTS, NOW), "en", BERLIN)
    assert "no clients" in part.text


def test_a_long_digest_splits_under_the_limit_and_keeps_every_note_whole() -> None:
    notes = {f"C{n:03}": f"[note {n}] " + "<&😬 " * 399 for n in range(12)}
    histories = [
        dropped(code, SharedNote(text, FIRST_SESSION, f"tok{code}")) for code, text in notes.items()
    ]

    parts = render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN)

    assert 1 < len(parts) <= 4  # the notes that do not fit are one /history away
    assert all(visible_length(p.text) <= 4096 for p in parts)
    seen = "\n".join(visible(p.text) for p in parts)
    quoted = [code for code, text in notes.items() if text.strip() in seen]
    assert len(quoted) >= 3
    for code in quoted:
        assert seen.count(notes[code].strip()) == 1
        (holder,) = [p for p in parts if f"tok{code}" in [b.token for b in p.buttons]]
        assert notes[code].strip() in visible(holder.text)
    assert all(code in seen for code in notes)
    assert parts[-1].text.count("Flagged this week") == 1


def test_visible_length_counts_what_telegram_counts() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("😬") == 2  # one emoji is two UTF-16 code units


def test_a_block_too_long_for_one_message_is_cut_between_lines() -> None:
    block = Block(SafeHtml("\n".join(["x" * 100] * 100)))
    parts = pack([block], SafeHtml("<b>Title</b> (continued)"))
    assert len(parts) == 3
    assert all(visible_length(p.text) <= 4000 for p in parts)
    assert [p.text.split("\n")[0] for p in parts[1:]] == ["<b>Title</b> (continued)"] * 2


def test_a_brief_says_what_came_in_since_the_last_session() -> None:
    history = dropped("C102", SharedNote("about the homework", FIRST_SESSION, "tok"))
    upcoming = FIRST_SESSION + timedelta(weeks=4)
    brief = build_brief("T01", history, DEFAULTS, upcoming, upcoming - timedelta(weeks=1))

    (part,) = render_brief(brief, "en", BERLIN)

    text = visible(part.text)
    assert text.startswith("Before your session at 15:00, Tuesday 29 September")
    assert "C102 · check-ins since the last session: 1 answered, 0 missed." in text
    assert "Low answer: Goals 5, usually 9–10." in text
    assert "about the homework" in text
    assert [b.token for b in part.buttons] == ["tok"]


def test_a_calm_brief_says_nothing_is_flagged() -> None:
    history = client("C101", (9, 9, 9, 9))
    brief = build_brief("T01", history, DEFAULTS, FIRST_SESSION + timedelta(weeks=1), None)
    (part,) = render_brief(brief, "en", BERLIN)
    assert "Nothing flagged." in part.text


def test_the_roster_shows_each_status_in_words() -> None:
    (part,) = render_roster(
        "en", [("C101", "active"), ("C102", "not_enrolled"), ("C103", "unreachable")]
    )
    assert visible(part.text).splitlines() == [
        "Your clients (3)",
        "C101 · active",
        "C102 · awaiting enrolment",
        "C103 · unreachable (blocked the bot)",
    ]


def test_history_lists_check_ins_newest_first_with_missed_ones() -> None:
    summary = summarize(client("C101", (9, 9, 9, 9), "missed", (8, None, 9, 9)), DEFAULTS)

    (part,) = render_history(summary, "en", BERLIN)

    assert visible(part.text).splitlines()[:5] == [
        "Recent check-ins",
        "C101 · active",
        "Tue 15 Sep · Bond 8 · Goals skipped · Tasks 9 · Overall 9",
        "Tue 8 Sep · missed",
        "Tue 1 Sep · Bond 9 · Goals 9 · Tasks 9 · Overall 9",
    ]


def test_a_discussed_button_label_fits_with_the_longest_code() -> None:
    note = SharedNote("x", datetime(2026, 9, 23, tzinfo=UTC), "tok")
    history = dropped("C" * 32, note)
    (part,) = render_digest(build_digest("T01", [history], DEFAULTS, NOW), "en", BERLIN)
    (button,) = part.buttons
    assert len(button.label) < 64
