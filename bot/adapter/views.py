"""Messages with their inline keyboards, as the bot sends or edits them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapter import callback_data as cd
from core.flow import Stage, stage_of
from core.model import Checkin
from core.questionnaire import Questionnaire
from core.repair import RepairAnswer, asks_repair
from messages.catalog import SafeHtml, html_text, plain
from messages.render import checkin_text, reminder_text
from messages.split import Part

#: Scale buttons per row; Telegram shows up to 8 per row, 6 keeps them tappable on a phone.
_ROW = 6


@dataclass(frozen=True)
class View:
    """Text (Telegram HTML), the keyboard under it, and whose notes the text quotes."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    quotes: tuple[str, ...] = ()  # client codes: a sent message is recorded for erasure


def checkin_view(
    checkin: Checkin,
    questionnaire: Questionnaire,
    step: int,
    crisis: str,
    thanks: int | None = None,
) -> View:
    """The check-in message at ``step``: question and buttons, note prompt, or thanks.

    ``thanks``: the repair answer just given, thanked for above the note prompt.
    """
    language = checkin.language
    local_start = checkin.session_start.astimezone(ZoneInfo(checkin.timezone))
    text = checkin_text(language, questionnaire, step, local_start, crisis, checkin.repair, thanks)
    return View(text, _checkin_markup(checkin, questionnaire, step))


def reminder_view(checkin: Checkin, closes_local: datetime) -> View:
    """A reminder of an open check-in; no buttons: it replies to the check-in itself."""
    local_start = checkin.session_start.astimezone(ZoneInfo(checkin.timezone))
    return View(reminder_text(checkin.language, local_start, closes_local))


def closed_view(language: str) -> View:
    """A check-in that can no longer be answered."""
    return View(html_text(language, "checkin.closed"))


def _checkin_markup(
    checkin: Checkin, questionnaire: Questionnaire, step: int
) -> InlineKeyboardMarkup | None:
    token, language = checkin.token, checkin.language
    stage = stage_of(questionnaire, step)
    skip = InlineKeyboardButton(plain(language, "button.skip"), callback_data=cd.skip(token, step))
    if stage is Stage.ITEM and asks_repair(questionnaire.items[step]):
        return InlineKeyboardMarkup([*_repair_rows(token, language, step), [skip]])
    if stage is Stage.ITEM:
        buttons = [
            InlineKeyboardButton(str(v), callback_data=cd.item_value(token, step, v))
            for v in questionnaire.scale
        ]
        rows = [buttons[i : i + _ROW] for i in range(0, len(buttons), _ROW)]
        return InlineKeyboardMarkup([*rows, [skip]])
    if stage is Stage.NOTE:
        return InlineKeyboardMarkup([[skip]])
    if stage is Stage.SHARE:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        plain(language, "button.share"), callback_data=cd.share(token, step, True)
                    )
                ],
                [
                    InlineKeyboardButton(
                        plain(language, "button.private"),
                        callback_data=cd.share(token, step, False),
                    )
                ],
            ]
        )
    return None


def _repair_rows(token: str, language: str, step: int) -> list[list[InlineKeyboardButton]]:
    """Yes and Partly side by side, then Not yet: words, not numbers, and no scale."""

    def answer(label: str, value: RepairAnswer) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=cd.item_value(token, step, value))

    yes = answer(plain(language, "button.repair.yes"), RepairAnswer.YES)
    partly = answer(plain(language, "button.repair.partly"), RepairAnswer.PARTLY)
    not_yet = answer(plain(language, "button.repair.not_yet"), RepairAnswer.NOT_YET)
    return [[yes, partly], [not_yet]]


def consent_view(
    language: str, clinic: str, crisis: str, retention_months: int, risk_policy: SafeHtml
) -> View:
    """The consent request a client sees right after enrolling."""
    text = html_text(
        language,
        "consent.request",
        clinic=clinic,
        crisis=crisis,
        retention_months=retention_months,
        risk_policy=risk_policy,
    )
    return View(
        text,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        plain(language, "button.consent_yes"), callback_data=cd.consent(True)
                    )
                ],
                [
                    InlineKeyboardButton(
                        plain(language, "button.consent_no"), callback_data=cd.consent(False)
                    )
                ],
            ]
        ),
    )


def part_view(part: Part) -> View:
    """One message of a digest, brief or history, with a Discussed button per open concern."""
    rows = [
        [InlineKeyboardButton(button.label, callback_data=cd.discussed(button.token))]
        for button in part.buttons
    ]
    return View(part.text, InlineKeyboardMarkup(rows) if rows else None, part.quotes)


def delete_view(language: str) -> View:
    """The question before a client's answers and notes are erased."""
    yes = InlineKeyboardButton(plain(language, "button.delete_yes"), callback_data=cd.delete(True))
    no = InlineKeyboardButton(plain(language, "button.delete_no"), callback_data=cd.delete(False))
    return View(html_text(language, "delete.confirm"), InlineKeyboardMarkup([[yes], [no]]))
