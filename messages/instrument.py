"""The wording of a questionnaire's items, from the catalog or from the clinic's config.

The built-in questionnaire is worded in the catalog (``item.<key>.*``); a clinic's own
brings its wording in the config. Every caller that shows an item goes through here, so
both kinds read the same everywhere. A clinic's wording is text from people: it is escaped
like any other value before it goes into HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from core.questionnaire import Item, Questionnaire
from messages.catalog import SafeHtml, html_text, plain

#: Between the scale's labelled points in a check-in message.
_LABEL_SEPARATOR = "   ·   "


def _in(wording: Mapping[str, str], language: str, fallback: str) -> str:
    """Wording in ``language``, else English, else any; the config check makes this rare."""
    return wording.get(language) or wording.get("en") or next(iter(wording.values()), fallback)


def item_text(language: str, questionnaire: Questionnaire, item: Item) -> str:
    """The question as the client reads it (plain text)."""
    if questionnaire.builtin:
        return plain(language, f"item.{item.key}.stem")
    return _in(item.text, language, item.key)


def item_html(language: str, questionnaire: Questionnaire, item: Item) -> SafeHtml:
    """The question as the check-in message shows it, escaped for HTML."""
    if questionnaire.builtin:
        return html_text(language, f"item.{item.key}.stem")
    return SafeHtml(html.escape(_in(item.text, language, item.key), quote=False))


def item_short(language: str, questionnaire: Questionnaire, item: Item) -> str:
    """The item's name in digests, charts and exports: short, plain text."""
    if questionnaire.builtin:
        return plain(language, f"item.{item.key}.short")
    return _in(item.short, language, item.key) if item.short else item.key


def item_label(language: str, questionnaire: Questionnaire, item: Item) -> str:
    """The item as the client's own data names it (``/mydata``, ``/preview``)."""
    if questionnaire.builtin:
        return plain(language, f"item.{item.key}.label")
    return item_short(language, questionnaire, item)


def title(language: str, questionnaire: Questionnaire) -> str:
    """The questionnaire's name."""
    if questionnaire.builtin:
        return plain(language, "questionnaire.builtin")
    return _in(questionnaire.title, language, questionnaire.key)


def point_labels(language: str, questionnaire: Questionnaire) -> dict[int, str]:
    """What the scale's labelled points mean, by point, in ``language``."""
    labels = questionnaire.labels
    chosen = labels.get(language) or labels.get("en") or next(iter(labels.values()), {})
    return dict(sorted(chosen.items()))


def scale_line(language: str, questionnaire: Questionnaire, item: Item) -> SafeHtml:
    """The line under a question that says what the points mean, escaped for HTML."""
    if questionnaire.builtin:
        return html_text(
            language,
            "checkin.scale",
            low_value=questionnaire.scale_min,
            low=html_text(language, f"item.{item.key}.low"),
            high_value=questionnaire.scale_max,
            high=html_text(language, f"item.{item.key}.high"),
        )
    parts = [
        html_text(language, "checkin.point", value=point, label=label)
        for point, label in point_labels(language, questionnaire).items()
    ]
    return SafeHtml(_LABEL_SEPARATOR.join(parts))
