"""``alliance invite`` against a server that answers getMe with garbage: one clear line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli.main import main

GARBAGE = [
    b"not json at all",
    b"[1, 2]",
    b'{"ok": true, "result": "a string"}',
    b'{"ok": true, "result": {"id": 1}}',
    b'{"ok": true}',
    b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "x", "username": 5}}',
]

CLINIC_FILE = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "In an emergency call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
"""


@pytest.fixture(params=GARBAGE, ids=range(len(GARBAGE)))
async def garbage_api(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A local HTTP server answering every Bot API call with one kind of garbage."""
    body: bytes = request.param

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_garbage_getme_reply_is_one_clear_error_without_a_traceback(
    garbage_api: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "clinic.yaml"
    config.write_text(CLINIC_FILE, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_BOT_TOKEN", "123:GARBAGE")
    monkeypatch.setenv("ALLIANCE_TELEGRAM_API_URL", garbage_api)
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(config))
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'alliance.db'}")

    status = await _in_thread(["invite", "C101"])

    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("alliance: ")
    assert garbage_api in lines[0]


async def _in_thread(argv: list[str]) -> int:
    """Run the command (which runs its own event loop) beside this test's loop."""
    return await asyncio.to_thread(main, argv)
