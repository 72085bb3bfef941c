"""A local emulator of the Telegram Bot API, with simulated users and fault injection.

Start `BotApiSandbox`, point the bot at `sandbox.api_root` (PTB: `base_url=sandbox.base_url`),
then drive it through `sandbox.user(id)`. Bots may poll (getUpdates) or call setWebhook with
a loopback URL, to which the sandbox POSTs updates. Run `python -m sandbox --help` for the
standalone server and its JSON control API.
"""

from sandbox.errors import ApiError, SandboxTimeoutError
from sandbox.faults import SandboxStats
from sandbox.models import CallbackAnswer, SandboxMessage
from sandbox.server import BotApiSandbox
from sandbox.users import SimUser

__all__ = [
    "ApiError",
    "BotApiSandbox",
    "CallbackAnswer",
    "SandboxMessage",
    "SandboxStats",
    "SandboxTimeoutError",
    "SimUser",
]
