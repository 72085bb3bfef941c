"""The background task that POSTs pending updates to the webhook, one at a time, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.webhook import SECRET_HEADER, Webhook, wanted

Execute = Callable[[str, Params], Awaitable[None]]
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0
DELIVERY_TIMEOUT = 10.0


class WebhookSender:
    """Delivers updates while a webhook is set; a 2xx answer confirms an update."""

    # Failures are retried after a backoff doubling from 0.05 s to 1 s. A 2xx answer may
    # carry a method call (`{"method": "answerCallbackQuery", ...}`), run via `execute`.

    def __init__(self, state: SandboxState, execute: Execute) -> None:
        self._state = state
        self._execute = execute
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start delivering in the background (idle while no webhook is set)."""
        if self._task is not None:
            raise RuntimeError("the webhook sender is already running")
        timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)
        session = aiohttp.ClientSession(timeout=timeout)
        self._session = session
        self._task = asyncio.create_task(self._run(session), name="sandbox-webhook-sender")

    async def stop(self) -> None:
        """Cancel the task, abandoning a delivery in flight (the update stays pending)."""
        task, self._task = self._task, None
        session, self._session = self._session, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if session is not None:
            await session.close()

    def _next(self) -> tuple[Webhook, dict[str, Any]] | None:
        webhook = self._state.webhook
        if webhook is None:
            return None
        for update in self._state.updates.pending():
            if wanted(update, self._state.allowed_updates):
                return webhook, update
            self._state.updates.remove(update["update_id"])
        return None

    async def _run(self, session: aiohttp.ClientSession) -> None:
        backoff = FIRST_BACKOFF
        while True:
            job = self._next()
            if job is None:
                await self._state.signal.changed()
                continue
            webhook, update = job
            error = await self._deliver(session, webhook, update)
            if error is None:
                self._state.updates.remove(update["update_id"])
                backoff = FIRST_BACKOFF
                continue
            webhook.record_error(error)
            self._state.signal.notify()
            if await self._pause(webhook, backoff):
                backoff = FIRST_BACKOFF
            else:
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _pause(self, webhook: Webhook, seconds: float) -> bool:
        """Wait before a retry; return True early if the webhook was replaced or removed."""

        def replaced() -> bool | None:
            return True if self._state.webhook is not webhook else None

        return await self._state.signal.wait_for(replaced, seconds) is not None

    async def _deliver(
        self, session: aiohttp.ClientSession, webhook: Webhook, update: dict[str, Any]
    ) -> str | None:
        """POST one update; return None when it was accepted, else the error message."""
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            # Loopback receivers with https use self-signed certificates: do not verify. Like
            # Telegram, do not follow redirects (they could lead off this machine).
            post = session.post(
                webhook.url, json=update, headers=headers, ssl=False, allow_redirects=False
            )
            async with post as got:
                if not 200 <= got.status < 300:
                    return f"Wrong response from the webhook: {got.status} {got.reason}"
                body = await got.read()
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, ConnectionRefusedError):
                return "Connection refused"
            return f"Connection failed: {error}"
        except aiohttp.ClientError as error:
            return f"Connection failed: {type(error).__name__}: {error}"
        try:
            await self._answer(body)
        except Exception as error:  # a sandbox bug must not end all deliveries
            webhook.record_error(f"sandbox failed to run the method in the answer: {error!r}")
        return None

    async def _answer(self, body: bytes) -> None:
        """Run a method call given in the webhook's answer, ignoring its result like Telegram."""
        try:
            reply = json.loads(body) if body.strip() else None
        except ValueError:
            return
        if not isinstance(reply, dict) or not isinstance(reply.get("method"), str):
            return
        method = reply.pop("method")
        await self._execute(method, Params(reply))
