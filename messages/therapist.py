"""Replies to therapists' commands: the client list and one client's recent history, with
the client's replies to follow-ups and the therapist's estimates beside their answers."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.digest import ClientSummary
from core.history import CheckinPoint
from core.model import CheckinStatus
from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text
from messages.compact import status_label
from messages.digest import concern_block, rule_lines, switch_line
from messages.flags_text import answers_text, short_date, usual_line
from messages.instrument import title
from messages.loop_text import estimates_line, followup_lines, is_reopened
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
    """One client's recent check-ins, newest first, what fired, and the notes they shared.

    Check-ins on an earlier questionnaire follow under its name, with its own item names.
    """
    status = status_label(language, client.status)
    lines = [html_text(language, "report.history.title", code=client.code, status=status)]
    if not client.every_point:
        lines.append(html_text(language, "report.history.empty"))
    lines += _point_lines(language, client.points, client.questionnaire, tz)
    if (usual := usual_line(language, client.usual, client.questionnaire)) is not None:
        lines.append(usual)
    if (estimates := estimates_line(language, client.estimates, tz)) is not None:
        lines.append(estimates)
    lines += followup_lines(language, client, tz)
    if (switch := switch_line(language, client, tz)) is not None:
        lines.append(switch)
    for run in reversed(client.earlier):
        name = title(language, run.questionnaire)
        lines.append(html_text(language, "report.history.earlier", title=name))
        lines += _point_lines(language, run.points, run.questionnaire, tz)
    blocks = [Block(SafeHtml("\n".join(lines)))]
    if client.fired:
        rules = rule_lines(language, client.fired, client.questionnaire)
        blocks.append(Block(SafeHtml("\n".join(rules))))
    notes = [p.note for p in client.every_point if p.note is not None]
    blocks += [
        concern_block(language, client.code, note, tz, reopened=is_reopened(client, note))
        for note in notes
    ]
    return pack(blocks, html_text(language, "report.history.continued"))


def _point_lines(
    language: str, points: Sequence[CheckinPoint], questionnaire: Questionnaire, tz: ZoneInfo
) -> list[SafeHtml]:
    """A line per check-in, newest first: its answers, or that it is open or was missed."""
    lines = []
    for point in reversed(points):
        date = short_date(language, point.session_start, tz)
        if point.answers:
            answers = answers_text(language, point, questionnaire)
            lines.append(html_text(language, "report.history.line", date=date, answers=answers))
        elif point.status is CheckinStatus.OPEN:
            lines.append(html_text(language, "report.history.open", date=date))
        else:
            lines.append(html_text(language, "report.history.missed", date=date))
    return lines
