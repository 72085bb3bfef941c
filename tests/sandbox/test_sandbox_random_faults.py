"""A share of calls failing at random, repeatably for a seed, until the faults are cleared."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot
from telegram.error import NetworkError

from sandbox import BotApiSandbox, SimUser
from sandbox.errors import ApiError
from sandbox.faults import Faults


def _pattern(seed: int, calls: int = 200) -> list[bool]:
    faults = Faults()
    faults.fail_randomly("sendMessage", ApiError(502, "Bad Gateway"), 0.15, seed)
    return [faults.next_failure("sendMessage") is not None for _ in range(calls)]


def test_about_the_given_share_of_calls_fails_the_same_way_for_the_same_seed() -> None:
    failed = _pattern(seed=3)

    assert 15 <= sum(failed) <= 50  # 15 % of 200 is 30
    assert _pattern(seed=3) == failed
    assert _pattern(seed=4) != failed


def test_a_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        Faults().fail_randomly("sendMessage", ApiError(502, "Bad Gateway"), 1.5, 0)


async def test_random_failures_reach_the_client_and_end_when_cleared(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_randomly(["sendMessage", "editMessageText"], error_code=502, fraction=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "lost")

    sandbox.clear_faults()
    await bot.send_message(user.id, "delivered")

    assert [m.text for m in user.messages()] == ["delivered"]
    assert sandbox.stats.errors[502] == 1


async def test_the_control_api_sets_and_clears_random_failures(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    body = {"method": "sendMessage", "error_code": 500, "fraction": 1.0, "seed": 2}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.api_root}/sandbox/fail", json=body) as response:
            assert response.status == 200
        with pytest.raises(NetworkError):
            await bot.send_message(user.id, "lost")
        async with http.post(f"{sandbox.api_root}/sandbox/clear") as response:
            assert response.status == 200

    await bot.send_message(user.id, "delivered")
    assert [m.text for m in user.messages()] == ["delivered"]
