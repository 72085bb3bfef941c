"""The shipped risk-phrase lists (``messages/risk/<language>.txt``) and the clinic's own."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core.clinic import SafetySettings
from core.risk import RiskMatcher, read_phrase_list

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
