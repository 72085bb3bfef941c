"""The Bot API sandbox (``python -m sandbox``) in a process of its own, for benchmarks.

Separate from the benchmark, as Telegram would be, so the bot's and the server's work do
not share one event loop; with the process id, a benchmark can say how much of the machine
the emulated Telegram used.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp

from bench.seed import FIRST_CHAT

TOKEN = "777:BENCH"
#: Seconds to wait for the sandbox to print its API root.
START_TIMEOUT = 30.0


class Server:
    """``python -m sandbox`` in its own process."""

    def __init__(self, rate_limited: bool) -> None:
        self.rate_limited = rate_limited
        self.api_root = ""
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Server:
        flags = ["--rate-limits"] if self.rate_limited else []
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            "0",
            "--token",
            TOKEN,
            *flags,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), START_TIMEOUT)
        self.api_root = line.decode().strip()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        await self._process.wait()

    @property
    def pid(self) -> int:
        """The sandbox's process id."""
        assert self._process is not None
        return self._process.pid

    async def add_users(self, count: int) -> None:
        """Make the chats exist: a GET on a user's messages creates the user."""
        async with aiohttp.ClientSession() as http:
            for n in range(count):
                url = f"{self.api_root}/sandbox/users/{FIRST_CHAT + n}/messages"
                async with http.get(url) as response:
                    response.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        """Calls, errors and 429s counted by the sandbox."""
        async with aiohttp.ClientSession() as http, http.get(f"{self.api_root}/sandbox/stats") as r:
            body: dict[str, Any] = await r.json()
        result: dict[str, Any] = body["result"]
        return result


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds a process used so far (Linux ``/proc``; else None)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")
