"""Message catalogs: gettext ``.po`` files under ``messages/locale``, one per language.

Each entry's msgid is a stable key (``checkin.item.header``) and its msgstr the wording.
Placeholders are ``{name}`` fields. Text for ``parse_mode=HTML`` goes through ``html``,
which escapes every value put into it; button labels and pop-ups go through ``plain``.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"


class SafeHtml(str):
    """Text already valid as Telegram HTML; placed into a message without escaping."""

    __slots__ = ()


def available_languages() -> tuple[str, ...]:
    """Every language with a catalog."""
    return tuple(sorted(path.stem for path in LOCALE_DIR.glob("*.po")))


@cache
def catalog(language: str) -> dict[str, str]:
    """Key to wording for ``language``; unknown languages fall back to the default."""
    path = LOCALE_DIR / f"{language}.po"
    if not path.exists():
        path = LOCALE_DIR / f"{DEFAULT_LANGUAGE}.po"
    with path.open("rb") as handle:
        entries = read_po(handle)
    return {str(m.id): str(m.string) for m in entries if m.id and m.string}


def _lookup(language: str, key: str) -> str:
    wording = catalog(language).get(key)
    if wording is None:
        wording = catalog(DEFAULT_LANGUAGE)[key]
    return wording


def plain(language: str, key: str, **params: object) -> str:
    """Wording for a button label or a pop-up: plain text, never parsed as HTML."""
    return _lookup(language, key).format(**params)


def html_text(language: str, key: str, **params: object) -> SafeHtml:
    """Wording for an HTML message; every value is escaped unless it is ``SafeHtml``."""
    escaped = {
        name: value if isinstance(value, SafeHtml) else html.escape(str(value), quote=False)
        for name, value in params.items()
    }
    return SafeHtml(_lookup(language, key).format(**escaped))
