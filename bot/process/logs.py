"""Logging without personal data: event names, ids, durations and error types only.

Records carry their facts as ``extra`` fields. On a terminal they print as
``key=value`` pairs after the event name; elsewhere (systemd, Docker, a file) as one
JSON object a line. Exception messages are never printed (they can quote what a person
wrote); a traceback shows only where the error happened.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _facts(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


def _frames(error: BaseException) -> list[str]:
    return [
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    ]


class FactsFormatter(logging.Formatter):
    """``time level logger event key=value ...``, and a traceback without the message."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        facts = " ".join(f"{key}={value}" for key, value in _facts(record).items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        if facts:
            line = f"{line} {facts}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = "".join(traceback.format_tb(error.__traceback__))
            line = f"{line} error_type={type(error).__name__}\n{frames.rstrip()}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event, the facts, an error's type and frames."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_facts(record),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error_type"] = type(error).__name__
            entry["traceback"] = _frames(error)
        return json.dumps(entry, default=str, ensure_ascii=False)


def wants_json(log_format: str, stream: TextIO) -> bool:
    """``auto`` means JSON unless the stream is a terminal."""
    if log_format == "auto":
        return not stream.isatty()
    return log_format == "json"


def configure(level: int = logging.INFO, log_format: str = "auto") -> None:
    """Send our logs to stderr, as JSON or facts; keep libraries' chatter down."""
    handler = logging.StreamHandler(sys.stderr)
    json_lines = wants_json(log_format, sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else FactsFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
