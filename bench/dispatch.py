"""Dispatch throughput: due check-ins sent per second through the whole path.

The whole path is claim (database), render, send (real PTB bot over HTTP to the local
sandbox, no rate limit) and record. It is compared, in the same run, with a bare PTB
``send_message`` loop sending the same message to the same sandbox. Target: ratio >= 0.8.

    .venv/bin/python -m bench.dispatch [--checkins 1000] [--runs 5] [--database-url URL]
    .venv/bin/python -m bench.dispatch --rate-limited --checkins 2000 --runs 1

The sandbox runs as a separate process (``python -m sandbox``), as Telegram would be, so
that the bot's and the server's work do not share one event loop. With ``--rate-limited``
the sandbox enforces Telegram's limits, the bot uses its production rate limiter, and the
result is the achieved rate as a share of 30 messages a second, with the 429s counted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update
from telegram import Bot
from telegram.constants import ParseMode
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bench.sandbox_process import TOKEN, Server
from bench.seed import FIRST_CHAT, clinic, seed_due_checkins
from bot.adapter.ratelimit import ChatSpacedRateLimiter
from bot.adapter.rounds import tick
from bot.adapter.views import View, checkin_view
from bot.process.services import Services
from core.clock import FixedClock
from scheduler.sending import SENDS_AT_ONCE
from storage.database import Database
from storage.tables import Base, CheckinRow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _bot(sandbox: Server, limited: bool = False) -> Bot:
    request = HTTPXRequest(connection_pool_size=SENDS_AT_ONCE + 8, read_timeout=30)
    if limited:
        return ExtBot(
            TOKEN,
            base_url=f"{sandbox.api_root}/bot",
            request=request,
            rate_limiter=ChatSpacedRateLimiter(),
        )
    return Bot(TOKEN, base_url=f"{sandbox.api_root}/bot", request=request)


async def bare_loop(sandbox: Server, view: View, chats: range) -> float:
    """Seconds for a plain loop of ``send_message`` with the check-in's text and keyboard."""
    async with _bot(sandbox) as bot:
        started = time.perf_counter()
        for chat in chats:
            await bot.send_message(
                chat,
                view.text,
                parse_mode=ParseMode.HTML,
                reply_markup=view.markup,
                protect_content=True,
            )
        return time.perf_counter() - started


async def full_path(sandbox: Server, services: Services, due: int, limited: bool = False) -> float:
    """Seconds to send the ``due`` check-ins due now through the bot's own tick.

    The tick is the one ``alliance run`` repeats: check-ins with the clinic's timing
    policy and Prometheus metrics, reminders, digests and briefs, the queue-depth gauge.
    """
    async with _bot(sandbox, limited) as bot:
        sent = 0
        started = time.perf_counter()
        while sent < due:
            report = await tick(bot, services)
            if not report.sent:
                raise RuntimeError(f"a tick sent nothing with {due - sent} check-ins still due")
            sent += report.sent
        return time.perf_counter() - started


def _stagger(database: Database, rounds: int, count: int) -> None:
    """Make the seeded check-ins fall due in ``rounds`` groups, a minute apart."""
    size = -(-count // rounds)
    with database.transaction() as s:
        for r in range(rounds):
            s.execute(
                update(CheckinRow)
                .where(CheckinRow.id > r * size, CheckinRow.id <= (r + 1) * size)
                .values(due_at=NOW + timedelta(minutes=r))
            )


def _sample_view(services: Services) -> View:
    """The first check-in's message, as the whole path renders it."""
    with services.database.transaction() as s:
        token = s.scalar(select(CheckinRow.token).limit(1))
    sample = services.checkins.by_token(token or "")
    assert sample is not None
    questionnaire = services.questionnaire_of(sample)
    assert questionnaire is not None
    return checkin_view(sample, questionnaire, 0, services.crisis("en"))


async def one_run(
    count: int, database_url: str | None, limited: bool, rounds: int = 1
) -> tuple[float, float, int]:
    """Rates (messages per second) of the bare loop and of the whole path, in one run, and
    the 429s the sandbox answered. Rate-limited runs skip the bare loop (rate 0).

    With several ``rounds`` the two alternate, a share of the check-ins each time, so that
    a change in the machine's load weighs on both alike.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        database = Database.connect(url)
        try:
            seed_due_checkins(database, count, NOW)
            _stagger(database, rounds, count)
            clock = FixedClock(NOW)
            services = Services(config=clinic(count), database=database, clock=clock)
            view = _sample_view(services)
            size = -(-count // rounds)
            bare = full = 0.0
            async with Server(limited) as sandbox:
                await sandbox.add_users(count)
                for r in range(rounds):
                    chats = range(FIRST_CHAT + r * size, FIRST_CHAT + min(count, (r + 1) * size))
                    if not limited:
                        bare += await bare_loop(sandbox, view, chats)
                    clock.set(NOW + timedelta(minutes=r))
                    full += await full_path(sandbox, services, len(chats), limited)
                stats = await sandbox.stats()
            return (0.0 if limited else count / bare), count / full, int(stats["rate_limited"])
        finally:
            _drop(database, database_url is not None)
            database.close()


def _drop(database: Database, shared: bool) -> None:
    if shared:
        Base.metadata.drop_all(database.engine)
        with database.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def main() -> None:
    """Run the benchmark and print a result row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rate-limited", action="store_true")
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternate bare loop and whole path this often"
    )
    args = parser.parse_args()
    if args.rate_limited:
        rates, limited = [], 0
        for _ in range(args.runs):
            _, full, too_many = asyncio.run(one_run(args.checkins, args.database_url, True))
            rates.append(full)
            limited += too_many
            print(f"run: {full:.1f}/s = {full / 30:.1%} of 30/s, {too_many} x 429")
        rate = statistics.median(rates)
        print(
            f"median over {args.runs} runs of {args.checkins}: {rate:.1f}/s = {rate / 30:.1%} "
            f"of 30/s; 429s in all runs: {limited}"
        )
        return
    bare_rates, full_rates, ratios = [], [], []
    for _ in range(args.runs):
        bare, full, _ = asyncio.run(one_run(args.checkins, args.database_url, False, args.rounds))
        bare_rates.append(bare)
        full_rates.append(full)
        ratios.append(full / bare)
        print(f"run: bare {bare:7.1f}/s  whole path {full:7.1f}/s  ratio {full / bare:.2f}")
    print(
        f"median over {args.runs} runs of {args.checkins}: "
        f"bare {statistics.median(bare_rates):.1f}/s, "
        f"whole path {statistics.median(full_rates):.1f}/s, ratio {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
