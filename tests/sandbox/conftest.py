"""Fixtures for the Bot API sandbox tests: a running sandbox, a PTB client, a polling app."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, SimUser

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
RequestFactory = Callable[..., HTTPXRequest]

# Building an SSL context per HTTP client costs ~60 ms; the sandbox is plain HTTP anyway.
_TLS = ssl.create_default_context()


def _request(read_timeout: float = 5.0) -> HTTPXRequest:
    return HTTPXRequest(read_timeout=read_timeout, httpx_kwargs={"verify": _TLS})


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods (e.g. RetryAfter.retry_after), as PTB 23 will do."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def make_request() -> RequestFactory:
    """Build PTB HTTP requests quickly (optionally with a short read timeout)."""
    return _request


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    """A sandbox serving on a free local port."""
    async with BotApiSandbox() as running:
        yield running


@pytest.fixture
async def bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    """The real PTB client talking to the sandbox over HTTP."""
    client = Bot(
        sandbox.token,
        base_url=sandbox.base_url,
        request=_request(),
        get_updates_request=_request(),
    )
    async with client:
        yield client


@pytest.fixture
def user(sandbox: BotApiSandbox) -> SimUser:
    """A simulated user with a private chat."""
    return sandbox.user(1001, "Ada")


@pytest.fixture
async def app(sandbox: BotApiSandbox) -> AsyncIterator[AnyApplication]:
    """A PTB application long-polling the sandbox; tests add their handlers to it."""
    application = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .request(_request())
        .get_updates_request(_request(read_timeout=15.0))
        .build()
    )
    assert application.updater is not None
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0)
        yield application
        await application.updater.stop()
        await application.stop()
