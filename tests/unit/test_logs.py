"""Logs: JSON lines off a terminal, facts on one, and never an exception's message."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.process.logs import FactsFormatter, JsonFormatter, wants_json


def _record(exc: BaseException | None = None) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {
            "name": "scheduler.tick",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "checkin not delivered",
            "checkin_id": 42,
            "error": "TimedOut",
            "seconds": 0.25,
        }
    )
    if exc is not None:
        try:
            raise exc
        except type(exc) as raised:
            record.exc_info = (type(raised), raised, raised.__traceback__)
    return record


def test_a_json_line_carries_the_event_and_its_facts() -> None:
    entry = json.loads(JsonFormatter().format(_record()))

    assert entry["event"] == "checkin not delivered"
    assert entry["level"] == "warning"
    assert entry["logger"] == "scheduler.tick"
    assert entry["checkin_id"] == 42
    assert entry["error"] == "TimedOut"
    assert entry["seconds"] == 0.25
    assert entry["time"].endswith("+00:00")


def test_a_json_line_names_the_error_type_and_frames_but_never_its_message() -> None:
    line = JsonFormatter().format(_record(ValueError("the client wrote: I feel awful")))
    entry = json.loads(line)

    assert entry["error_type"] == "ValueError"
    assert any("test_logs.py" in frame for frame in entry["traceback"])
    assert "awful" not in line
    assert "\n" not in line


def test_the_terminal_format_stays_as_it_was() -> None:
    line = FactsFormatter().format(_record(ValueError("secret words")))

    assert "WARNING scheduler.tick checkin not delivered checkin_id=42 error=TimedOut" in line
    assert "error_type=ValueError" in line
    assert "secret words" not in line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("setting", "terminal", "json_lines"),
    [
        ("auto", False, True),
        ("auto", True, False),
        ("json", True, True),
        ("text", False, False),
    ],
)
def test_json_is_chosen_when_stderr_is_not_a_terminal_unless_set(
    setting: str, terminal: bool, json_lines: bool
) -> None:
    stream = _Terminal() if terminal else io.StringIO()
    assert wants_json(setting, stream) is json_lines
