"""Fired rules in words: a plain reason ("Goals 5, usually 9-10") and a next step.

Items are named by their questionnaire (``messages/instrument.py``); a reverse item's name
says so, since its answers are shown turned (higher is better on every item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_timedelta

from core.baseline import MEAN, Baseline
from core.flags import Evidence, Fired, Rule
from core.history import CheckinPoint
from core.questionnaire import Item, Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.instrument import item_short

_REASON = {
    Rule.LOW_ITEM: "flag.low_item.reason",
    Rule.LOW_MEAN: "flag.low_mean.reason",
    Rule.BASELINE_DROP: "flag.baseline_drop.reason",
    Rule.UNREPAIRED_DIP: "flag.unrepaired_dip.reason",
    Rule.REPAIR_NOT_YET: "flag.repair_not_yet.reason",
    Rule.SHARED_CONCERN: "flag.shared_concern.reason",
    Rule.BLIND_SPOT: "flag.blind_spot.reason",
    Rule.DECLINE_RUN: "flag.decline_run.reason",
    Rule.MISSED: "flag.missed.reason",
    Rule.UNREACHABLE: "flag.unreachable.reason",
    Rule.UNDELIVERED: "flag.undelivered.reason",
    Rule.STOPPED: "flag.stopped.reason",
    Rule.LAST_DROP: "flag.last_drop.reason",
    Rule.CEILING: "flag.ceiling.reason",
}
#: Next steps of rules that are not about one item (item rules use their item's dimension:
#: ``item.<dimension>.next``, the built-in items' keys being their dimensions).
_NEXT = {
    Rule.LOW_MEAN: "flag.low_mean.next",
    Rule.REPAIR_NOT_YET: "flag.repair_not_yet.next",
    Rule.SHARED_CONCERN: "flag.shared_concern.next",
    Rule.BLIND_SPOT: "flag.blind_spot.next",
    Rule.DECLINE_RUN: "flag.decline_run.next",
    Rule.MISSED: "flag.missed.next",
    Rule.UNREACHABLE: "flag.unreachable.next",
    Rule.UNDELIVERED: "flag.undelivered.next",
    Rule.STOPPED: "flag.stopped.next",
    Rule.LAST_DROP: "flag.last_drop.next",
    Rule.CEILING: "flag.ceiling.next",
}
#: Rules whose next step is the one of the lowest item they name.
_ITEM_NEXT = (Rule.LOW_ITEM, Rule.BASELINE_DROP, Rule.UNREPAIRED_DIP)
#: Dimensions with a next step of their own; any other gets ``flag.other.next``.
_DIMENSION_NEXT = frozenset({"bond", "goals", "tasks", "overall"})
_EVIDENCE = {
    "dip": "flag.evidence.dip",
    "estimate": "flag.evidence.estimate",
    "before": "flag.evidence.before",
    "usual": "flag.evidence.usual",
    "plain": "flag.evidence.plain",
}


def number(value: float) -> str:
    """A score as people write it: 7, or 7.3 for a mean."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def span(low: float, high: float) -> str:
    """A usual range: '9' or '8–10'."""
    return number(low) if low == high else f"{number(low)}–{number(high)}"


def _item(questionnaire: Questionnaire, key: str) -> Item | None:
    return next((item for item in questionnaire.items if item.key == key), None)


def item_name(language: str, key: str, questionnaire: Questionnaire) -> str:
    """The short name of an item of ``questionnaire`` (marked if reversed), or of the mean."""
    if key == MEAN:
        return plain(language, "flag.mean")
    if (item := _item(questionnaire, key)) is None:
        return key
    name = item_short(language, questionnaire, item)
    return plain(language, "report.item.reversed", item=name) if item.reverse else name


def evidence_text(language: str, rule: Rule, e: Evidence, questionnaire: Questionnaire) -> SafeHtml:
    """One item behind a rule, e.g. 'Goals 5, usually 9–10'."""
    if rule is Rule.UNREPAIRED_DIP:
        kind = "dip"
    elif rule is Rule.BLIND_SPOT:
        kind = "estimate"
    elif e.before is not None:
        kind = "before"
    else:
        kind = "usual" if e.usual_low is not None else "plain"
    usual = span(e.usual_low, e.usual_high or e.usual_low) if e.usual_low is not None else ""
    return html_text(
        language,
        _EVIDENCE[kind],
        item=item_name(language, e.item, questionnaire),
        value=number(e.value),
        before=number(e.before) if e.before is not None else "",
        usual=usual,
    )


def reason(language: str, fired: Fired, questionnaire: Questionnaire) -> SafeHtml:
    """Why the rule fired, in one sentence, naming ``questionnaire``'s items."""
    items = SafeHtml(
        "; ".join(evidence_text(language, fired.rule, e, questionnaire) for e in fired.evidence)
    )
    first = fired.evidence[0] if fired.evidence else None
    return html_text(
        language,
        _REASON[fired.rule],
        items=items,
        count=fired.count,
        value=number(first.value) if first else "",
        before=number(first.before) if first and first.before is not None else "",
    )


def step(language: str, fired: Fired, questionnaire: Questionnaire) -> SafeHtml:
    """What the therapist could do about it ('invite feedback about the goals ...'): for an
    item rule, what fits its dimension."""
    if fired.rule in _ITEM_NEXT and (focus := fired.focus) is not None:
        item = _item(questionnaire, focus)
        dimension = item.dimension if item is not None else "other"
        if dimension in _DIMENSION_NEXT:
            return html_text(language, f"item.{dimension}.next")
        return html_text(language, "flag.other.next")
    return html_text(language, _NEXT.get(fired.rule, "flag.low_mean.next"))


def next_step(language: str, fired: Fired, questionnaire: Questionnaire) -> SafeHtml:
    """'→ Next step: ...', the ``step`` as a line under a reason."""
    return html_text(language, "flag.next", step=step(language, fired, questionnaire))


def answers_text(language: str, point: CheckinPoint, questionnaire: Questionnaire) -> str:
    """'Bond 9 · Goals skipped · Tasks 8 · Overall 9' (items not reached are left out)."""
    shown = []
    for key in _keys(questionnaire):
        if key not in point.answers:
            continue
        value = point.answers[key]
        text = number(value) if value is not None else plain(language, "report.skipped")
        shown.append(f"{item_name(language, key, questionnaire)} {text}")
    return " · ".join(shown)


def usual_line(
    language: str, usual: Mapping[str, Baseline], questionnaire: Questionnaire
) -> SafeHtml | None:
    """'Usually: Bond 8–9 · Goals 9–10 ...', or None before there is a usual range."""
    shown = [
        f"{item_name(language, k, questionnaire)} {span(usual[k].low, usual[k].high)}"
        for k in _keys(questionnaire)
        if k in usual
    ]
    if not shown:
        return None
    return html_text(language, "report.usual", ranges=" · ".join(shown))


def _keys(questionnaire: Questionnaire) -> Sequence[str]:
    return [item.key for item in questionnaire.items]


def short_date(language: str, at: datetime, tz: ZoneInfo) -> str:
    """'Tue 24 Nov' in the reader's zone."""
    return format_date(at.astimezone(tz).date(), format="EEE d MMM", locale=language)


def day_month(language: str, at: datetime, tz: ZoneInfo) -> str:
    """'24 Nov' in the reader's zone."""
    return format_date(at.astimezone(tz).date(), format="d MMM", locale=language)


def duration(language: str, delta: timedelta) -> str:
    """'3 hours', '2 days'."""
    return format_timedelta(delta, locale=language, threshold=1.5)
