"""Logging without personal data: event names, ids, durations and error types only.

Records carry their facts as ``extra`` fields; this formatter prints them as
``key=value`` pairs after the event name. Exception messages are never printed (they
can quote what a person wrote); a traceback shows only where the error happened.
"""

from __future__ import annotations

import logging
import sys
import traceback

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class FactsFormatter(logging.Formatter):
    """``time level logger event key=value ...``, and a traceback without the message."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        facts = " ".join(
            f"{key}={value}" for key, value in vars(record).items() if key not in _STANDARD
        )
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        if facts:
            line = f"{line} {facts}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = "".join(traceback.format_tb(error.__traceback__))
            line = f"{line} error_type={type(error).__name__}\n{frames.rstrip()}"
        return line


def configure(level: int = logging.INFO) -> None:
    """Send our logs to stderr in the facts format; keep libraries' chatter down."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FactsFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
