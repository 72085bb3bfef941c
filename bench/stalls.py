"""Stalls: how long people wait for an answer while the bot starts, reloads, plans and
sends a digest round, and whether check-ins due with the round go out on time.

    .venv/bin/python -m bench.stalls [--clients 1000 100000] [--database sqlite postgresql]
        [--phases startup edit plan digest] [--checkins 1000] [--keep] [--no-rate-limits]
        [--digest-after 270] [--loop-watch]

For each database and clinic size: the clinic is seeded in steady state (``bench.seed``'s
``seed_scale``, about 100 clients per therapist; see ``bench.stalls_setup`` for the time
zone and the digest slot), the sandbox starts in a process of its own (enforcing
Telegram's limits unless ``--no-rate-limits``), and a real ``alliance run`` starts on
the database, polling the sandbox. From the moment it is started, enrolled clients ask
``/help`` in turn, one every 250 ms, and each reply is timed (``bench.stalls_probe``).
On a timeline (seconds after start, the defaults):

* ``startup``: 0-60 s, the first reply (target within 5 s) and the first planning;
* ``edit``: at 75 s one client's session moves half an hour in the clinic file; the
  reload comes within a tick (30 s) and is probed for a minute after it;
* ``plan``: the planning job (``ALLIANCE_PLAN_SECONDS=180``) runs at 180 s, probed for 60 s;
  it repeats every 180 s, later runs falling in other phases;
* ``digest``: the weekly digest slot of every therapist, the first whole minute after
  270 s, until every digest and every check-in due at the slot was sent (at most 15
  minutes), plus a tick;
* ``quiet``: every other moment, and 30 s after the digest round.

Targets: first reply within 5 s of start; p99 under 100 ms and no reply over 1 s in every
phase. Benchmark 2: ``--checkins`` clients have a check-in due at the digest slot; every
one is sent within 5 minutes of due (read from the database afterwards).

``--digest-after`` moves the digest slot (seconds after start; with ``--phases digest``
90 s is enough at 1,000 clients, 120 s at 100,000). ``--loop-watch`` runs the bot under
``bench.loop_watch``: every moment its event loop did not answer within 80 ms, with the
stacks that held it, in ``loop-stalls.jsonl`` (``python -m bench.loop_watch summarize``).

Each run writes ``samples.csv`` (every ``/help``: sent, latency, phase), ``summary.json``,
``latency.png`` and the bot's log to ``bench/results/stalls-DATABASE-CLIENTS-TIME/``.
PostgreSQL runs use a database of their own (``bench_stalls``), created and dropped here.
Seeding 100,000 clients takes minutes: ``--keep`` keeps the seeded database in the temp
folder (``alliance-stalls``) and copies it for each run, for up to 6 hours.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.facts import children, peak_rss_kib
from bench.loop_watch import ENV as LOOP_WATCH
from bench.sandbox_process import TOKEN, Server
from bench.stalls_probe import Probe, Sample
from bench.stalls_report import Windows, report
from bench.stalls_setup import (
    KEY,
    PROBE_CLIENTS,
    Clinic,
    Progress,
    add_chats,
    chat_of,
    checkin_clients,
    clinic_yaml,
    digest_slot,
    edit_session,
    progress,
    seeded_database,
)

RESULTS = Path(__file__).parent / "results"
PHASES = ("startup", "edit", "plan", "digest")
#: Seconds a stopped bot may take to exit before it is killed.
EXIT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Timeline:
    """When things happen, in seconds after the bot starts."""

    startup: float = 60.0
    edit_at: float = 75.0
    plan_seconds: float = 180.0
    digest_after: float = 270.0
    digest_max: float = 900.0
    tick: float = 30.0
    tail: float = 30.0


@dataclass
class Run:
    """What one probe run saw."""

    database: str
    clinic: Clinic
    checkins: list[int]
    slot: datetime
    windows: Windows = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    progress: Progress | None = None
    exit_seconds: float = 0.0
    peak_rss_mib: tuple[float, float] = (0.0, 0.0)  # the bot's, and its drawing process's


def bot_env(url: str, config: Path, api_root: str, timeline: Timeline) -> dict[str, str]:
    """``alliance run``'s environment, as a deployment would set it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    return env | {
        "ALLIANCE_BOT_TOKEN": TOKEN,
        "ALLIANCE_DATABASE_URL": url,
        "ALLIANCE_CLINIC_CONFIG": str(config),
        "ALLIANCE_TELEGRAM_API_URL": api_root,
        "ALLIANCE_TICK_SECONDS": str(timeline.tick),
        "ALLIANCE_PLAN_SECONDS": str(timeline.plan_seconds),
        "ALLIANCE_LOG_FORMAT": "json",
        "ALLIANCE_ENCRYPTION_KEY": KEY,
    }


async def until(started: float, seconds: float) -> None:
    """Sleep until ``seconds`` after ``started``."""
    await asyncio.sleep(max(0.0, started + seconds - time.perf_counter()))


async def probe_run(run: Run, url: str, folder: Path, out: Path, args: argparse.Namespace) -> None:
    """Start the sandbox and ``alliance run``, probe through the timeline, stop the bot."""
    timeline: Timeline = args.timeline
    async with Server(rate_limited=args.rate_limits) as sandbox:
        await add_chats(sandbox.api_root, run.clinic, run.checkins)
        config = folder / "clinic.yaml"
        run.slot = digest_slot(datetime.now(UTC) + timedelta(seconds=timeline.digest_after))
        await asyncio.to_thread(
            config.write_text, clinic_yaml(run.clinic, run.slot, run.checkins), "utf-8"
        )
        probe = Probe(sandbox.api_root, [chat_of(c) for c in range(PROBE_CLIENTS)])
        with (out / "bot.log").open("wb") as log:
            started, wall = time.perf_counter(), datetime.now(UTC)
            env = bot_env(url, config, sandbox.api_root, timeline)
            module = "bot.cli.main"
            if args.loop_watch:  # the same command, with a watchdog of the event loop
                module, env[LOOP_WATCH] = "bench.loop_watch", str(out / "loop-stalls.jsonl")
            process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", module, "run"),
                env=env,
                stdout=log,
                stderr=log,
            )
            probing = asyncio.create_task(probe.run(started))
            try:
                await script(run, process, url, config, started, wall, args)
            finally:
                probe.stop()
                if process.returncode is None:
                    run.peak_rss_mib = await asyncio.to_thread(peak_rss, process.pid)
                run.exit_seconds = await stop(process)
                await probing
        run.samples = sorted(probe.samples, key=lambda s: s.sent)


def peak_rss(pid: int) -> tuple[float, float]:
    """The peak RSS (MiB) of the bot's process and of the processes it started (the
    drawing process)."""
    drawing = sum(peak_rss_kib(child) for child in children(pid))
    return round(peak_rss_kib(pid) / 1024, 1), round(drawing / 1024, 1)


async def script(
    run: Run,
    process: asyncio.subprocess.Process,
    url: str,
    config: Path,
    started: float,
    wall: datetime,
    args: argparse.Namespace,
) -> None:
    """The timeline: the edit, the planning job, the digest round; sets ``run.windows``."""
    timeline: Timeline = args.timeline
    run.windows["startup"] = (0.0, timeline.startup)
    if "edit" in args.phases:
        await until(started, timeline.edit_at)
        await asyncio.to_thread(edit_session, config, run.clinic.clients - 1)
        run.windows["edit"] = (timeline.edit_at, timeline.edit_at + timeline.tick + 60)
    if "plan" in args.phases:
        run.windows["plan"] = (timeline.plan_seconds, timeline.plan_seconds + 60)
    slot = (run.slot - wall).total_seconds()
    last = max(end for _, end in run.windows.values())
    if "digest" in args.phases:
        await until(started, slot)
        end = await digest_round(run, process, url, started, slot + timeline.digest_max)
        run.windows["digest"] = (slot, end + timeline.tick)
        last = end + timeline.tick
    await until(started, last + timeline.tail)
    if process.returncode is not None:
        raise RuntimeError(f"alliance run exited with {process.returncode}")


async def digest_round(
    run: Run, process: asyncio.subprocess.Process, url: str, started: float, deadline: float
) -> float:
    """Wait until every digest and due check-in was sent (or ``deadline``); returns when."""
    key = period_key(run)
    while True:
        now = time.perf_counter() - started
        run.progress = await asyncio.to_thread(progress, url, run.slot, key)
        done = run.progress.digests_sent >= run.clinic.therapists
        if done and run.progress.checkins_sent >= len(run.checkins):
            return now
        if now >= deadline or process.returncode is not None:
            return now
        await asyncio.sleep(5)


def period_key(run: Run) -> str:
    """The digest slot's ISO week in the clinic's zone, as ``digest_period_key`` says it."""
    local = run.slot.astimezone(run.clinic.tz).date().isocalendar()
    return f"{local.year}-W{local.week:02d}"


async def stop(process: asyncio.subprocess.Process) -> float:
    """SIGTERM, then the seconds until it exited (killed after ``EXIT_TIMEOUT``)."""
    if process.returncode is not None:
        return 0.0
    asked = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), EXIT_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
    return round(time.perf_counter() - asked, 1)


def measure(kind: str, clients: int, args: argparse.Namespace) -> Run:
    """Seed one database and probe one run of the bot on it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = args.results / f"stalls-{kind}-{clients}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    keep = Path(tempfile.gettempdir()) / "alliance-stalls" if args.keep else None
    with (
        tempfile.TemporaryDirectory() as temp,
        seeded_database(kind, clients, Path(temp), keep, args.postgresql_url) as (url, clinic),
    ):
        started = time.perf_counter()
        run = Run(kind, clinic, checkin_clients(clinic, args.checkins), datetime.now(UTC))
        asyncio.run(probe_run(run, url, Path(temp), out, args))
        if "digest" in args.phases:  # the check-ins' final send times, the bot stopped
            run.progress = progress(url, run.slot, period_key(run))
        print(f"  probed for {time.perf_counter() - started:.0f} s", flush=True)
    report(run, out)
    return run


def main() -> None:
    """Probe every database and size asked for; print the phases' latencies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1_000])
    parser.add_argument(
        "--database", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"]
    )
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--checkins", type=int, default=1_000, help="due at the digest slot")
    parser.add_argument("--keep", action="store_true", help="reuse a seeded database")
    parser.add_argument("--no-rate-limits", dest="rate_limits", action="store_false")
    parser.add_argument("--tick-seconds", type=float, default=Timeline.tick)
    parser.add_argument("--digest-minutes", type=float, default=Timeline.digest_max / 60)
    parser.add_argument("--digest-after", type=float, default=Timeline.digest_after)
    parser.add_argument(
        "--loop-watch", action="store_true", help="log what holds the bot's event loop"
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--postgresql-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_stalls",
        help="a database the benchmark may create and drop",
    )
    args = parser.parse_args()
    args.timeline = Timeline(
        plan_seconds=Timeline.plan_seconds if "plan" in args.phases else 3600.0,
        tick=args.tick_seconds,
        digest_max=args.digest_minutes * 60,
        digest_after=args.digest_after,
    )
    for kind in args.database:
        for clients in sorted(args.clients):
            print(f"{kind}, {clients:,} clients:", flush=True)
            measure(kind, clients, args)


if __name__ == "__main__":
    main()
