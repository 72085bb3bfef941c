"""What a benchmark's child processes say back: one JSON object a line on their stdout; and
what Linux says of their memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any


class BenchError(RuntimeError):
    """A benchmark could not measure what it set out to."""


async def read_fact(
    process: asyncio.subprocess.Process | None, seconds: float, ended: str
) -> dict[str, Any]:
    """The next line ``process`` prints, as JSON, within ``seconds``; ``BenchError(ended)``
    if the process ended instead."""
    assert process is not None
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), seconds)
    if not line:
        raise BenchError(ended)
    fact: dict[str, Any] = json.loads(line)
    return fact


def peak_rss_kib(pid: int) -> int:
    """A process's peak resident set size so far, in KiB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmHWM:")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started, from any of its threads, that still run (Linux)."""
    tasks = Path(f"/proc/{pid}/task").glob("*/children")
    return [int(child) for task in tasks for child in task.read_text(encoding="ascii").split()]
