"""Property tests through the real application: no input crashes a handler or changes data.

Each example goes over HTTP through the sandbox to the running bot, so the numbers of
examples are kept small; together they still cover forged and malformed buttons, odd
and huge text, and unknown commands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox import SandboxMessage
from storage.tables import AnswerRow, ConsentRow, NoteRow
from tests.e2e.conftest import Clinic

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: Derandomized and without shrinking: each example waits on a live bot, so a failure
#: must not start a long shrink, and CI must see the same examples as a developer.
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
odd_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=300
) | st.sampled_from(["<b>", "&", "</i>", "\u0000", "\u202e", "💥" * 1000, "x" * 4096])


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Every ERROR record logged while the test runs (an unhandled handler error is one)."""
    with caplog.at_level(logging.ERROR):
        yield caplog.records


def _counts(clinic: Clinic) -> tuple[int, int, int]:
    with clinic.services.database.transaction() as s:
        return (
            s.scalar(select(func.count()).select_from(AnswerRow)) or 0,
            s.scalar(select(func.count()).select_from(NoteRow)) or 0,
            s.scalar(select(func.count()).select_from(ConsentRow)) or 0,
        )


async def _open_checkin(clinic: Clinic) -> SandboxMessage:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    return client.last_message()


async def _prepared(clinic: Clinic) -> tuple[SandboxMessage, tuple[int, int, int]]:
    """Open one check-in the first time a test's clinic is seen (examples share the bot)."""
    if "prepared" not in clinic.notes:
        checkin = await _open_checkin(clinic)
        clinic.notes["prepared"] = (checkin, _counts(clinic))
    prepared: tuple[SandboxMessage, tuple[int, int, int]] = clinic.notes["prepared"]
    return prepared


FORGED = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64),
    st.builds("c:{}:{}:{}".format, st.just("TOKEN"), st.integers(1, 99), st.integers(0, 99)),
    st.builds("c:TOKEN:0:{}".format, st.sampled_from(["11", "99", "y", "n", "-1", "", "٣"])),
    st.builds("c:{}:0:5".format, st.text("abcXYZ019_-", min_size=1, max_size=16)),
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@SETTINGS
@given(data=FORGED)
async def test_forged_callback_data_is_answered_and_changes_nothing(
    clinic: Clinic, errors: list[logging.LogRecord], data: str
) -> None:
    checkin, before = await _prepared(clinic)
    token = checkin.buttons[0]["callback_data"].split(":")[1]

    answer = await clinic.sandbox.user(1001).tap_raw(checkin, data.replace("TOKEN", token))

    assert answer.text
    assert _counts(clinic) == before
    assert errors == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@SETTINGS
@given(text=odd_text, command=st.booleans())
async def test_odd_text_from_strangers_and_clients_never_breaks_the_bot(
    clinic: Clinic, errors: list[logging.LogRecord], text: str, command: bool
) -> None:
    _, before = await _prepared(clinic)

    for user in (clinic.sandbox.user(1001), clinic.sandbox.user(6003)):
        if command:
            await user.send_command(text.split()[0][:30] if text.split() else "x", text[:60])
        else:
            await user.send_text(text)
        reply = await user.wait_for_message(timeout=5)
        assert reply.text

    assert _counts(clinic) == before  # the check-in is at its first question: no note yet
    assert clinic.services.people.by_chat(6003) is None
    assert errors == []
