"""Replies to therapists' commands: the client list and one client's recent history."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.digest import ClientSummary
from core.model import CheckinStatus
from messages.catalog import SafeHtml, html_text
from messages.digest import concern_block, rule_lines, status_label
from messages.flags_text import answers_text, short_date, usual_line
from messages.split import Block, Part, pack


def render_roster(language: str, roster: Sequence[tuple[str, str]]) -> list[Part]:
    """'Your clients' with each code and status."""
    if not roster:
        return [Part(html_text(language, "report.roster.empty"))]
    lines = [html_text(language, "report.roster.title", count=len(roster))]
    lines += [
        html_text(language, "report.roster.line", code=code, status=status_label(language, status))
        for code, status in roster
    ]
    return pack([Block(SafeHtml("\n".join(lines)))], html_text(language, "report.roster.continued"))


def render_history(client: ClientSummary, language: str, tz: ZoneInfo) -> list[Part]:
    """One client's recent check-ins, newest first, what fired, and the notes they shared."""
    lines = [
        html_text(
            language,
            "report.history.title",
            code=client.code,
            status=status_label(language, client.status),
        )
    ]
    if not client.points:
        lines.append(html_text(language, "report.history.empty"))
    for point in reversed(client.points):
        date = short_date(language, point.session_start, tz)
        if point.answers:
            answers = answers_text(language, point, client.item_keys)
            lines.append(html_text(language, "report.history.line", date=date, answers=answers))
        elif point.status is CheckinStatus.OPEN:
            lines.append(html_text(language, "report.history.open", date=date))
        else:
            lines.append(html_text(language, "report.history.missed", date=date))
    if (usual := usual_line(language, client.usual, client.item_keys)) is not None:
        lines.append(usual)
    blocks = [Block(SafeHtml("\n".join(lines)))]
    if client.fired:
        blocks.append(Block(SafeHtml("\n".join(rule_lines(language, client.fired)))))
    notes = [p.note for p in client.points if p.note is not None]
    blocks += [concern_block(language, client.code, note, tz) for note in notes]
    return pack(blocks, html_text(language, "report.history.continued"))
