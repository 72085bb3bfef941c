"""Clients in short, for a digest that would otherwise run to many messages.

Stable clients are listed by code, several to a line. A flagged client who does not fit
in full is listed under each rule that fired for them, with the rule's next step, so every
flag keeps a next step and no client is left out; ``/history CODE`` shows them in full,
with their words.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.digest import Category, ClientSummary
from core.flags import Fired, Rule, Severity
from messages.catalog import SafeHtml, html_text, plain
from messages.flags_text import step
from messages.loop_text import rule_name
from messages.split import Block

#: Rules in the order the digest lists them (most serious first).
_ORDER = {rule: n for n, rule in enumerate(Rule)}
#: How wide a line of codes grows before the next code starts a new line.
WIDTH = 64

_STATUS = {
    "not_enrolled": "client_status.not_enrolled",
    "awaiting_consent": "client_status.awaiting_consent",
    "active": "client_status.active",
    "declined": "client_status.declined",
    "unreachable": "client_status.unreachable",
    "paused": "client_status.paused",
    "stopped": "client_status.stopped",
}


def status_label(language: str, status: str) -> str:
    """A client status as a therapist reads it."""
    key = _STATUS.get(status)
    return status if key is None else plain(language, key)


def code_lines(entries: Sequence[str], width: int = WIDTH) -> str:
    """'C101 · C102 · ...', a new line whenever one would grow past ``width`` characters
    (so a long list is cut between lines, never inside one)."""
    lines: list[str] = []
    for entry in entries:
        if lines and len(lines[-1]) + 3 + len(entry) <= width:
            lines[-1] = f"{lines[-1]} · {entry}"
        else:
            lines.append(entry)
    return "\n".join(lines)


def compact_blocks(language: str, clients: Sequence[ClientSummary], *, intro: bool) -> list[Block]:
    """``clients`` in short: under each rule that fired, with its next step; then those
    with no rule, by code; then those with no answers yet, with their status. With
    ``intro``, a first line says why they are in short and where to see them in full."""
    groups: dict[tuple[int, str, str], list[str]] = {}
    calm: list[str] = []
    waiting: list[str] = []
    for client in clients:
        for fired in _listed(client):
            name = rule_name(language, fired.rule)
            key = (_ORDER[fired.rule], name, step(language, fired, client.questionnaire))
            groups.setdefault(key, []).append(client.code)
        if _listed(client):
            continue
        if client.latest is None:
            waiting.append(f"{client.code} ({status_label(language, client.status)})")
        else:
            calm.append(client.code)
    texts = [
        html_text(
            language,
            "report.compact.group",
            name=name,
            step=SafeHtml(shown_step),
            codes=code_lines(codes),
        )
        for (_, name, shown_step), codes in sorted(groups.items())
    ]
    if calm:
        texts.append(
            html_text(language, "report.compact.calm", count=len(calm), codes=code_lines(calm))
        )
    if waiting:
        texts.append(
            html_text(
                language, "report.compact.none", count=len(waiting), codes=code_lines(waiting)
            )
        )
    if intro and texts:
        texts[0] = SafeHtml(f"{html_text(language, 'report.compact.intro')}\n{texts[0]}")
    return [Block(text) for text in texts]


def _listed(client: ClientSummary) -> list[Fired]:
    """The rules a client is listed under: a flagged client's flags (a note such as "lower
    than last time" is left to ``/history``), a stable client's notes."""
    if client.category is Category.STABLE:
        return list(client.fired)
    return [f for f in client.fired if f.severity is not Severity.NOTE]
