"""Strangers, odd messages and Telegram faults: polite answers, nothing lost or changed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.model import CheckinStatus, ClientStatus
from storage.tables import AnswerRow, CheckinRow, ConsentRow
from tests.e2e.conftest import Clinic

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


def _statuses(clinic: Clinic) -> list[str]:
    with clinic.services.database.transaction() as s:
        return list(s.scalars(select(CheckinRow.status).order_by(CheckinRow.id)))


async def test_stranger_tapping_a_forged_consent_button_changes_nothing(clinic: Clinic) -> None:
    stranger = clinic.sandbox.user(6001)
    await stranger.send_text("hello?")
    reply = await stranger.wait_for_message()

    answer = await stranger.tap_raw(reply, "k:y")

    assert answer.text == "This button no longer works."
    with clinic.services.database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ConsentRow)) == 0


async def test_huge_and_odd_messages_from_a_stranger_get_the_same_polite_answer(
    clinic: Clinic,
) -> None:
    stranger = clinic.sandbox.user(6002)

    await stranger.send_text("<b>" * 1000 + "&" + "\u202e" + "💥" * 500)
    await stranger.send_command("start", "x" * 64)
    await stranger.send_command("doesnotexist")

    for _ in range(3):
        reply = await stranger.wait_for_message()
        assert "invite link" in (reply.text or "")
    assert clinic.services.people.by_chat(6002) is None


async def test_enrolled_client_writing_outside_a_checkin_learns_nobody_reads_it(
    clinic: Clinic,
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")

    await client.send_text("Are you there?")
    reply = await client.wait_for_message(lambda m: "real time" in (m.text or ""))

    assert "112" in (reply.text or "")


async def test_declined_consent_sends_nothing_until_the_client_agrees(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    request = await clinic.enrol(client, "C101", consent=False)
    await client.tap(request, text="No, thank you")
    clinic.plan()
    clinic.clock.set(DUE)

    assert (await clinic.tick()).sent == 0
    record = clinic.services.people.client("C101")
    assert record is not None
    assert record.status is ClientStatus.DECLINED

    await client.send_command("start")
    again = await client.wait_for_message(lambda m: "I agree" in m.button_labels)
    await client.tap(again, text="I agree")
    assert (await clinic.tick()).sent == 1


async def test_a_flood_wait_holds_sends_to_every_chat_so_only_one_429_comes_back(
    clinic: Clinic,
) -> None:
    first, second = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(first, "C101")
    await clinic.enrol(second, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    # For the next 1.5 s Telegram answers every send with 429 (retry after 2 s).
    clinic.sandbox.fail_next("sendMessage", error_code=429, seconds=1.5)

    started = time.monotonic()
    report = await clinic.tick()

    assert (report.retried, report.sent) == (1, 1)  # the other chat's send waited it out
    assert time.monotonic() - started >= 1.5
    assert clinic.sandbox.stats.too_many_requests == 1
    later = await clinic.advance(timedelta(minutes=1))  # the refused one, after its backoff
    assert later.sent == 1
    assert clinic.sandbox.stats.too_many_requests == 1
    for user in (first, second):
        assert "question 1 of 4" in (user.last_message().text or "")


async def test_a_long_flood_wait_is_kept_without_asking_telegram_again(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    clinic.sandbox.fail_next("sendMessage", error_code=429, retry_after=120)
    sends_before = clinic.sandbox.stats.calls["sendMessage"]

    first = await clinic.tick()
    soon = await clinic.advance(timedelta(seconds=60))
    # The clock here jumps; Telegram's flood wait runs in real time and is still on, so the
    # send is refused in the bot without another request, and rescheduled, not dropped.
    later = await clinic.advance(timedelta(seconds=90))

    assert (first.retried, first.sent) == (1, 0)
    assert soon.sent == 0  # retry_after is honoured by the schedule
    assert (later.retried, later.sent) == (1, 0)
    assert clinic.sandbox.stats.calls["sendMessage"] == sends_before + 1
    assert clinic.sandbox.stats.too_many_requests == 1
    assert _statuses(clinic)[0] == CheckinStatus.PLANNED


async def test_server_errors_and_timeouts_are_retried_until_delivered(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    clinic.sandbox.fail_next("sendMessage", error_code=502, times=3)

    sent = 0
    for _ in range(6):
        sent += (await clinic.advance(timedelta(minutes=5))).sent

    assert sent == 1
    assert _statuses(clinic)[0] == CheckinStatus.OPEN


async def test_client_who_blocked_the_bot_gets_the_checkin_after_coming_back(
    clinic: Clinic,
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    client.block_bot()

    blocked = await clinic.tick()
    assert blocked.unreachable == 1
    record = clinic.services.people.client("C101")
    assert record is not None
    assert record.status is ClientStatus.UNREACHABLE
    assert (await clinic.advance(timedelta(hours=1))).sent == 0

    client.unblock_bot()
    await client.send_command("start")
    await client.wait_for_message(lambda m: "already taking part" in (m.text or ""))
    returned = await clinic.advance(timedelta(hours=1))

    assert returned.sent == 1
    with clinic.services.database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AnswerRow)) == 0
