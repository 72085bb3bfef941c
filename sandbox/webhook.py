"""Webhook settings: what setWebhook accepts and what getWebhookInfo reports."""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sandbox.errors import ApiError, bad_request
from sandbox.params import Params, Upload

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_MAX_CONNECTIONS = 40
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class Webhook:
    """The webhook set with setWebhook, and the last delivery error."""

    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None

    def record_error(self, message: str) -> None:
        """Remember a failed delivery for getWebhookInfo."""
        self.last_error_date = int(time.time())
        self.last_error_message = message

    def info(self, pending: int, allowed_updates: list[str]) -> dict[str, Any]:
        """Return the WebhookInfo JSON of this webhook."""
        body: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": self.has_custom_certificate,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
        }
        if self.ip_address is not None:
            body["ip_address"] = self.ip_address
        if allowed_updates:
            body["allowed_updates"] = allowed_updates
        if self.last_error_date is not None:
            body["last_error_date"] = self.last_error_date
            body["last_error_message"] = self.last_error_message
        return body


def bad_webhook(detail: str) -> ApiError:
    """Return Telegram's 400 error for a webhook it will not use."""
    return bad_request(f"bad webhook: {detail}")


def _loopback_ip(host: str) -> str | None:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return str(address) if address.is_loopback else None


def check_url(url: str) -> str:
    """Return the loopback IP a webhook URL points to, refusing any other URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        raise bad_webhook("Failed to parse webhook URL") from None
    if parts.scheme not in {"http", "https"}:
        raise bad_webhook("An HTTP or HTTPS URL must be provided for webhook")
    if not parts.hostname:
        raise bad_webhook("Failed to resolve host: the URL has no host")
    address = _loopback_ip(parts.hostname)
    if address is None:
        raise bad_webhook(
            "the sandbox delivers only to loopback hosts (localhost, 127.0.0.0/8, ::1),"
            f" not {parts.hostname}"
        )
    return address


def read_allowed_updates(params: Params) -> list[str] | None:
    """Read `allowed_updates`; None when the parameter was not given."""
    if not params.has("allowed_updates"):
        return None
    kinds = params.get_json("allowed_updates")
    if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
        raise bad_request("can't parse allowed_updates JSON array")
    return list(kinds)


def read_webhook(params: Params, url: str) -> Webhook:
    """Build the webhook a setWebhook call asks for, validating its parameters."""
    address = check_url(url)
    secret = params.get_str("secret_token") or None
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    ip_address = params.get_str("ip_address") or None
    if ip_address is not None and _loopback_ip(ip_address) is None:
        raise bad_webhook(f"the sandbox delivers only to loopback addresses, not {ip_address}")
    connections = params.get_int("max_connections") or DEFAULT_MAX_CONNECTIONS
    return Webhook(
        url,
        secret,
        min(max(connections, 1), 100),
        ip_address or address,
        isinstance(params.raw("certificate"), Upload),
    )


def wanted(update: dict[str, Any], allowed_updates: list[str]) -> bool:
    """Tell whether the bot subscribed to this update's kind (empty: the default kinds)."""
    kind = next(key for key in update if key != "update_id")
    return kind in allowed_updates if allowed_updates else kind not in NOT_BY_DEFAULT
