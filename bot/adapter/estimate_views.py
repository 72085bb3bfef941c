"""The estimate question as a therapist sees it: one line per client, a block of buttons
for each client still to answer, and each answered line edited to show what was saved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapter import callback_data as cd
from bot.adapter.views import View
from core.estimate import WAITING, Estimate, EstimateStatus, button_rows, overall_item
from core.questionnaire import Questionnaire
from messages.catalog import SafeHtml, html_text, plain
from messages.instrument import scale_line
from messages.render import session_date

#: The line of an estimate that is no longer waiting, by its status.
_DONE = {
    EstimateStatus.ANSWERED: "estimate.line.saved",
    EstimateStatus.SKIPPED: "estimate.line.skipped",
    EstimateStatus.CLOSED: "estimate.line.closed",
}


def estimate_view(
    estimates: Sequence[Estimate],
    questionnaire: Questionnaire,
    language: str,
    tz: ZoneInfo,
    now: datetime,
) -> View:
    """The message asking ``estimates`` (one therapist's, one questionnaire's), as it reads
    now: waiting ones ask and have buttons, the others say what became of them."""
    item = overall_item(questionnaire) or questionnaire.items[0]
    lines = [
        html_text(language, "estimate.header"),
        scale_line(language, questionnaire, item),
        "",
        *(_line(e, language, tz, now) for e in estimates),
        "",
        html_text(language, "estimate.footer"),
    ]
    rows = [
        row for e in estimates if e.status in WAITING for row in _block(e, questionnaire, language)
    ]
    return View("\n".join(lines), InlineKeyboardMarkup(rows) if rows else None)


def _line(estimate: Estimate, language: str, tz: ZoneInfo, now: datetime) -> SafeHtml:
    code = estimate.client_code
    key = _DONE.get(estimate.status)
    if key is not None:
        return html_text(language, key, code=code, value=estimate.value)
    start = estimate.session_start.astimezone(tz)
    if start.date() == (estimate.asked_at or now).astimezone(tz).date():
        return html_text(language, "estimate.question.today", code=code)
    day = session_date(language, start)
    return html_text(language, "estimate.question.day", code=code, session_date=day)


def _block(
    estimate: Estimate, questionnaire: Questionnaire, language: str
) -> list[list[InlineKeyboardButton]]:
    """One client's buttons: the scale's points in a row or two, then that client's Skip."""
    token = estimate.token
    rows = [
        [InlineKeyboardButton(str(v), callback_data=cd.estimate(token, v)) for v in row]
        for row in button_rows(list(questionnaire.scale))
    ]
    skip = plain(language, "estimate.button.skip", code=estimate.client_code)
    return [*rows, [InlineKeyboardButton(skip, callback_data=cd.estimate(token, None))]]
