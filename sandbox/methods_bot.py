"""Bot API methods about the bot itself: getMe, updates, webhook, commands, close."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.webhook import read_allowed_updates, read_webhook

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMANDS = 100


async def get_me(state: SandboxState, params: Params) -> object:
    """getMe: the sandbox bot's User object."""
    return state.bot_user | {
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: SandboxState, params: Params) -> object:
    """getUpdates: long polling honouring offset, limit and timeout."""
    limit = min(max(params.get_int("limit") or 100, 1), 100)
    timeout = params.get_float("timeout") or 0.0
    return await state.updates.get(params.get_int("offset"), limit, timeout)


async def set_webhook(state: SandboxState, params: Params) -> object:
    """setWebhook: deliver updates to a loopback URL; an empty URL removes the webhook."""
    url = params.get_str("url") or ""
    webhook = read_webhook(params, url) if url else None
    allowed = read_allowed_updates(params)
    if allowed is not None:
        state.allowed_updates = allowed
    if params.get_bool("drop_pending_updates"):
        state.updates.clear()
    state.set_webhook(webhook)
    return True


async def delete_webhook(state: SandboxState, params: Params) -> object:
    """deleteWebhook: go back to getUpdates; may drop pending updates."""
    if params.get_bool("drop_pending_updates"):
        state.updates.clear()
    state.set_webhook(None)
    return True


async def get_webhook_info(state: SandboxState, params: Params) -> object:
    """getWebhookInfo: the webhook and its last error, or an empty URL when polling."""
    return state.webhook_info()


def _scope_key(params: Params) -> str:
    scope = params.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True) + "|" + (params.get_str("language_code") or "")


def _check_command(command: object) -> dict[str, Any]:
    if not isinstance(command, dict):
        raise bad_request("can't parse BotCommand JSON object")
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not _COMMAND.fullmatch(name):
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": name, "description": description}


async def set_my_commands(state: SandboxState, params: Params) -> object:
    """setMyCommands: store up to 100 commands per scope and language."""
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    state.commands[_scope_key(params)] = [_check_command(command) for command in commands]
    return True


async def get_my_commands(state: SandboxState, params: Params) -> object:
    """getMyCommands: the list stored for exactly this scope and language."""
    return state.commands.get(_scope_key(params), [])


async def delete_my_commands(state: SandboxState, params: Params) -> object:
    """deleteMyCommands: forget the list of this scope and language."""
    state.commands.pop(_scope_key(params), None)
    return True


async def accept(state: SandboxState, params: Params) -> object:
    """close and logOut: nothing to do in the sandbox."""
    return True
