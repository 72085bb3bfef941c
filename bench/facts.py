"""What a benchmark's child processes say back: one JSON object a line on their stdout."""

from __future__ import annotations

import asyncio
import json
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
