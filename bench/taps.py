"""Tap handling: answers per second and latency from tap to edited message, vs a minimal bot.

    .venv/bin/python -m bench.taps [--clients 500] [--runs 3] [--warmup 10] [--timeout 120]

Three processes, so that no two of them share an event loop: the sandbox (emulated
Telegram, ``python -m sandbox``), the bot under test (``python -m bench.taps --serve KIND``,
polling ``getUpdates`` like ``alliance run``) and this driver, whose simulated clients tap
through the sandbox's JSON control API. Every client has one delivered check-in and taps
through it: a scale value for each item, then Skip on the note prompt (5 taps; the share
question only follows a written note). All clients start at once. By default each taps as
soon as the previous edit arrived, which measures throughput at saturation; with
``--think S`` each first reads for about S seconds, as a person would, which measures
latency under a steady load of about clients / S taps a second.

Bots, each in a fresh sandbox with fresh check-ins, in every run:

- ``answer``: a PTB application whose one ``CallbackQueryHandler`` calls ``query.answer()``;
- ``edit``: the same, then edits the message to a next question with a keyboard of the
  same shape (like for like on "tap to edited message");
- ``full``: the real bot, ``bot.adapter.application.build_application`` over a SQLite file.

Per bot: taps answered per second (wall clock, first tap to last edit), p50 and p99 of
tap → edited message (the ``tap`` call returns with the callback answer, then ``wait``
returns the edited message; for ``answer`` it is tap → answer), and the cost per update:
the bot process's CPU seconds (``time.process_time`` in that process) between the start
and the end of the measured taps, divided by the taps. The result is the full bot's cost
as a multiple of each minimal bot's, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes
from telegram.request import HTTPXRequest

from bench.facts import BenchError, read_fact
from bench.sandbox_process import TOKEN, Server, cpu_seconds
from bench.seed import FIRST_CHAT, clinic, seed_due_checkins
from bot.adapter.application import App, build_application
from bot.adapter.polling import polling
from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE

KINDS = ("answer", "edit", "full")
#: Taps per client: every item answered, then Skip on the note prompt.
TAPS = len(DEFAULT_QUESTIONNAIRE.items) + 1
#: Seconds for the bot process to start polling, and to stop.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
#: The benchmark's fixed clock: the seeded check-ins are due just before it.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# --- the bot process ---------------------------------------------------------------------


async def _answer_only(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The minimal bot: answer the tap, nothing else."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def _answer_and_edit(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The minimal editing bot: answer, then show a next question with the same buttons."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _, token, step, _value = query.data.split(":")
    next_step = int(step) + 1
    await query.answer("Saved.")
    await query.edit_message_text(
        f"<b>Question {next_step + 1}</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=_minimal_markup(token, next_step),
    )


def _minimal_markup(token: str, step: int) -> InlineKeyboardMarkup | None:
    """Scale and Skip for an item, Skip for the note prompt, nothing after it."""
    items = len(DEFAULT_QUESTIONNAIRE.items)
    skip = InlineKeyboardButton("Skip", callback_data=f"c:{token}:{step}:s")
    if step < items:
        scale = [
            InlineKeyboardButton(str(v), callback_data=f"c:{token}:{step}:{v}")
            for v in DEFAULT_QUESTIONNAIRE.scale
        ]
        return InlineKeyboardMarkup([scale[i : i + 6] for i in range(0, len(scale), 6)] + [[skip]])
    return InlineKeyboardMarkup([[skip]]) if step == items else None


def _application(kind: str, api_root: str, database_url: str, clients: int) -> App:
    """The bot under test; the minimal ones with the production bot's HTTP settings."""
    if kind == "full":
        from bot.process.services import Services
        from bot.process.settings import Settings
        from core.clock import FixedClock
        from storage.database import Database

        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=api_root,
            database_url=database_url,
        )
        services = Services(
            config=clinic(clients), database=Database.connect(database_url), clock=FixedClock(NOW)
        )
        return build_application(settings, services, schedule_jobs=False)
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{api_root}/bot")
        .request(HTTPXRequest(connection_pool_size=16, connect_timeout=5, read_timeout=15))
        .get_updates_request(HTTPXRequest(connect_timeout=5, read_timeout=40))
        .build()
    )
    application.add_handler(
        CallbackQueryHandler(_answer_only if kind == "answer" else _answer_and_edit)
    )
    return application


def _say(fact: dict[str, Any]) -> None:
    print(json.dumps(fact), flush=True)


async def serve_bot(kind: str, api_root: str, database_url: str, clients: int) -> None:
    """Run one bot, polling like ``alliance run``, until stdin says ``stop`` or closes.

    Prints ``{"ready": true}`` once polling, and ``{"cpu": seconds}`` (this process's CPU
    time) for every ``cpu`` line read from stdin.
    """
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    async with polling(
        _application(kind, api_root, database_url, clients), poll_seconds=10, hooks=True
    ):
        _say({"ready": True})
        while (await stdin.readline()).strip() == b"cpu":
            _say({"cpu": time.process_time()})


class BotProcess:
    """The driver's handle on a ``--serve`` bot process."""

    def __init__(self, kind: str, api_root: str, database_url: str, clients: int) -> None:
        self._argv = [
            "-m",
            "bench.taps",
            "--serve",
            kind,
            "--api-root",
            api_root,
            "--database-url",
            database_url,
            "--clients",
            str(clients),
        ]
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> BotProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        if "ready" not in await self._read():
            raise BenchError("the bot did not start")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write(b"stop\n")
        self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()

    async def cpu(self) -> float:
        """The bot process's CPU seconds so far."""
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write(b"cpu\n")
        await self._process.stdin.drain()
        return float((await self._read())["cpu"])

    async def _read(self) -> dict[str, Any]:
        return await read_fact(self._process, START_TIMEOUT, "the bot process ended")


# --- the driver --------------------------------------------------------------------------


@dataclass
class Result:
    """One bot's measurement in one run."""

    kind: str
    taps: int
    seconds: float
    bot_cpu: float
    sandbox_cpu: float | None
    latencies: list[float] = field(repr=False)

    @property
    def rate(self) -> float:
        """Taps answered (and edited) per second."""
        return self.taps / self.seconds

    @property
    def cost(self) -> float:
        """Bot CPU seconds per update."""
        return self.bot_cpu / self.taps

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of tap → edited message, in seconds."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def line(self) -> str:
        """One line for the run's output."""
        sandbox = (
            ""
            if self.sandbox_cpu is None
            else f", sandbox {self.sandbox_cpu / self.taps * 1e3:.2f}"
        )
        return (
            f"{self.kind:>6}: {self.taps} taps in {self.seconds:6.2f} s = {self.rate:7.1f}/s, "
            f"p50 {self.percentile(0.5) * 1e3:7.1f} ms, p99 {self.percentile(0.99) * 1e3:7.1f} ms, "
            f"CPU ms/update: bot {self.cost * 1e3:.2f}{sandbox}"
        )


class Client:
    """One simulated client tapping through its check-in over the control API."""

    def __init__(self, http: aiohttp.ClientSession, root: str, chat: int, timeout: float) -> None:
        self._http = http
        self._url = f"{root}/sandbox/users/{chat}"
        self._timeout = timeout
        self._random = random.Random(chat)
        self.message: dict[str, Any] = {}
        self.latencies: list[float] = []

    async def _call(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        body = body | {"timeout": self._timeout}
        async with self._http.post(f"{self._url}/{action}", json=body) as response:
            answer: dict[str, Any] = await response.json()
        if not answer.get("ok"):
            raise BenchError(f"{action}: {answer.get('description')}")
        result: dict[str, Any] = answer["result"]
        return result

    async def receive(self) -> None:
        """Read the delivered check-in (so the next ``wait`` returns its first edit)."""
        self.message = await self._call("wait", {})

    async def tap_through(self, edits: bool, think: float = 0.0) -> None:
        """Tap the check-in to its end; with ``edits``, each tap waits for the edit.

        ``think``: the mean seconds a person takes to read a question before tapping (each
        pause drawn between half and one and a half of it); 0 taps at once.
        """
        data = self._choice()
        for _ in range(TAPS):
            if data is None:
                raise BenchError("the check-in ended early")
            if think > 0:
                await asyncio.sleep(self._random.uniform(0.5, 1.5) * think)
            started = time.perf_counter()
            await self._call("tap", {"message_id": self.message["message_id"], "data": data})
            if edits:
                step = _step(data)
                self.message = await self._call("wait", {})
                data = self._choice()
                if data is not None and _step(data) != step + 1:
                    raise BenchError("the edit did not show the next question")
            self.latencies.append(time.perf_counter() - started)
        if edits and self._choice() is not None:
            raise BenchError("the check-in did not end")

    def _choice(self) -> str | None:
        """A scale value where there is a scale, else the one button (Skip), else None."""
        rows = (self.message.get("reply_markup") or {}).get("inline_keyboard", [])
        data = [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]
        if not data:
            return None
        values = [d for d in data if not d.endswith(":s")]
        return self._random.choice(values) if values else data[0]


def _step(data: str) -> int:
    return int(data.split(":")[2])


async def send_checkins(root: str, database_url: str, count: int) -> None:
    """Seed ``count`` due check-ins and send them all to the sandbox (no rate limit)."""
    from bot.adapter.notifier import TelegramNotifier
    from bot.process.services import Services
    from core.clock import FixedClock
    from scheduler.tick import run_tick
    from storage.database import Database

    database = Database.connect(database_url)
    try:
        seed_due_checkins(database, count, NOW)
        services = Services(config=clinic(count), database=database, clock=FixedClock(NOW))
        request = HTTPXRequest(connection_pool_size=8, read_timeout=30)
        async with Bot(TOKEN, base_url=f"{root}/bot", request=request) as bot:
            notifier = TelegramNotifier(bot, services)
            sent = 0
            while (
                report := await run_tick(
                    services.clock, services.checkins, services.people, notifier
                )
            ).sent:
                sent += report.sent
        if sent != count:
            raise BenchError(f"sent {sent} of {count} check-ins")
    finally:
        database.close()


def completed(database_url: str) -> int:
    """Check-ins the full bot completed."""
    from storage.database import Database
    from storage.tables import CheckinRow

    database = Database.connect(database_url)
    try:
        with database.transaction() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(CheckinRow)
                    .where(CheckinRow.status == CheckinStatus.COMPLETED)
                )
                or 0
            )
    finally:
        database.close()


async def measure(
    kind: str, clients: int, warmup: int, call_seconds: float, think: float = 0.0
) -> Result:
    """One bot, fresh sandbox and check-ins: warm up, then all clients at once."""
    total = clients + warmup
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'taps.db'}"
        async with Server(rate_limited=False) as sandbox:
            await sandbox.add_users(total)
            await send_checkins(sandbox.api_root, url, total)
            connector = aiohttp.TCPConnector(limit=0)
            client_timeout = aiohttp.ClientTimeout(total=call_seconds + 10)
            async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as http:
                every = [
                    Client(http, sandbox.api_root, FIRST_CHAT + n, call_seconds)
                    for n in range(total)
                ]
                await asyncio.gather(*(c.receive() for c in every))
                measured, warming = every[:clients], every[clients:]
                edits = kind != "answer"
                async with BotProcess(kind, sandbox.api_root, url, total) as bot:
                    await asyncio.gather(*(c.tap_through(edits) for c in warming))
                    cpu, server_cpu = await bot.cpu(), cpu_seconds(sandbox.pid)
                    started = time.perf_counter()
                    await asyncio.wait_for(
                        asyncio.gather(*(c.tap_through(edits, think) for c in measured)),
                        (call_seconds + 1.5 * think) * TAPS,
                    )
                    seconds = time.perf_counter() - started
                    bot_cpu = await bot.cpu() - cpu
                    server_after = cpu_seconds(sandbox.pid)
                stats = await sandbox.stats()
        answered = int(stats["calls"].get("answerCallbackQuery", 0))
        if answered != total * TAPS:
            raise BenchError(f"{answered} taps answered of {total * TAPS}")
        if kind == "full" and (done := completed(url)) != total:
            raise BenchError(f"{done} check-ins completed of {total}")
    sandbox_cpu = None if server_cpu is None or server_after is None else server_after - server_cpu
    latencies = [x for c in measured for x in c.latencies]
    return Result(kind, clients * TAPS, seconds, bot_cpu, sandbox_cpu, latencies)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def main() -> None:
    """Run the benchmark (or, with ``--serve``, one bot process) and print a result row."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=10, help="clients tapping before")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per call")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a client reads before each tap (0: tap as soon as the edit came)",
    )
    parser.add_argument(
        "--bots", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS)
    )
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--api-root", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_bot(args.serve, args.api_root, args.database_url, args.clients))
        return
    kinds = [k for k in args.bots.split(",") if k]
    results: list[dict[str, Result]] = []
    for n in range(args.runs):
        run = {
            kind: asyncio.run(measure(kind, args.clients, args.warmup, args.timeout, args.think))
            for kind in kinds
        }
        results.append(run)
        print(f"run {n + 1}:")
        for result in run.values():
            print("  " + result.line())
        if "full" in run:
            full = run["full"].cost
            each = ", ".join(f"{full / run[k].cost:.2f}x {k}" for k in kinds if k != "full")
            print(f"  full bot's cost per update: {each}")
    print(
        f"median over {args.runs} runs of {args.clients} clients x {TAPS} taps"
        f" (think {args.think:g} s):"
    )
    for kind in kinds:
        rows = [run[kind] for run in results]
        print(
            f"  {kind:>6}: {_median([r.rate for r in rows]):.1f}/s, "
            f"p50 {_median([r.percentile(0.5) for r in rows]) * 1e3:.1f} ms, "
            f"p99 {_median([r.percentile(0.99) for r in rows]) * 1e3:.1f} ms, "
            f"CPU {_median([r.cost for r in rows]) * 1e3:.2f} ms/update"
        )
    if "full" in kinds:
        for kind in kinds:
            if kind != "full":
                ratios = [run["full"].cost / run[kind].cost for run in results]
                listed = ", ".join(f"{r:.2f}" for r in ratios)
                print(f"  cost ratio full/{kind}: {_median(ratios):.2f} (runs {listed})")


if __name__ == "__main__":
    main()
