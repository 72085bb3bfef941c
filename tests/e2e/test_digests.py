"""Therapists get their weekly digest, briefs before sessions, and answers to their commands.

The real PTB application polls the sandbox; a FixedClock stands in for the passing week.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest

from core.clinic import ClinicConfig
from sandbox import SandboxMessage, SimUser
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic

#: Wednesday 25 November 2026, 15:50 Berlin: Tuesday's check-ins are due.
CHECKINS_DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: Monday 30 November 2026, 08:00 Berlin: the default digest time.
DIGEST_TIME = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
#: Tuesday 1 December 2026, 14:00 Berlin: an hour before C101's 15:00 session.
BRIEF_TIME = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
NOTE = "I felt rushed <at the end> & want to talk about it 😬 </blockquote>"
PRIVATE = "something only for me"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def config() -> ClinicConfig:
    """T01 with C101 (weekly, Tuesdays 15:00) and C102; T02 with C201."""
    return two_therapists()


def two_therapists() -> ClinicConfig:
    """The test clinic with a second therapist, T02, whose client C201 meets on Tuesdays."""
    data = clinic_config().model_dump()
    data["therapists"].append({"code": "T02", "display_name": "Sam Okafor"})
    data["clients"].append(
        {
            "code": "C201",
            "therapist": "T02",
            "sessions": {"weekly": [{"day": "tuesday", "time": "15:00"}]},
        }
    )
    return ClinicConfig.model_validate(data)


async def week_of_checkins(clinic: Clinic) -> dict[str, SimUser]:
    """Everyone enrolled; C101 answers low and shares a note, C102 keeps a note private."""
    people = {code: clinic.sandbox.user(n) for n, code in [(3001, "T01"), (3002, "T02")]}
    await clinic.enrol_therapist(people["T01"], "T01")
    await clinic.enrol_therapist(people["T02"], "T02")
    for n, code in [(1001, "C101"), (1002, "C102"), (2001, "C201")]:
        people[code] = clinic.sandbox.user(n)
        await clinic.enrol(people[code], code)
        await people[code].wait_for_message(lambda m: "first check-in" in (m.text or ""))
    clinic.plan()
    clinic.clock.set(CHECKINS_DUE)
    assert (await clinic.tick()).sent == 3
    await clinic.answer(people["C101"], ["8", "3", "Skip", "9"], NOTE)
    await clinic.answer(people["C102"], ["9", "9", "9", "9"], PRIVATE, "Keep it private")
    await clinic.answer(people["C201"], ["2", "2", "2", "2"], "T02's client wrote this")
    return people


def texts(user: SimUser) -> str:
    """Everything the bot has written to a user, as they see it."""
    return "\n".join(m.text or m.caption or "" for m in user.messages())


def png_size(message: SandboxMessage) -> tuple[int, int]:
    """Width and height of a photo the bot sent."""
    data = message.file_bytes or b""
    assert data.startswith(PNG)
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


async def test_weekly_digest_lists_own_clients_with_shared_words_only(clinic: Clinic) -> None:
    people = await week_of_checkins(clinic)
    therapist = people["T01"]
    before = len(therapist.messages())

    clinic.clock.set(DIGEST_TIME - timedelta(minutes=1))
    assert (await clinic.tick()).digests == 0
    clinic.clock.set(DIGEST_TIME)
    report = await clinic.tick()

    assert report.digests == 2  # one for each therapist
    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    text = digest.text or ""
    assert digest.protect_content
    assert text.index("NEEDS ATTENTION") < text.index("C101") < text.index("STABLE")
    assert text.index("STABLE") < text.index("C102")
    assert "Low answer: Goals 3." in text
    assert "Next step:" in text
    assert NOTE in text
    assert "In the client's words" in text
    assert PRIVATE not in texts(therapist)
    assert "C201" not in texts(therapist)
    assert "T02's client" not in texts(therapist)
    assert "Flagged this week: 1 of 2 clients taking part (50%)" in text
    assert digest.button_labels == ["✓ Discussed: C101, Wed 25 Nov"]
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    assert chart.protect_content
    width, height = png_size(chart)
    assert width >= 1000
    assert 300 <= height <= 2600
    other = texts(people["T02"])
    assert "C201" in other
    assert "T02's client wrote this" in other
    assert "C101" not in other
    assert len(therapist.messages()) == before + 2


async def test_the_weekly_digest_is_sent_once_and_only_the_latest_after_downtime(
    clinic: Clinic,
) -> None:
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist, "T01")
    clinic.clock.set(DIGEST_TIME)
    assert (await clinic.tick()).digests == 1
    assert (await clinic.tick()).digests == 0
    assert (await clinic.advance(timedelta(hours=6))).digests == 0

    clinic.clock.set(DIGEST_TIME + timedelta(weeks=3, hours=5))  # the bot was down 3 weeks
    assert (await clinic.tick()).digests == 1
    assert (await clinic.tick()).digests == 0

    digests = [m for m in therapist.messages() if "weekly summary" in (m.text or "")]
    assert len(digests) == 2


async def test_a_digest_that_fails_to_send_is_retried_not_lost(clinic: Clinic) -> None:
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist, "T01")
    clinic.clock.set(DIGEST_TIME)
    clinic.sandbox.fail_next("sendMessage", error_code=502)

    assert (await clinic.tick()).digests == 0
    report = await clinic.advance(timedelta(minutes=5))

    assert report.digests == 1
    assert [m for m in therapist.messages() if "weekly summary" in (m.text or "")]


async def test_brief_before_the_session_has_answers_notes_and_a_discussed_button(
    clinic: Clinic,
) -> None:
    people = await week_of_checkins(clinic)
    therapist = people["T01"]

    clinic.clock.set(BRIEF_TIME - timedelta(minutes=1))
    assert (await clinic.tick()).briefs == 0
    clinic.clock.set(BRIEF_TIME)
    assert (await clinic.tick()).briefs == 2  # C101 for T01, C201 for T02; C102 has none
    assert (await clinic.tick()).briefs == 0

    brief = await therapist.wait_for_message(lambda m: "Before your session" in (m.text or ""))
    text = brief.text or ""
    assert text.startswith("Before your session at 15:00, Tuesday 1 December")
    assert "C101 · check-ins since the last session: 1 answered, 0 missed." in text
    assert "Low answer: Goals 3." in text
    assert NOTE in text
    assert brief.protect_content
    answer_ = await therapist.tap(brief, text="Discussed")
    assert answer_.text == "Marked as discussed."
    edited = await therapist.wait_for_message(lambda m: m.message_id == brief.message_id)
    assert edited.buttons == []

    await therapist.send_command("digest")
    digest = await therapist.wait_for_message(
        lambda m: "weekly summary" in (m.text or "") and m.message_id > brief.message_id
    )
    assert "C101" in (digest.text or "")
    assert NOTE not in (digest.text or "")
    assert "Discussed" not in " ".join(digest.button_labels)


async def test_digest_command_sends_this_weeks_digest_now(clinic: Clinic) -> None:
    people = await week_of_checkins(clinic)
    therapist = people["T01"]

    await therapist.send_command("digest")

    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    assert "C101" in (digest.text or "")
    assert NOTE in (digest.text or "")
    assert "C201" not in (digest.text or "")
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    assert png_size(chart)[0] >= 1000


async def test_clients_and_history_show_only_the_therapists_own_clients(clinic: Clinic) -> None:
    people = await week_of_checkins(clinic)
    therapist = people["T01"]

    await therapist.send_command("clients")
    roster = await therapist.wait_for_message(lambda m: "Your clients" in (m.text or ""))
    assert (roster.text or "").splitlines() == [
        "Your clients (2)",
        "C101 · active",
        "C102 · active",
    ]

    await therapist.send_command("history", "C101")
    history = await therapist.wait_for_message(lambda m: "Recent check-ins" in (m.text or ""))
    assert "Tue 24 Nov · Bond 8 · Goals 3 · Tasks skipped · Overall 9" in (history.text or "")
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    assert png_size(chart) >= (1000, 500)
    assert "C101" in (chart.caption or "")

    await therapist.send_command("history", "C201")
    refused = await therapist.wait_for_message(lambda m: "None of your clients" in (m.text or ""))
    assert "C201" in (refused.text or "")
    assert "T02's client" not in texts(therapist)

    await therapist.send_command("history", "<b>&amp;")
    odd = await therapist.wait_for_message(lambda m: "None of your clients" in (m.text or ""))
    assert "<b>&amp;" in (odd.text or "")

    await therapist.send_command("history")
    usage = await therapist.wait_for_message(lambda m: "/history C101" in (m.text or ""))
    assert usage.text


@pytest.mark.parametrize("command", ["digest", "clients", "history"])
async def test_clients_and_strangers_are_refused_politely(clinic: Clinic, command: str) -> None:
    client, stranger = clinic.sandbox.user(1001), clinic.sandbox.user(6001)
    await clinic.enrol(client, "C101")
    await client.wait_for_message(lambda m: "first check-in" in (m.text or ""))

    for user in (client, stranger):
        await user.send_command(command, "C101")
        refusal = await user.wait_for_message(
            lambda m: "for the clinic's therapists" in (m.text or "")
        )
        assert "C101" not in (refusal.text or "")


async def test_another_therapist_cannot_mark_a_concern_discussed(clinic: Clinic) -> None:
    people = await week_of_checkins(clinic)
    await people["T01"].send_command("digest")
    digest = await people["T01"].wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    data = digest.buttons[0]["callback_data"]
    assert len(data.encode()) <= 64
    await people["T02"].send_command("clients")
    own = await people["T02"].wait_for_message(lambda m: "Your clients" in (m.text or ""))

    foreign = await people["T02"].tap_raw(own, data)
    from_client = await people["C101"].tap_raw(people["C101"].last_message(), data)

    assert foreign.text == "This button is not for you."
    assert from_client.text == "This button is not for you."
    await people["T01"].send_command("digest")
    again = await people["T01"].wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    assert NOTE in (again.text or "")


async def test_therapist_gets_the_command_menu_and_help_lists_the_commands(
    clinic: Clinic,
) -> None:
    therapist = clinic.sandbox.user(3001)
    await clinic.enrol_therapist(therapist, "T01")

    await therapist.send_command("help")
    help_ = await therapist.wait_for_message(lambda m: "About this bot" in (m.text or ""))

    assert "/digest" in (help_.text or "")
    assert "/history CODE" in (help_.text or "")


async def test_a_check_in_telegram_kept_refusing_is_shown_as_not_delivered(
    clinic: Clinic,
) -> None:
    therapist, client = clinic.sandbox.user(5001), clinic.sandbox.user(1001)
    await clinic.enrol_therapist(therapist, "T01")
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(CHECKINS_DUE)
    clinic.sandbox.fail_next("sendMessage", error_code=502, times=1000)  # a long outage
    tried = 0
    while clinic.clock.now() < DIGEST_TIME - timedelta(days=1):
        tried += (await clinic.advance(timedelta(hours=2))).retried
    clinic.sandbox.clear_faults()
    assert tried >= 2
    assert "question 1 of 4" not in " ".join(m.text or "" for m in client.messages())

    await therapist.send_command("digest")

    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    assert "Check-ins not delivered: 1" in (digest.text or "")
    assert "Missed" not in (digest.text or "")
