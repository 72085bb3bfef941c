"""What holds the event loop: a watchdog thread in the bot's process that pings the loop
and, while a ping goes unanswered, samples the stack of the loop's thread.

    BENCH_LOOP_WATCH=stalls.jsonl python -m bench.loop_watch run   # instead of bot.cli.main
    python -m bench.loop_watch summarize stalls.jsonl [--top 15] [--depth 8]

A reply to a person waits as long as the loop is busy elsewhere, so a ping the loop answers
late is a reply answered late. Every ``PING`` seconds the watchdog schedules a callback with
``call_soon_threadsafe``; when it has not run after ``STALL`` seconds, the loop's thread is
sampled every ``SAMPLE`` seconds until it runs. Each stall is one JSON line: when (seconds
after start), how long, and the samples (file, function and line of every frame; the other
threads' innermost frames, to tell contention for the interpreter lock). Function names and
line numbers only: no values, so no person's data reaches the file.

``bench.stalls --loop-watch`` runs the bot this way and keeps the file with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

#: Seconds between pings.
PING = 0.02
#: An unanswered ping after this many seconds is a stall: its stack is sampled.
STALL = 0.08
#: Seconds between samples of a stall.
SAMPLE = 0.01
#: Samples of one stall at most (a longer one is still timed).
MAX_SAMPLES = 200
#: The environment variable naming the file the stalls are written to.
ENV = "BENCH_LOOP_WATCH"

Frame = tuple[str, str, int]


def _short(path: str) -> str:
    """A frame's file, relative to the project or the library folder it is in."""
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return path.removeprefix(root)


def _stack(frame: FrameType | None) -> list[Frame]:
    """Outermost first."""
    frames: list[Frame] = []
    while frame is not None:
        code = frame.f_code
        frames.append((_short(code.co_filename), code.co_name, frame.f_lineno))
        frame = frame.f_back
    return frames[::-1]


class Watch(threading.Thread):
    """The watchdog of one loop, writing its stalls to ``out``."""

    def __init__(self, out: Path) -> None:
        super().__init__(name="loop-watch", daemon=True)
        self.out = out
        self.started = time.perf_counter()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = 0
        self.attached = threading.Event()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop starts running in the calling thread: watch it."""
        self.loop, self.thread = loop, threading.get_ident()
        self.attached.set()

    def run(self) -> None:
        self.attached.wait()
        with self.out.open("a", encoding="utf-8") as out:
            while self.loop is not None and not self.loop.is_closed():
                stall = self._ping(self.loop)
                if stall is not None:
                    out.write(json.dumps(stall) + "\n")
                    out.flush()
                time.sleep(PING)

    def _ping(self, loop: asyncio.AbstractEventLoop) -> dict[str, Any] | None:
        answered = threading.Event()
        asked = time.perf_counter()
        try:
            loop.call_soon_threadsafe(answered.set)
        except RuntimeError:  # closed meanwhile
            self.loop = None
            return None
        if answered.wait(STALL):
            return None
        samples: list[dict[str, Any]] = []
        while not answered.wait(SAMPLE if samples else 0):
            if len(samples) < MAX_SAMPLES:
                samples.append(self._sample())
            if loop.is_closed():
                break
        took = time.perf_counter() - asked
        return {"at": round(asked - self.started, 3), "ms": round(took * 1000), "samples": samples}

    def _sample(self) -> dict[str, Any]:
        frames = sys._current_frames()
        others = {
            str(ident): _stack(frame)[-3:]
            for ident, frame in frames.items()
            if ident not in (self.thread, self.ident)
        }
        return {"loop": _stack(frames.get(self.thread)), "others": others}


def install(out: Path) -> Watch:
    """Start a watchdog that attaches to the first event loop run in this process."""
    watch = Watch(out)
    original: Callable[[asyncio.BaseEventLoop], None] = asyncio.BaseEventLoop.run_forever

    def run_forever(self: asyncio.BaseEventLoop) -> None:
        if not watch.attached.is_set():
            watch.attach(self)
        original(self)

    asyncio.BaseEventLoop.run_forever = run_forever  # type: ignore[method-assign]
    watch.start()
    return watch


def summarize(path: Path, top: int, depth: int) -> None:
    """The stalls' count and time, then the stacks most often sampled (innermost ``depth``
    frames, counted once a sample) and the project frames most often on them."""
    stalls = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    total = sum(s["ms"] for s in stalls)
    longest = max((s["ms"] for s in stalls), default=0)
    print(f"{len(stalls)} stalls, {total / 1000:.1f} s, longest {longest} ms")
    stacks: Counter[tuple[str, ...]] = Counter()
    project: Counter[str] = Counter()
    for stall in stalls:
        for sample in stall["samples"]:
            frames = [f"{f}:{n}:{line}" for f, n, line in sample["loop"]]
            stacks[tuple(frames[-depth:])] += 1
            for frame in {f for f in frames if f.split(":")[0].split("/")[0] in _OURS}:
                project[frame] += 1
    samples = sum(stacks.values())
    print(f"\n{samples} samples; project frames on the loop's stack, by samples:")
    for frame, count in project.most_common(top):
        print(f"  {count:5d} {100 * count / max(1, samples):5.1f}%  {frame}")
    print(f"\nstacks (innermost {depth} frames), by samples:")
    for stack, count in stacks.most_common(top):
        print(f"  {count:5d}")
        for frame in stack:
            print(f"        {frame}")


_OURS = {"bot", "scheduler", "storage", "core", "messages", "bench"}


def main() -> None:
    """``run ...``: the ``alliance`` command, watched; ``summarize FILE``: the stacks."""
    if len(sys.argv) > 1 and sys.argv[1] == "summarize":
        parser = argparse.ArgumentParser()
        parser.add_argument("file", type=Path)
        parser.add_argument("--top", type=int, default=15)
        parser.add_argument("--depth", type=int, default=8)
        args = parser.parse_args(sys.argv[2:])
        summarize(args.file, args.top, args.depth)
        return
    install(Path(os.environ[ENV]))
    from bot.cli.main import main as alliance

    sys.exit(alliance(sys.argv[1:]))


if __name__ == "__main__":
    main()
