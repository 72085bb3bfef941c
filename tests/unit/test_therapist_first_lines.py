"""What a lock screen shows of a message a therapist did not ask for never names a client.

Every message sent to a therapist unasked (risk and escalation alerts, stop and erasure
notices, digests and briefs) is rendered here, with and without the clinic's preview
line, and its first line checked for the client's code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.process.services import Services
from core.clinic import ClinicConfig
from core.digest import build_brief, build_digest
from core.history import SharedNote
from core.report_config import FlagSettings
from messages.catalog import available_languages, html_text
from messages.digest import render_brief, render_digest
from messages.risk import THERAPIST_STATUS, escalation_alert, risk_alert
from storage.database import Database
from storage.engine import make_engine
from tests.conftest import clinic_config
from tests.unit.test_digest_text import dropped
from tests.unit.test_flags import FIRST_SESSION

CODE = "C101"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
_TAG = re.compile(r"<[^>]*>")


def first_line(text: str) -> str:
    """The first line as a lock screen shows it: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text)).split("\n")[0]


def unasked(language: str) -> Iterator[tuple[str, str]]:
    """(what, text) for every message a therapist gets without asking, about ``CODE``."""
    alert = risk_alert(language, CODE, f"note of {CODE}")
    yield "risk alert", alert.head
    yield from (("risk alert quote", quote) for quote in alert.quotes)
    yield "risk alert without text", risk_alert(language, CODE, None).head
    for status in THERAPIST_STATUS:
        yield f"escalation ({status})", escalation_alert(language, CODE, "T01", status)
    for key in ("therapist.client_stopped", "therapist.client_deleted"):
        yield key, html_text(language, key, code=CODE)
    note = SharedNote(f"{CODE} wrote this", FIRST_SESSION + timedelta(weeks=3), "tok")
    digest = build_digest("T01", [dropped(CODE, note)], FlagSettings(), NOW)
    yield "digest", render_digest(digest, language, BERLIN)[0].text
    brief = build_brief("T01", dropped(CODE, note), FlagSettings(), NOW, None)
    yield "brief", render_brief(brief, language, BERLIN)[0].text


def services(config: ClinicConfig) -> Services:
    """Services over an untouched in-memory database: only ``lock_screen`` is used."""
    return Services(config, Database(make_engine("sqlite://")))


@pytest.mark.parametrize("preview_line", [None, "You have a new message"])
@pytest.mark.parametrize("language", available_languages())
def test_no_first_line_of_a_message_a_therapist_did_not_ask_for_names_the_client(
    language: str, preview_line: str | None
) -> None:
    base = clinic_config().model_dump()
    base["privacy"] = base["privacy"] | {"preview_line": preview_line}
    lock_screen = services(ClinicConfig.model_validate(base)).lock_screen

    for what, text in unasked(language):
        shown = first_line(lock_screen(text))
        assert CODE not in shown, f"{language} {what}: {shown!r}"
        assert shown.strip(), f"{language} {what}: an empty first line"


def test_no_later_part_of_a_long_digest_starts_with_a_client() -> None:
    codes = [f"C{n:03}" for n in range(12)]
    notes = [SharedNote("<&😬 " * 399, FIRST_SESSION, f"tok{code}") for code in codes]
    digest = build_digest(
        "T01", [dropped(c, n) for c, n in zip(codes, notes, strict=True)], FlagSettings(), NOW
    )

    parts = render_digest(digest, "en", BERLIN)

    assert len(parts) > 1
    for part in parts:
        assert not any(code in first_line(part.text) for code in codes)
