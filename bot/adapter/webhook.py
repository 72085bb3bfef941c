"""``alliance run --webhook``: Telegram's posts, received by a small aiohttp app in the bot's
event loop, and the bot's lifecycle around it.

PTB's own receiver (``run_webhook``, tornado) buffers a body of up to 100 MiB before it looks
at the secret and compares the secret with ``!=``. This one judges a request by its headers
before it reads a byte of the body:

1. a ``Content-Length`` over ``MAX_BODY``: 413;
2. a missing or wrong ``X-Telegram-Bot-Api-Secret-Token`` (compared in constant time): 403;
3. a body sent without a length is read up to ``MAX_BODY`` and refused with 413 past it;
4. a body that is not a JSON update: 400.

A refused request's connection is closed rather than drained, so an unread body is never
read. An accepted update goes on PTB's update queue, as PTB's receiver does, and the answer
is 200 at once: the handlers run afterwards, and Telegram does not wait for them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.adapter.application import ALLOWED_UPDATES, App

log = logging.getLogger(__name__)

#: The largest body accepted. A Telegram update is a few KiB (text is at most 4096 characters).
MAX_BODY = 1024 * 1024
#: The header Telegram repeats the ``secret_token`` of ``setWebhook`` in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
#: The signals that stop the bot, as with ``run_polling``.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class WebhookReceiver:
    """Accepts updates posted to ``path`` with the secret; started and stopped with the bot."""

    def __init__(self, application: App, path: str, secret: str) -> None:
        self._application = application
        self._secret = secret.encode()
        self._runner: web.AppRunner | None = None
        app = web.Application(client_max_size=MAX_BODY)
        path = "/" + path.strip("/")
        app.router.add_post(path, self._receive)
        if path != "/":
            app.router.add_post(path + "/", self._receive)
        self._app = app

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (port 0: any free port); returns the port bound."""
        # lingering_time=0: a refused request's unread body is not drained, the connection
        # is closed instead.
        self._runner = web.AppRunner(self._app, access_log=None, lingering_time=0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = int(self._runner.addresses[0][1])
        log.info("webhook receiver listening", extra={"host": host, "port": bound})
        return bound

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return _refuse(web.HTTPRequestEntityTooLarge.status_code)
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(web.HTTPForbidden.status_code)
        try:
            body = await request.read()  # raises past client_max_size
        except web.HTTPRequestEntityTooLarge:
            return _refuse(web.HTTPRequestEntityTooLarge.status_code)
        update = self._decode(body)
        if update is None:
            return _refuse(web.HTTPBadRequest.status_code)
        await self._application.update_queue.put(update)
        return web.Response()

    def _decode(self, body: bytes) -> Update | None:
        """The update in ``body``, or None when it is not one (logged without its content)."""
        try:
            update = Update.de_json(json.loads(body), self._application.bot)
        except Exception as error:  # whatever the JSON held: PTB's parser has no error type
            log.warning("webhook update not readable", extra={"error": type(error).__name__})
            return None
        return update


def _refuse(status: int) -> web.Response:
    """An empty answer with ``status`` that closes the connection."""
    log.info("webhook request refused", extra={"status": status})
    response = web.Response(status=status)
    response.force_close()
    return response


async def serve(
    application: App,
    *,
    url: str,
    secret: str,
    listen: str,
    port: int,
    on_stop: Callable[[], object] | None = None,
) -> None:
    """Run the bot by webhook until SIGINT or SIGTERM, in the order ``run_webhook`` keeps;
    ``on_stop`` runs at the signal, before anything stops (the tick claims nothing more).

    Start: initialize, ``post_init``, listen, ``setWebhook`` (with the secret and the allowed
    updates, never dropping pending updates: answers given while the bot was down must count),
    start the handlers and jobs. Stop: the same, backwards, with ``post_stop`` and
    ``post_shutdown``. The webhook stays set, so Telegram keeps updates until a worker is back.
    """
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, _on_signal, stopping, on_stop)
    receiver = WebhookReceiver(application, urlsplit(url).path, secret)
    try:
        async with application:  # initialize ... shutdown
            try:
                if application.post_init is not None:
                    await application.post_init(application)
                await receiver.start(listen, port)
                await application.bot.set_webhook(
                    url,
                    secret_token=secret,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
                await application.start()
                await stopping.wait()
                log.info("stopping")
            finally:
                await receiver.stop()
                await _stop(application)
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def _on_signal(stopping: asyncio.Event, on_stop: Callable[[], object] | None) -> None:
    if on_stop is not None and not stopping.is_set():
        on_stop()
    stopping.set()


async def _stop(application: App) -> None:
    """Stop the handlers and jobs if they run, then ``post_stop``."""
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
