"""Scale: 100,000 clients and 1,000,000 stored answers, on SQLite and on PostgreSQL.

For each database and clinic size (same data per client at every size) it measures:

* a tick with nothing due, exactly as the running bot does it every interval
  (``reload_if_changed`` and ``bot.adapter.rounds.tick`` against a real ``Services``, with a
  real PTB bot pointed at the sandbox, which must see no sends). Targets: under 20 ms, and
  at 100,000 clients at most 2x the time at 1,000;
* one therapist's digest as it is built at send time (``digest_now`` plus the text parts of
  ``messages.digest.render_digest``), target under 200 ms, and the trend chart separately;
* every therapist's digest, one after the other (total time, text parts, no chart);
* with ``--memory``, the peak RSS (``VmHWM``) of a real ``alliance run`` process started on
  the largest clinic's database with its YAML file, after a few ticks; target under 300 MB.

    .venv/bin/python -m bench.scale [--clients 1000 100000] [--runs 5] [--ticks 20]
        [--only sqlite|postgresql] [--postgresql-url URL] [--memory] [--no-all-digests]

PostgreSQL runs use a database of their own (``alliance_bench`` by default), created and
dropped by the benchmark, so the test suite's database is never touched.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine, make_url, text
from telegram import Bot

from bench.facts import peak_rss_kib
from bench.sandbox_process import TOKEN, Server
from bench.seed import scale_clinic, scale_yaml, seed_scale
from bot.adapter.chart import render_chart
from bot.adapter.rounds import tick
from bot.config.watch import ConfigWatch
from bot.process.crypto import make_cipher, new_key
from bot.process.reload import reload_if_changed
from bot.process.services import Services
from core.clinic import ClinicConfig
from core.clock import FixedClock
from messages.digest import render_digest
from scheduler.reports import digest_now
from storage.database import Database

#: Clients per therapist: a caseload of about a hundred, as in a clinic network.
CASELOAD = 100
#: The notes' key for the whole run (the running bot refuses to start without one).
KEY = new_key()
_BERLIN = ZoneInfo("Europe/Berlin")
_SENDS = ("sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup")


def quiet_sunday(after: datetime) -> datetime:
    """03:00 Berlin on the first Sunday after ``after``: no session for days either side, the
    week's digest long sent, so a tick then has nothing to do. Being in the future of the
    real clock, it also leaves nothing due for ``alliance run`` started now."""
    local = after.astimezone(_BERLIN)
    day = local.date() + timedelta(days=(6 - local.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 3, tzinfo=_BERLIN).astimezone(UTC)


@dataclass
class Result:
    """One database and clinic size: medians in milliseconds, the memory in MiB."""

    database: str
    clients: int
    seed_s: float
    first_tick_ms: float
    tick_ms: float
    ticks_ms: list[float]
    digest_ms: float
    chart_ms: float
    all_digests_s: float
    sends: int
    peak_rss_mib: float | None = None  # of ``alliance run``, with --memory, largest size only
    first_tick_s: float | None = None  # its start-up, until the first tick


@contextmanager
def database_url(kind: str, folder: Path, postgresql_url: str) -> Iterator[str]:
    """A fresh, empty database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        path = folder / "scale.db"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    url = make_url(postgresql_url)
    name = url.database
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    """Seconds ``work`` took."""
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


def write_clinic(folder: Path, clients: int) -> tuple[Path, ClinicConfig]:
    """The scale clinic as a file, and as the config that file holds."""
    therapists = max(1, clients // CASELOAD)
    path = folder / f"clinic-{clients}.yaml"
    path.write_text(scale_yaml(clients, therapists), encoding="utf-8")
    return path, scale_clinic(clients, therapists)


async def measure(
    kind: str, clients: int, args: argparse.Namespace, folder: Path, memory: bool = False
) -> Result:
    """Seed one database with ``clients`` clients and measure it.

    The config is built from data here (the same as the file holds, without the load
    time); the file is there too, and ``reload_if_changed`` checks it on every tick as in
    the running bot. With ``memory``, ``alliance run`` then starts on the same database and
    the same file, and its peak RSS is read.
    """
    config_path, config = write_clinic(folder, clients)
    now = quiet_sunday(datetime.now(UTC))
    with database_url(kind, folder, args.postgresql_url) as url:
        database = Database.connect(url, cipher=make_cipher(KEY, False))
        try:
            started = time.perf_counter()
            counts = seed_scale(database, config, now)
            seeded = time.perf_counter() - started
            print(f"  seeded {counts} in {seeded:.1f} s", flush=True)
            _analyze(database)
            services = Services(
                config=config,
                database=database,
                clock=FixedClock(now),
                config_watch=ConfigWatch.of(config_path),
            )
            async with Server(rate_limited=False) as sandbox:
                bot = Bot(TOKEN, base_url=f"{sandbox.api_root}/bot")
                async with bot:

                    async def one_tick() -> None:
                        reload_if_changed(services)  # what the tick job does first
                        await tick(bot, services)

                    first = await timed(one_tick)
                    ticks = [await timed(one_tick) for _ in range(args.ticks)]
                calls = (await sandbox.stats())["calls"]
            sends = sum(int(calls.get(method, 0)) for method in _SENDS)
            digest, chart = _one_digest(services, now, args.runs)
            runs = max(1, args.runs if clients <= 10_000 else 1)
            every = _all_digests(services, now, runs) if args.all_digests else float("nan")
            result = Result(
                kind,
                clients,
                seeded,
                _ms(first),
                _ms(statistics.median(ticks)),
                [_ms(t) for t in ticks],
                digest,
                chart,
                every,
                sends,
            )
        finally:
            database.close()
        if memory:
            result.peak_rss_mib, result.first_tick_s = await peak_rss(url, config_path)
    return result


def _analyze(database: Database) -> None:
    """Fresh planner statistics, as autovacuum or SQLite's ``optimize`` would keep them."""
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _one_digest(services: Services, now: datetime, runs: int) -> tuple[float, float]:
    """Median milliseconds for the first therapist's digest (built and its text rendered),
    and for its chart."""
    code = services.config.therapists[0].code
    language, tz = services.therapist_reading(code)
    builds, charts = [], []
    for _ in range(max(runs, 3)):
        started = time.perf_counter()
        digest = digest_now(services.config, services.histories, code, now)
        render_digest(digest, language, tz)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        if digest.charted:
            render_chart(digest.charted, language, tz)
        charts.append(time.perf_counter() - started)
    return _ms(statistics.median(builds)), _ms(statistics.median(charts))


def _all_digests(services: Services, now: datetime, runs: int) -> float:
    """Median seconds to build and render every therapist's digest (text parts)."""
    totals = []
    for _ in range(runs):
        started = time.perf_counter()
        for therapist in services.config.therapists:
            language, tz = services.therapist_reading(therapist.code)
            digest = digest_now(services.config, services.histories, therapist.code, now)
            render_digest(digest, language, tz)
        totals.append(time.perf_counter() - started)
    return round(statistics.median(totals), 2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def peak_rss(url: str, config_path: Path, ticks: int = 3) -> tuple[float, float]:
    """Start ``alliance run`` on the database, wait for ``ticks`` ticks after start-up, and
    return its peak RSS (MiB) and how long start-up took until the first tick (s)."""
    port = _free_port()
    async with Server(rate_limited=False) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
        env |= {
            "ALLIANCE_BOT_TOKEN": TOKEN,
            "ALLIANCE_DATABASE_URL": url,
            "ALLIANCE_CLINIC_CONFIG": str(config_path),
            "ALLIANCE_TELEGRAM_API_URL": sandbox.api_root,
            "ALLIANCE_TICK_SECONDS": "1",
            "ALLIANCE_HEALTH_PORT": str(port),
            "ALLIANCE_LOG_FORMAT": "json",
            "ALLIANCE_ENCRYPTION_KEY": KEY,
        }
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli.main",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            first = await _wait_for_ticks(process, port, ticks, started)
            peak_kib = await asyncio.to_thread(peak_rss_kib, process.pid)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=60)
    return round(peak_kib / 1024, 1), round(first, 1)


async def _wait_for_ticks(
    process: asyncio.subprocess.Process, port: int, ticks: int, started: float
) -> float:
    """Poll /healthz until ``ticks`` different last-tick times were seen; returns the
    seconds from start to the first one."""
    seen: list[str] = []
    first = 0.0
    async with aiohttp.ClientSession() as http:
        while len(seen) < ticks:
            if process.returncode is not None:
                raise RuntimeError(f"alliance run exited with {process.returncode}")
            await asyncio.sleep(0.3)
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    last = (await response.json()).get("last_tick")
            except aiohttp.ClientError:
                continue  # not listening yet: start-up planning runs first
            if last and last not in seen:
                seen.append(last)
                first = first or time.perf_counter() - started
    return first


def report(result: Result, smallest: Result) -> None:
    """Print one result line, with the tick ratio against the smallest clinic."""
    ratio = result.tick_ms / smallest.tick_ms
    every = "not run" if math.isnan(result.all_digests_s) else f"{result.all_digests_s} s"
    print(
        f"{result.database} {result.clients:,} clients: tick {result.tick_ms} ms "
        f"(first {result.first_tick_ms} ms, {ratio:.2f}x the {smallest.clients:,}-client tick), "
        f"one digest {result.digest_ms} ms + chart {result.chart_ms} ms, "
        f"all {result.clients // CASELOAD:,} digests {every}, "
        f"sends {result.sends}",
        flush=True,
    )


def main() -> None:
    """Run the benchmark and print a result line per database and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--runs", type=int, default=5, help="repeats of each digest timing")
    parser.add_argument("--ticks", type=int, default=20, help="ticks timed per database")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument(
        "--no-all-digests",
        dest="all_digests",
        action="store_false",
        help="skip building every therapist's digest (minutes at 100,000 clients)",
    )
    parser.add_argument(
        "--postgresql-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/alliance_bench",
        help="a database the benchmark may create and drop",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also measure alliance run's peak RSS on the largest clinic's database",
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            smallest: Result | None = None
            for clients in sorted(args.clients):
                memory = args.memory and clients == max(args.clients)
                result = asyncio.run(measure(kind, clients, args, Path(folder), memory))
                print(f"  ticks (ms): {result.ticks_ms}")
                smallest = smallest or result
                report(result, smallest)
                if result.sends:
                    print(f"  WARNING: the sandbox saw {result.sends} sends", flush=True)
                if result.peak_rss_mib is not None:
                    print(
                        f"{kind} alliance run, {clients:,} clients: peak RSS "
                        f"{result.peak_rss_mib} MiB, first tick {result.first_tick_s} s "
                        "after start",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
