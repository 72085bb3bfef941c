"""Closing the loop in words: the client's reply next to the concern or flags a follow-up
followed up, the therapist's estimates beside the client's answers, and the mean gap.

A "Not yet" is shown as useful information (the concern stays open, with a next step in
the rules above); numbers are shown as the rest of a therapist's views show them, turned
for a reverse item, whose name then says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.baseline import MEAN
from core.digest import ClientSummary
from core.history import EstimatePair, Reply, SharedNote
from core.loop import Gap, concern_followups, flag_followups
from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.flags_text import item_name, number, short_date

_REPLY = {
    Reply.YES: "report.reply.yes",
    Reply.PARTLY: "report.reply.partly",
    Reply.NOT_YET: "report.reply.not_yet",
    Reply.SKIPPED: "report.reply.skipped",
    Reply.WAITING: "report.reply.waiting",
    Reply.NOT_ASKED: "report.reply.not_asked",
}
#: Short names of the rules: for the flags a follow-up follows up (needs attention), and
#: for the digest's clients in short (``messages/compact.py``).
_RULE_NAME = {
    "low_item": "flag.low_item.name",
    "low_mean": "flag.low_mean.name",
    "baseline_drop": "flag.baseline_drop.name",
    "unrepaired_dip": "flag.unrepaired_dip.name",
    "repair_not_yet": "flag.repair_not_yet.name",
    "shared_concern": "flag.shared_concern.name",
    "blind_spot": "flag.blind_spot.name",
    "decline_run": "flag.decline_run.name",
    "missed": "flag.missed.name",
    "unreachable": "flag.unreachable.name",
    "undelivered": "flag.undelivered.name",
    "stopped": "flag.stopped.name",
    "last_drop": "flag.last_drop.name",
    "ceiling": "flag.ceiling.name",
}
_GAP = {1: "report.digest.gap_above", -1: "report.digest.gap_below", 0: "report.digest.gap_even"}


def reply_text(language: str, reply: Reply) -> str:
    """'Yes', 'Not yet', 'not asked yet' ..."""
    return plain(language, _REPLY[reply])


def rule_name(language: str, rule: str) -> str:
    """A rule's short name ('below their usual'); 'a flag' for one without."""
    return plain(language, _RULE_NAME.get(rule, "flag.any.name"))


def is_reopened(client: ClientSummary, note: SharedNote) -> bool:
    """Whether an open concern is open again because the client answered "Not yet"."""
    return note.discussed and note in client.concerns


def reopened_line(language: str) -> SafeHtml:
    """Under a concern the client said was not taken up yet."""
    return html_text(language, "report.followup.reopened")


def followup_lines(language: str, client: ClientSummary, tz: ZoneInfo) -> list[SafeHtml]:
    """A line per discussed concern with its reply (one still open is shown with its
    words instead), then per check-in that asked about flags."""
    lines = []
    for f in concern_followups(client.followups):
        if f.note is None or is_reopened(client, f.note):
            continue
        date = short_date(language, f.note.written_at, tz)
        reply = reply_text(language, f.reply)
        lines.append(html_text(language, "report.followup.concern", date=date, reply=reply))
    for group in flag_followups(client.followups):
        rules = ", ".join(rule_name(language, rule) for rule in group.rules)
        lines.append(
            html_text(
                language,
                "report.followup.flags",
                date=short_date(language, group.raised_at, tz),
                rules=rules,
                reply=reply_text(language, group.reply),
            )
        )
    return lines


def _pair_text(language: str, pair: EstimatePair, tz: ZoneInfo) -> SafeHtml:
    """'Tue 24 Nov: you expected 8 · client 5', naming the item when it is not plainly the
    overall one (reverse-scored, or the mean standing in)."""
    date = short_date(language, pair.session_start, tz)
    expected, client = number(pair.expected), number(pair.client)
    if pair.item is not None and not _reversed(pair.questionnaire, pair.item):
        return html_text(
            language, "report.estimate.pair", date=date, expected=expected, client=client
        )
    return html_text(
        language,
        "report.estimate.pair_item",
        date=date,
        item=item_name(language, pair.item or MEAN, pair.questionnaire),
        expected=expected,
        client=client,
    )


def _reversed(questionnaire: Questionnaire, key: str) -> bool:
    return any(item.key == key and item.reverse for item in questionnaire.items)


def estimates_line(language: str, pairs: Sequence[EstimatePair], tz: ZoneInfo) -> SafeHtml | None:
    """The therapist's estimates beside the client's answers, or None without a pair."""
    if not pairs:
        return None
    shown = SafeHtml("; ".join(_pair_text(language, p, tz) for p in pairs))
    return html_text(language, "report.estimates", pairs=shown)


def gap_line(language: str, gap: Gap | None) -> SafeHtml | None:
    """The digest footer's mean gap, or None without a session with both numbers."""
    if gap is None:
        return None
    shown = round(gap.mean, 1)
    sign = (shown > 0) - (shown < 0)
    scale = plain(language, "report.digest.gap_reference") if gap.reference else ""
    return html_text(language, _GAP[sign], gap=f"{abs(shown):.1f}", count=gap.sessions, scale=scale)
