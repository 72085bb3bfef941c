"""Several workers, one Telegram budget: N bot processes on one PostgreSQL database, the
sandbox enforcing Telegram's limits. Target: together at least 95 % of 30 messages a
second over 2,000 check-ins, and zero 429.

    .venv/bin/python -m bench.workers [--workers 2 3] [--checkins 2000] [--runs 2]
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each run makes a database of its own (``bench_workers``, dropped after), seeds the due
check-ins (``bench.seed.seed_due_checkins``) and starts the sandbox (``python -m sandbox
--rate-limits``: 30 sends a second overall and 1 a second per chat, answering 429 like
Telegram). Each worker is a separate process with the bot as ``alliance run`` builds it
(``build_application``: real ``Services``, a real PTB bot and its production rate limiter,
which on PostgreSQL spends the budget shared in ``send_slots``) and repeats the bot's real
tick (``bot.adapter.rounds.tick``) until a tick sends nothing. Workers start together once
all are ready; the rate is every check-in sent over the time from that start until the
last worker's last tick ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.dispatch import NOW
from bench.facts import BenchError, read_fact
from bench.sandbox_process import TOKEN, Server
from bench.seed import clinic, seed_due_checkins

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_workers"
#: Seconds a worker may take to start, and a run to finish.
START_TIMEOUT = 60.0
RUN_TIMEOUT = 600.0


@contextmanager
def fresh_database(admin_url: str, name: str = DATABASE) -> Iterator[str]:
    """An empty PostgreSQL database for one run, dropped afterwards; its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- one worker (a process of its own) ---------------------------------------------------


def _say(fact: dict[str, Any]) -> None:
    print(json.dumps(fact), flush=True)


async def work(api_root: str, database_url: str, clients: int) -> None:
    """Build the bot as ``alliance run`` does, say ready, wait for ``go`` on stdin, then
    tick until a tick sends nothing; say what was sent and when the last tick ended."""
    from bot.adapter.application import build_application
    from bot.adapter.rounds import tick
    from bot.process.services import Services
    from bot.process.settings import Settings
    from core.clock import FixedClock
    from storage.database import Database

    settings = Settings(
        _env_file=None, bot_token=TOKEN, telegram_api_url=api_root, database_url=database_url
    )
    database = Database.connect(database_url, upgrade=False)
    services = Services(config=clinic(clients), database=database, clock=FixedClock(NOW))
    bot = build_application(settings, services, schedule_jobs=False).bot
    sent = retried = 0
    async with bot:
        _say({"ready": True})
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        while (report := await tick(bot, services)).sent or report.retried:
            sent, retried = sent + report.sent, retried + report.retried
    _say({"sent": sent, "retried": retried, "finished": time.monotonic()})
    database.close()


# --- the driver ----------------------------------------------------------------------------


class Worker:
    """The driver's handle on one worker process."""

    def __init__(self, api_root: str, database_url: str, clients: int) -> None:
        self._argv = ["-m", "bench.workers", "--worker", api_root, database_url, str(clients)]
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process and wait until it is ready."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        if "ready" not in await self._read(START_TIMEOUT):
            raise BenchError("a worker did not start")

    async def go(self) -> None:
        """Tell the worker to start ticking."""
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write(b"go\n")
        await self._process.stdin.drain()

    async def result(self) -> dict[str, Any]:
        """What the worker sent, once it is done."""
        fact = await self._read(RUN_TIMEOUT)
        assert self._process is not None
        await self._process.wait()
        return fact

    def kill(self) -> None:
        """End a worker that is still running (after a failed run)."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()

    async def _read(self, seconds: float) -> dict[str, Any]:
        return await read_fact(self._process, seconds, "a worker ended without an answer")


@dataclass
class Run:
    """One run's measurement."""

    workers: int
    sent: list[int]
    seconds: float
    too_many: int  # 429s the sandbox answered

    @property
    def rate(self) -> float:
        """Check-ins sent a second, all workers together."""
        return sum(self.sent) / self.seconds


async def one_run(workers: int, count: int, admin_url: str) -> Run:
    """Seed a fresh database, start the sandbox and the workers, and time them together."""
    from storage.database import Database

    with fresh_database(admin_url) as url:
        database = Database.connect(url)
        seed_due_checkins(database, count, NOW)
        database.close()
        async with Server(rate_limited=True) as sandbox:
            await sandbox.add_users(count)
            processes = [Worker(sandbox.api_root, url, count) for _ in range(workers)]
            try:
                await asyncio.gather(*(p.start() for p in processes))
                started = time.monotonic()
                await asyncio.gather(*(p.go() for p in processes))
                facts = await asyncio.gather(*(p.result() for p in processes))
            finally:
                for process in processes:
                    process.kill()
            stats = await sandbox.stats()
    finished = max(float(fact["finished"]) for fact in facts)
    sent = [int(fact["sent"]) for fact in facts]
    return Run(workers, sent, finished - started, int(stats["rate_limited"]))


def main() -> None:
    """Run the benchmark (or, with ``--worker``, be one worker) and print result rows."""
    if sys.argv[1:2] == ["--worker"]:
        api_root, database_url, clients = sys.argv[2:5]
        asyncio.run(work(api_root, database_url, int(clients)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--checkins", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    for workers in args.workers:
        rates, too_many = [], 0
        for _ in range(args.runs):
            run = asyncio.run(one_run(workers, args.checkins, args.admin_url))
            rates.append(run.rate)
            too_many += run.too_many
            print(
                f"{workers} workers: {sum(run.sent)} sent (each {run.sent}) in {run.seconds:.1f} s"
                f" = {run.rate:.1f}/s = {run.rate / 30:.1%} of 30/s, {run.too_many} x 429"
            )
        rate = statistics.median(rates)
        print(
            f"{workers} workers, median over {args.runs} runs of {args.checkins}: "
            f"{rate:.1f}/s = {rate / 30:.1%} of 30/s; 429s in all runs: {too_many}"
        )


if __name__ == "__main__":
    main()
