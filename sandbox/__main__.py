"""Run the Bot API sandbox as a standalone server until Ctrl-C.

    python -m sandbox --port 8081 [--host 127.0.0.1] [--token T] [--username U] [--rate-limits]

The first line printed is the API root; configure the bot with `{root}/bot` as base URL.
Separate processes (benchmarks, demos) drive simulated users through the JSON control
API under `/sandbox/`, described in `sandbox/control.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from sandbox import control
from sandbox.server import BotApiSandbox


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run the Telegram Bot API sandbox.",
        epilog=control.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--username", default="alliance_sandbox_bot")
    parser.add_argument("--rate-limits", action="store_true", help="answer 429 like Telegram")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Serve until cancelled."""
    sandbox = BotApiSandbox(args.token, args.username, enforce_rate_limits=args.rate_limits)
    await sandbox.start(args.host, args.port)
    try:
        print(sandbox.api_root, flush=True)
        print(f"Bot API sandbox: base URL {sandbox.base_url}; Ctrl-C stops", file=sys.stderr)
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m sandbox`."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(_parse(argv)))


if __name__ == "__main__":
    main()
