"""Risk language: does a note contain a phrase from the clinic's lists?

A match is a trigger to show crisis contacts at once and to alert the therapist; it is
not an assessment and not monitoring. Matching ignores case, accents and punctuation:
the phrase ``"kill myself"`` matches ``"...to KILL   myself!!"``, ``"hacerme daño"``
matches ``"HACERME DANO"``. It ignores what does not show either: format characters
(zero-width spaces and joiners, soft hyphens, bidi marks) vanish, so ``"kil\u00adl"`` is
``"kill"``; and compatibility forms read as their plain letters (fullwidth ``"ｋｉｌｌ"``,
the ligature ``"ﬁ"``, superscripts). A phrase matches whole words only
(``"die"`` does not match ``"diet"``); a phrase ending in ``*`` matches any word that
starts with its last word (``"suicid*"`` matches ``"suicide"`` and ``"suicidal"``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_WORD = re.compile(r"[\W_]+")
#: Letters that Unicode decomposition does not reduce to a base letter plus a mark.
_FOLD = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})
#: Dropped after decomposition: marks on a letter (accents, also those with no combining
#: class such as the grapheme joiner) and format characters, which never show.
_INVISIBLE = ("Mn", "Me", "Cf")


def normalise(text: str) -> str:
    """Lower case, no accents, no invisible characters, no punctuation, single spaces.

    Decomposed (NFKD) before case folding as well as after, because a compatibility
    form can decompose to a capital (``"ℌ"`` is ``"H"``) and folding can compose one.
    """
    folded = unicodedata.normalize("NFKD", text).casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    bare = "".join(c for c in decomposed if unicodedata.category(c) not in _INVISIBLE)
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def phrase_pattern(phrase: str) -> str:
    """The regular expression for one phrase; empty if nothing of it is left to match."""
    prefix = phrase.strip().endswith("*")
    words = normalise(phrase.strip().rstrip("*")).split()
    if not words:
        return ""
    body = " ".join(re.escape(word) for word in words)
    tail = r"\w*" if prefix else ""
    return rf"(?<!\w){body}{tail}(?!\w)"


class RiskMatcher:
    """Matches notes against a fixed set of phrases, compiled once into one expression."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(phrases)
        patterns = sorted({p for p in map(phrase_pattern, self.phrases) if p})
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def matches(self, text: str) -> bool:
        """Whether ``text`` contains any of the phrases."""
        return self._pattern is not None and self._pattern.search(normalise(text)) is not None


def read_phrase_list(text: str) -> tuple[str, ...]:
    """Phrases from a list file: one a line; blank lines and ``#`` comments are ignored."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)
