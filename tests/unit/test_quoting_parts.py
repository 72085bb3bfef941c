"""Each part of a digest, brief or history knows whose notes it quotes, for erasure."""

from __future__ import annotations

from datetime import timedelta

from core.digest import build_brief, build_digest, summarize
from core.history import SharedNote
from messages.catalog import SafeHtml
from messages.digest import render_brief, render_digest
from messages.split import Block, pack
from messages.therapist import render_history
from tests.unit.test_digest_text import BERLIN, DEFAULTS, NOW, client, dropped, visible
from tests.unit.test_flags import FIRST_SESSION


def test_a_digest_part_names_exactly_the_clients_whose_notes_it_quotes() -> None:
    notes = {f"C{n:03}": f"[note {n}] " + "words " * 300 for n in range(8)}
    histories = [
        dropped(code, SharedNote(text, FIRST_SESSION, f"tok{code}")) for code, text in notes.items()
    ]
    histories.append(client("C900", (9, 9, 9, 9)))  # no note: quoted nowhere

    parts = render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN)

    assert len(parts) > 1
    for part in parts:
        shown = visible(part.text)
        assert set(part.quotes) == {code for code, text in notes.items() if text.strip() in shown}
    quoted = sorted(code for part in parts for code in part.quotes)
    assert quoted
    assert set(quoted) <= set(notes)
    assert len(quoted) == len(set(quoted))


def test_a_discussed_note_still_quoted_in_history_is_still_named() -> None:
    note = SharedNote("talked about it", FIRST_SESSION, "tok", discussed=True)

    (part,) = render_history(summarize(dropped("C102", note), DEFAULTS), "en", BERLIN)

    assert "talked about it" in part.text
    assert part.buttons == ()
    assert part.quotes == ("C102",)


def test_a_brief_quoting_a_note_names_its_client() -> None:
    note = SharedNote("about the homework", FIRST_SESSION, "tok")
    upcoming = FIRST_SESSION + timedelta(weeks=4)
    brief = build_brief("T01", dropped("C102", note), DEFAULTS, upcoming, None)

    (part,) = render_brief(brief, "en", BERLIN)

    assert part.quotes == ("C102",)


def test_a_history_reply_names_its_client_and_a_noteless_one_nobody() -> None:
    with_note = dropped("C101", SharedNote("about the homework", FIRST_SESSION, "tok"))

    (quoting,) = render_history(summarize(with_note, DEFAULTS), "en", BERLIN)
    (plain,) = render_history(summarize(client("C102", (9, 9, 9, 9)), DEFAULTS), "en", BERLIN)

    assert quoting.quotes == ("C101",)
    assert plain.quotes == ()


def test_every_piece_of_a_note_cut_between_lines_names_its_client() -> None:
    long_note = Block(SafeHtml("\n".join(["x" * 100] * 100)), quotes=("C101",))

    parts = pack([Block(SafeHtml("head")), long_note], SafeHtml("head (continued)"))

    assert len(parts) == 3
    assert [p.quotes for p in parts] == [("C101",)] * 3
