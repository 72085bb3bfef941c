"""The shipped risk-phrase lists (``messages/risk/<language>.txt``) and the clinic's own,
and the alert a therapist gets about a note that matched.

An alert is a first message in fixed wording (its first line, what a lock screen shows,
names no client) and, when the clinic passes risk notes on, the note quoted in the
messages after it: cut by ``split_text`` so each fits Telegram's limit in UTF-16 units
whatever the note is made of, and escaped after the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.clinic import SafetySettings
from core.risk import RiskMatcher, read_phrase_list
from messages.catalog import SafeHtml, html_text
from messages.split import LIMIT, split_text, visible_length

RISK_DIR = Path(__file__).parent / "risk"


def shipped_languages() -> tuple[str, ...]:
    """Every language with a shipped phrase list."""
    return tuple(sorted(path.stem for path in RISK_DIR.glob("*.txt")))


@cache
def shipped_phrases(language: str) -> tuple[str, ...]:
    """The reviewed phrases shipped for ``language`` (none for an unknown language)."""
    path = RISK_DIR / f"{language}.txt"
    if not path.exists():
        return ()
    return read_phrase_list(path.read_text(encoding="utf-8"))


def risk_matcher(safety: SafetySettings) -> RiskMatcher:
    """One matcher for the phrases of every language: a client may write in any of them.

    The clinic's phrases are added to the shipped ones, or replace them when the clinic
    sets ``replace_default_phrases``.
    """
    lists = (
        []
        if safety.replace_default_phrases
        else [shipped_phrases(lang) for lang in shipped_languages()]
    )
    lists += [tuple(phrases) for phrases in safety.risk_phrases.values()]
    return RiskMatcher(phrase for phrases in lists for phrase in phrases)


@dataclass(frozen=True)
class RiskAlert:
    """The messages of one therapist's alert: the fixed text, then the note's quotes."""

    head: SafeHtml
    quotes: tuple[SafeHtml, ...] = ()


def risk_alert(language: str, code: str, note: str | None, limit: int = LIMIT) -> RiskAlert:
    """The alert about client ``code``'s note; ``None`` keeps the note's text out of it.

    Each quote, with the clinic's preview line put before it, stays under ``limit``
    (Telegram's 4096 less room for that line) however many UTF-16 units the note has.
    """
    if note is None:
        return RiskAlert(html_text(language, "therapist.risk_alert_no_text", code=code))
    head = html_text(language, "therapist.risk_alert", code=code)
    frame = html_text(language, "therapist.risk_alert_quote", code=code, note="", part=99, parts=99)
    pieces = split_text(note, limit - visible_length(frame))
    quotes = tuple(
        html_text(
            language,
            "therapist.risk_alert_quote",
            code=code,
            note=piece,
            part=number,
            parts=len(pieces),
        )
        for number, piece in enumerate(pieces, start=1)
    )
    return RiskAlert(head, quotes)


#: What the escalation contact is told about the therapist's own alert.
THERAPIST_STATUS = {
    "alerted": "alert.therapist_alerted",
    "not_reached": "alert.therapist_not_reached",
    "pending": "alert.therapist_pending",
}


def escalation_alert(language: str, code: str, therapist: str, status: str) -> SafeHtml:
    """The escalation contact's alert: no note text; ``status`` is a ``THERAPIST_STATUS``."""
    return html_text(
        language,
        "therapist.escalation_alert",
        code=code,
        therapist=therapist,
        therapist_status=html_text(language, THERAPIST_STATUS[status]),
    )
