"""When a handler fails inside, the person still gets an answer: no spinning tap, no silence."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import Clinic

TRY_AGAIN = "Something went wrong on our side. Please try again in a moment."


class DatabaseDownError(Exception):
    """What a handler meets when the database goes away mid-update."""


def _fail(*_args: object, **_kwargs: object) -> None:
    raise DatabaseDownError


async def test_a_tap_whose_handler_fails_is_answered_with_please_try_again(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = clinic.sandbox.user(1001)
    request = await clinic.enrol(client, "C101", consent=False)
    monkeypatch.setattr(clinic.services.people, "decide_consent", _fail)

    with caplog.at_level(logging.ERROR):
        answer = await client.tap(request, text="I agree")

    assert answer.text == TRY_AGAIN
    assert any(r.__dict__.get("error") == "DatabaseDownError" for r in caplog.records)


async def test_a_command_whose_handler_fails_gets_please_try_again(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    monkeypatch.setattr(clinic.services.client_data, "copy", _fail)

    await client.send_command("mydata")

    apology = await client.wait_for_message(lambda m: m.text == TRY_AGAIN)
    assert apology.protect_content
