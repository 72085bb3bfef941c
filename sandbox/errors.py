"""Bot API error replies and the exceptions the sandbox raises to its own callers."""

from __future__ import annotations

from typing import Any

BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly"
    " the same as a current content and reply markup of the message"
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """A Bot API failure, answered as `{"ok": false, "error_code": ..., ...}`."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON envelope Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Return a 400 error with Telegram's `Bad Request: ` prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return a 429 error carrying `parameters.retry_after`."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def make_error(code: int, description: str | None, retry_after: int | None) -> ApiError:
    """Build an injected error, filling in a Telegram-like description."""
    if code == 429:
        delay = 1 if retry_after is None else retry_after
        error = too_many_requests(delay)
        if description is not None:
            error.description = description
        return error
    text = description or DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
    params = None if retry_after is None else {"retry_after": retry_after}
    return ApiError(code, text, params)


class SandboxTimeoutError(TimeoutError):
    """A simulated user waited longer than its timeout for the bot."""
