"""Whole messages as Telegram HTML, built from catalog wording and domain data."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime

from core.flow import Stage, stage_of
from core.questionnaire import Questionnaire
from core.repair import FollowupKind, RepairAnswer, asks_repair
from messages.catalog import SafeHtml, html_text, plain
from messages.instrument import item_html, scale_line

#: Telegram's limit for one message's text, after entity parsing.
MAX_MESSAGE_CHARS = 4096
#: The repair question by the kind of follow-up it asks.
_REPAIR_QUESTION: dict[str, str] = {
    FollowupKind.CONCERN: "checkin.repair.concern",
    FollowupKind.FLAG: "checkin.repair.flag",
}
#: The line above the note prompt that thanks for a repair answer, by answer.
_REPAIR_THANKS: dict[int, str] = {
    RepairAnswer.YES: "checkin.repair.thanks.yes",
    RepairAnswer.PARTLY: "checkin.repair.thanks.partly",
    RepairAnswer.NOT_YET: "checkin.repair.thanks.not_yet",
}


def session_date(language: str, session_start_local: datetime) -> str:
    """A session's day as people say it, e.g. 'Tuesday, 24 November', 'Dienstag, 24. November'."""
    return _session_day(language, session_start_local.date())


@lru_cache(maxsize=1024)
def _session_day(language: str, day: date) -> str:
    # Babel's formatting costs more than the rest of a check-in's text; a tick sends many
    # check-ins of the same few days.
    return format_date(day, format=plain(language, "format.session_date"), locale=language)


def long_date(language: str, day: date) -> str:
    """A date with its year, e.g. '8 December 2026', '8. Dezember 2026'."""
    return format_date(day, format=plain(language, "format.date"), locale=language)


def checkin_text(
    language: str,
    questionnaire: Questionnaire,
    step: int,
    session_start_local: datetime,
    crisis: str,
    repair: str | None = None,
    thanks: int | None = None,
) -> SafeHtml:
    """The check-in message as it should read at ``step``.

    ``repair`` is the kind of follow-up the check-in asks after its items (its wording);
    ``thanks`` the repair answer just given, thanked for above the note prompt.
    """
    day = session_start_local.date()
    text = _checkin_text(language, questionnaire, step, day, crisis, repair)
    if thanks is None or stage_of(questionnaire, step) is not Stage.NOTE:
        return text
    return SafeHtml(f"{html_text(language, _REPAIR_THANKS[thanks])}\n\n{text}")


@lru_cache(maxsize=1024)
def _checkin_text(
    language: str,
    questionnaire: Questionnaire,
    step: int,
    session_day: date,
    crisis: str,
    repair: str | None,
) -> SafeHtml:
    # The same few texts go to every client of a day: a tick renders each once.
    stage = stage_of(questionnaire, step)
    if stage is Stage.ITEM:
        item = questionnaire.items[step]
        if asks_repair(item):  # never the note it follows up: only that there was one
            question = _REPAIR_QUESTION.get(repair or "", _REPAIR_QUESTION[FollowupKind.FLAG])
            return html_text(language, question, session_date=_session_day(language, session_day))
        return html_text(
            language,
            "checkin.item",
            number=step + 1,
            total=sum(1 for i in questionnaire.items if not asks_repair(i)),
            session_date=_session_day(language, session_day),
            intro=html_text(language, "checkin.intro") if step == 0 else SafeHtml(""),
            stem=item_html(language, questionnaire, item),
            scale=scale_line(language, questionnaire, item),
        )
    if stage is Stage.NOTE:
        return html_text(language, "checkin.note", crisis=crisis)
    if stage is Stage.SHARE:
        return html_text(language, "checkin.share")
    return html_text(language, "checkin.done")


def crisis_line(contacts: dict[str, str], language: str, fallback_language: str) -> str:
    """The crisis contacts for a language, else the clinic's own language's."""
    return (
        contacts.get(language) or contacts.get(fallback_language) or next(iter(contacts.values()))
    )


def reminder_text(language: str, session_start_local: datetime, closes_local: datetime) -> SafeHtml:
    """A reminder that a check-in is still open, and until when (client's local time)."""
    closes = session_when(language, closes_local)
    return html_text(
        language,
        "reminder.text",
        session_date=session_date(language, session_start_local),
        closes=closes,
    )


def session_when(language: str, local_start: datetime) -> str:
    """A session's day and time as people say it, e.g. 'Tuesday, 24 November, 15:00'."""
    pattern = plain(language, "format.session_time")
    return format_datetime(local_start, format=pattern, locale=language)
