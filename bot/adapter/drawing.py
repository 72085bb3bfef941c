"""Trend pictures drawn in a process of their own.

Drawing a digest's chart takes matplotlib most of a second of pure computation. In a
thread it would hold the interpreter lock in long stretches, and the event loop answering
people would wait for it; a digest round at a large clinic draws one picture per therapist.
So pictures are drawn by one worker process, started on first use and reused: the bot's
own process never imports matplotlib.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from zoneinfo import ZoneInfo

from bot.adapter.chart import render_chart
from core.digest import ClientSummary

_LOCK = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def draw_chart(clients: Sequence[ClientSummary], language: str, tz: ZoneInfo) -> bytes:
    """``render_chart`` in the drawing process; blocks the calling (worker) thread only."""
    return _drawing_process().submit(render_chart, list(clients), language, tz).result()


def _drawing_process() -> ProcessPoolExecutor:
    global _pool
    with _LOCK:
        if _pool is None:
            # A fresh interpreter rather than a fork of a process with threads running.
            _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return _pool
