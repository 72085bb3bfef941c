"""The digest a therapist gets from what is stored: a discussed concern answered "Not yet"
is open again and the client needs attention, one answered "Yes" shows as taken up, and
the therapist's estimates sit beside the client's answers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from messages.digest import render_digest
from scheduler.reports import digest_now
from storage.database import Database
from storage.history import Histories
from tests.storage.test_history_loop import checkin, estimate, followup
from tests.storage.test_reports import NOW, setup, two_therapists
from tests.unit.test_digest_text import visible

BERLIN = ZoneInfo("Europe/Berlin")
NOTE = "I'd like more time for my own topics"


def digest_text(histories: Histories) -> str:
    digest = digest_now(two_therapists(), histories, "T01", NOW)
    return "\n".join(visible(p.text) for p in render_digest(digest, "en", BERLIN))


def discussed_then(database: Database, answer: int) -> None:
    """C101 shared a note, T01 discussed it, the next check-in asked and got ``answer``."""
    shared = checkin(database, "C101", 2, note=NOTE)
    asked = checkin(database, "C101", 1, asks="concern", repair=answer)
    followup(database, "C101", "concern", asked, note_of=shared)


def test_not_yet_in_storage_is_an_open_concern_in_the_next_digest(database: Database) -> None:
    _, histories = setup(database)
    discussed_then(database, 0)

    text = digest_text(histories)

    assert text.index("NEEDS ATTENTION") < text.index("C101")
    assert "Answered “Not yet” when asked whether what came up was taken up" in text
    assert f"“{NOTE}”" in text
    assert "they answered Not yet. Still open" in text


def test_yes_in_storage_closes_the_concern_as_taken_up(database: Database) -> None:
    _, histories = setup(database)
    discussed_then(database, 2)

    text = digest_text(histories)

    assert NOTE not in text
    assert "marked as discussed · taken up? Yes" in text
    assert "NEEDS ATTENTION" not in text


def test_the_digest_pairs_the_therapists_estimates_with_the_answers(database: Database) -> None:
    _, histories = setup(database)
    estimate(database, checkin(database, "C101", 1, (9, 9, 9, 6)), "T01", 9)

    text = digest_text(histories)

    assert "Overall 6, you expected 9" in text
    assert "you expected 9 · client 6" in text
    assert "on average 3.0 points above" in text
