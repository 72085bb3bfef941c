"""Fired rules in words: a plain reason ("Goals 5, usually 9-10") and a next step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_timedelta

from core.baseline import MEAN, Baseline
from core.flags import Evidence, Fired, Rule
from core.history import CheckinPoint
from messages.catalog import SafeHtml, html_text, plain

_REASON = {
    Rule.LOW_ITEM: "flag.low_item.reason",
    Rule.LOW_MEAN: "flag.low_mean.reason",
    Rule.BASELINE_DROP: "flag.baseline_drop.reason",
    Rule.UNREPAIRED_DIP: "flag.unrepaired_dip.reason",
    Rule.SHARED_CONCERN: "flag.shared_concern.reason",
    Rule.DECLINE_RUN: "flag.decline_run.reason",
    Rule.MISSED: "flag.missed.reason",
    Rule.UNREACHABLE: "flag.unreachable.reason",
    Rule.UNDELIVERED: "flag.undelivered.reason",
    Rule.STOPPED: "flag.stopped.reason",
    Rule.LAST_DROP: "flag.last_drop.reason",
    Rule.CEILING: "flag.ceiling.reason",
}
#: Next steps of rules that are not about one item (item rules use ``item.<key>.next``).
_NEXT = {
    Rule.LOW_MEAN: "flag.low_mean.next",
    Rule.SHARED_CONCERN: "flag.shared_concern.next",
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
_EVIDENCE = {
    "dip": "flag.evidence.dip",
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


def item_name(language: str, key: str) -> str:
    """The short name of an item, or of the mean."""
    return plain(language, "flag.mean") if key == MEAN else plain(language, f"item.{key}.short")


def evidence_text(language: str, rule: Rule, e: Evidence) -> SafeHtml:
    """One item behind a rule, e.g. 'Goals 5, usually 9–10'."""
    if rule is Rule.UNREPAIRED_DIP:
        kind = "dip"
    elif e.before is not None:
        kind = "before"
    else:
        kind = "usual" if e.usual_low is not None else "plain"
    usual = span(e.usual_low, e.usual_high or e.usual_low) if e.usual_low is not None else ""
    return html_text(
        language,
        _EVIDENCE[kind],
        item=item_name(language, e.item),
        value=number(e.value),
        before=number(e.before) if e.before is not None else "",
        usual=usual,
    )


def reason(language: str, fired: Fired) -> SafeHtml:
    """Why the rule fired, in one sentence."""
    items = SafeHtml("; ".join(evidence_text(language, fired.rule, e) for e in fired.evidence))
    first = fired.evidence[0] if fired.evidence else None
    return html_text(
        language,
        _REASON[fired.rule],
        items=items,
        count=fired.count,
        value=number(first.value) if first else "",
        before=number(first.before) if first and first.before is not None else "",
    )


def next_step(language: str, fired: Fired) -> SafeHtml:
    """What the therapist could do about it."""
    if fired.rule in _ITEM_NEXT and (focus := fired.focus) is not None:
        return html_text(language, "flag.next", step=html_text(language, f"item.{focus}.next"))
    key = _NEXT.get(fired.rule, "flag.low_mean.next")
    return html_text(language, "flag.next", step=html_text(language, key))


def answers_text(language: str, point: CheckinPoint, item_keys: Sequence[str]) -> str:
    """'Bond 9 · Goals skipped · Tasks 8 · Overall 9' (items not reached are left out)."""
    shown = []
    for key in item_keys:
        if key not in point.answers:
            continue
        value = point.answers[key]
        text = number(value) if value is not None else plain(language, "report.skipped")
        shown.append(f"{item_name(language, key)} {text}")
    return " · ".join(shown)


def usual_line(
    language: str, usual: Mapping[str, Baseline], item_keys: Sequence[str]
) -> SafeHtml | None:
    """'Usually: Bond 8–9 · Goals 9–10 ...', or None before there is a usual range."""
    shown = [
        f"{item_name(language, k)} {span(usual[k].low, usual[k].high)}"
        for k in item_keys
        if k in usual
    ]
    if not shown:
        return None
    return html_text(language, "report.usual", ranges=" · ".join(shown))


def short_date(language: str, at: datetime, tz: ZoneInfo) -> str:
    """'Tue 24 Nov' in the reader's zone."""
    return format_date(at.astimezone(tz).date(), format="EEE d MMM", locale=language)


def day_month(language: str, at: datetime, tz: ZoneInfo) -> str:
    """'24 Nov' in the reader's zone."""
    return format_date(at.astimezone(tz).date(), format="d MMM", locale=language)


def duration(language: str, delta: timedelta) -> str:
    """'3 hours', '2 days'."""
    return format_timedelta(delta, locale=language, threshold=1.5)
