"""Digests and briefs as Telegram HTML, split into messages under the length limit.

The first line of every message is neutral (it is what a lock screen shows). A client's
shared note is quoted verbatim, escaped, and marked as the client's words. The client's
replies to repair follow-ups and the therapist's estimates are worded in
``messages/loop_text.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from core.digest import Brief, Category, ClientSummary, Digest
from core.flags import Fired, Severity
from core.history import EstimatePair, SharedNote
from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.compact import compact_blocks, status_label
from messages.flags_text import (
    answers_text,
    duration,
    next_step,
    reason,
    short_date,
    usual_line,
)
from messages.instrument import title
from messages.loop_text import estimates_line, followup_lines, gap_line, is_reopened, reopened_line
from messages.split import LIMIT, Block, Button, Part, pack, visible_length

_SECTION = {
    Category.ATTENTION: "report.section.attention",
    Category.CHECK: "report.section.check",
    Category.STABLE: "report.section.stable",
}


#: Text messages a digest may take (its chart follows as a photo). Needs-attention and
#: check-in clients are shown in full and stable ones in short while that fits; beyond it,
#: flagged clients are listed in short too, check-in clients first (``_fitted``).
BUDGET = 4


def render_digest(digest: Digest, language: str, tz: ZoneInfo) -> list[Part]:
    """The weekly digest: counts, then each section most urgent first, then the rate.

    Every client's code appears: in full, or in short (``messages/compact.py``). The
    clients of ``Digest.by_priority`` are in full as far as ``BUDGET`` allows; the others
    are in short.
    """
    start = format_date(digest.period_start.astimezone(tz).date(), "d MMM", locale=language)
    end = format_date(digest.made_at.astimezone(tz).date(), "d MMM yyyy", locale=language)
    head = html_text(language, "report.digest.title", start=start, end=end)
    if not digest.clients:
        empty = html_text(language, "report.digest.empty")
        return [Part(SafeHtml(f"{head}\n{empty}"))]
    counts = html_text(
        language,
        "report.digest.counts",
        attention=digest.count(Category.ATTENTION),
        check=digest.count(Category.CHECK),
        stable=digest.count(Category.STABLE),
    )
    ranked = digest.by_priority
    entries = {
        c.code: client_entry(
            c, language, tz, full=c.category is not Category.STABLE, pairs=digest.estimates_of(c)
        )
        for c in ranked
    }
    first, last = Block(SafeHtml(f"{head}\n{counts}")), Block(_footer(digest, language))
    again = html_text(language, "report.digest.continued")

    def parts(shown: int) -> list[Part]:
        full = {c.code: entries[c.code] for c in ranked[:shown]}
        return pack([first, *_sections(digest, language, full), last], again)

    room, most = BUDGET * LIMIT, 0  # more than fills every message is never tried
    for client in ranked:
        room -= sum(visible_length(block.text) for block in entries[client.code])
        if room < 0:
            break
        most += 1
    return _fitted(parts, most)


def _fitted(parts: Callable[[int], list[Part]], most: int) -> list[Part]:
    """The parts with as many clients in full as fit in ``BUDGET`` messages (``parts(n)``:
    the first ``n`` clients by priority in full); with all in short if even that is over,
    since no client is ever left out."""
    found = parts(most)
    if len(found) <= BUDGET:
        return found
    low, high, found = 0, most - 1, parts(0)
    while low <= high:
        middle = (low + high) // 2
        tried = parts(middle)
        if len(tried) <= BUDGET:
            low, found = middle + 1, tried
        else:
            high = middle - 1
    return found


def _sections(digest: Digest, language: str, full: dict[str, list[Block]]) -> list[Block]:
    """Each section under its heading: the clients in ``full`` as given, then the others
    in short."""
    blocks: list[Block] = []
    for category in Category:
        members = [c for c in digest.clients if c.category is category]
        if not members:
            continue
        shown = [block for c in members for block in full.get(c.code, ())]
        short = [c for c in members if c.code not in full]
        intro = category is not Category.STABLE
        section = shown + compact_blocks(language, short, intro=intro)
        heading = html_text(language, _SECTION[category])
        section[0] = replace(section[0], text=SafeHtml(f"{heading}\n\n{section[0].text}"))
        blocks += section
    return blocks


def _footer(digest: Digest, language: str) -> SafeHtml:
    """The firing rate, the therapist's mean gap when there is one, and where to find
    every client and each one in full."""
    share = digest.flagged_share
    if share is None:
        rate = html_text(language, "report.digest.footer_none")
    else:
        rate = html_text(
            language,
            "report.digest.footer",
            flagged=digest.count(Category.ATTENTION),
            total=digest.taking_part,
            percent=f"{share:.0%}",
        )
    gap = gap_line(language, digest.gap)
    lines = [rate] if gap is None else [rate, gap]
    return SafeHtml("\n".join([*lines, html_text(language, "report.digest.pointer")]))


def client_entry(
    client: ClientSummary,
    language: str,
    tz: ZoneInfo,
    *,
    full: bool,
    pairs: Sequence[EstimatePair] = (),
) -> list[Block]:
    """A client's block (full, or one line for a stable client, with the replies to
    follow-ups and the estimates ``pairs`` under it) and one per open concern."""
    lines = _head_lines(client, language, tz, full=full)
    lines += instrument_lines(language, client, tz)
    fired = [f for f in client.fired if full or f.severity is Severity.NOTE]
    lines += rule_lines(language, fired, client.questionnaire)
    if client.missed:
        total = len(client.every_point)
        lines.append(html_text(language, "report.missed", count=client.missed, total=total))
    lines += followup_lines(language, client, tz)
    if (estimates := estimates_line(language, pairs, tz)) is not None:
        lines.append(estimates)
    blocks = [Block(SafeHtml("\n".join(lines)))]
    blocks += [
        concern_block(language, client.code, note, tz, reopened=is_reopened(client, note))
        for note in client.concerns
    ]
    return blocks


def _head_lines(
    client: ClientSummary, language: str, tz: ZoneInfo, *, full: bool
) -> list[SafeHtml]:
    """The client's first lines: their latest answers, and in full their usual range."""
    latest, questionnaire = client.latest, client.questionnaire
    if latest is None:
        status = status_label(language, client.status)
        return [html_text(language, "report.client.none", code=client.code, status=status)]
    answers = answers_text(language, latest, questionnaire)
    date = short_date(language, latest.session_start, tz)
    if not full:
        return [
            html_text(
                language, "report.client.stable", code=client.code, answers=answers, date=date
            )
        ]
    delay = latest.answer_delay
    lines = [
        html_text(
            language,
            "report.client.answered",
            code=client.code,
            date=date,
            delay=duration(language, delay) if delay is not None else "",
        ),
        html_text(language, "report.answers", answers=answers),
    ]
    if (usual := usual_line(language, client.usual, questionnaire)) is not None:
        lines.append(usual)
    return lines


def switch_line(language: str, client: ClientSummary, tz: ZoneInfo) -> SafeHtml | None:
    """The client's latest switch of questionnaire, if the check-ins read go back that far."""
    if (at := client.switched_at) is None:
        return None
    before, now = client.earlier[-1].questionnaire, client.questionnaire
    date = short_date(language, at, tz)
    if before.key == now.key:
        return html_text(
            language, "report.instrument.revised", title=title(language, now), date=date
        )
    return html_text(
        language,
        "report.instrument.switched",
        old=title(language, before),
        new=title(language, now),
        date=date,
    )


def instrument_lines(language: str, client: ClientSummary, tz: ZoneInfo) -> list[SafeHtml]:
    """The switch of questionnaire, if any, and the last answers on the one before (named
    and scaled by it)."""
    if (line := switch_line(language, client, tz)) is None:
        return []
    before = client.earlier[-1]
    if not (answered := before.answered):
        return [line]
    last = answered[-1]
    earlier = html_text(
        language,
        "report.instrument.earlier",
        title=title(language, before.questionnaire),
        answers=answers_text(language, last, before.questionnaire),
        date=short_date(language, last.session_start, tz),
    )
    return [line, earlier]


def rule_lines(
    language: str, fired: Sequence[Fired], questionnaire: Questionnaire
) -> list[SafeHtml]:
    """'• reason' and, under it, '→ next step' (left out when it repeats the one above)."""
    lines, previous = [], None
    for rule in fired:
        step = next_step(language, rule, questionnaire)
        lines.append(
            html_text(
                language,
                "report.rule",
                reason=reason(language, rule, questionnaire),
                step=SafeHtml("") if step == previous else SafeHtml(f"\n   {step}"),
            )
        )
        previous = step
    return lines


def concern_block(
    language: str, code: str, note: SharedNote, tz: ZoneInfo, *, reopened: bool = False
) -> Block:
    """A shared note quoted verbatim, with its Discussed button (or, once discussed but
    answered "Not yet", that it is open again); it quotes ``code``."""
    date = short_date(language, note.written_at, tz)
    text = html_text(language, "report.concern", code=code, date=date, text=note.text)
    if reopened:
        text = SafeHtml(f"{text}\n{reopened_line(language)}")
    if note.token is None or note.discussed:
        return Block(text, quotes=(code,))
    label = plain(language, "report.button.discussed", code=code, date=date)
    return Block(text, (Button(label, note.token),), (code,))


def render_brief(brief: Brief, language: str, tz: ZoneInfo) -> list[Part]:
    """The brief before one session: what came in since the last one, and what to do."""
    client = brief.client
    local = brief.session_start.astimezone(tz)
    head = html_text(
        language,
        "report.brief.title",
        time=format_time(local.time(), "HH:mm", locale=language),
        date=format_date(local.date(), "EEEE d MMMM", locale=language),
    )
    new = brief.new_points
    answered = sum(1 for p in new if p.values)
    missed = sum(1 for p in new if p.missed)
    since = html_text(
        language, "report.brief.since", code=client.code, answered=answered, missed=missed
    )
    entry = client_entry(client, language, tz, full=True, pairs=brief.new_estimates)
    calm = [] if client.fired else [Block(html_text(language, "report.brief.calm"))]
    first = replace(entry[0], text=SafeHtml(f"{head}\n{since}\n\n{entry[0].text}"))
    return pack([first, *entry[1:], *calm], html_text(language, "report.brief.continued"))
