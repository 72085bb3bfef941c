"""A client enrols, receives a check-in after a session, answers it, and it is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select

from sandbox import SimUser
from storage.tables import AnswerRow, NoteRow
from tests.e2e.conftest import Clinic, shows_step

#: Wednesday 25 November, 15:50 Berlin: a day after Tuesday's 15:00-15:50 session.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


async def test_client_answers_a_checkin_and_the_answers_are_stored(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    consent = await clinic.enrol(client, "C101")
    assert "Nobody reads this chat in real time" in (consent.text or "")
    assert "112" in (consent.text or "")
    clinic.plan()
    assert (await clinic.tick()).sent == 0  # nothing is due before the day after the session

    clinic.clock.set(DUE)
    report = await clinic.tick()

    assert report.sent == 1
    checkin = client.last_message()
    assert checkin.protect_content
    assert "question 1 of 4" in (checkin.text or "")
    for number, value in enumerate(("8", "3", "Skip", "9"), start=2):
        answer = await client.tap(checkin, text=value)
        assert answer.text == "Saved."
        await client.wait_for_message(partial(shows_step, number=number))
    note_prompt = client.last_message()
    assert "bring up next time" in (note_prompt.text or "")
    await client.send_text("I felt rushed <at the end> & want to talk about it")
    share = await client.wait_for_message(lambda m: "Keep it private" in m.button_labels)
    await client.tap(share, text="Share")
    done = await client.wait_for_message(lambda m: "answers are saved" in (m.text or ""))
    assert done.reply_markup is None

    with clinic.services.database.transaction() as s:
        answers = s.execute(select(AnswerRow.item_key, AnswerRow.value)).all()
        note = s.scalars(select(NoteRow)).one()
    assert sorted(tuple(a) for a in answers) == [
        ("bond", 8),
        ("goals", 3),
        ("overall", 9),
        ("tasks", None),
    ]
    assert note.text == "I felt rushed <at the end> & want to talk about it"
    assert note.shared is True


async def test_stranger_gets_a_polite_explanation_and_nothing_is_stored(clinic: Clinic) -> None:
    stranger = clinic.sandbox.user(6666)

    await stranger.send_command("start", "not-a-real-token-but-shaped-like-one")
    reply = await stranger.wait_for_message()

    assert "invite link" in (reply.text or "")
    assert clinic.services.people.by_chat(6666) is None


async def test_used_invite_is_refused_for_another_chat(clinic: Clinic) -> None:
    token = await clinic.invite("C101")
    first, second = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await first.send_command("start", token)
    await first.wait_for_message()

    await second.send_command("start", token)
    reply = await second.wait_for_message()

    assert "already been used" in (reply.text or "")
    assert clinic.services.people.by_chat(1002) is None


async def test_forged_and_foreign_taps_change_nothing_and_are_answered(clinic: Clinic) -> None:
    owner, intruder = clinic.sandbox.user(1001), clinic.sandbox.user(1002)
    await clinic.enrol(owner, "C101")
    await clinic.enrol(intruder, "C102")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = owner.last_message()
    real_data = checkin.buttons[0]["callback_data"]

    forged = await owner.tap_raw(checkin, "c:AAAAAAAAAAA:0:5")
    malformed = await owner.tap_raw(checkin, "x" * 64)
    foreign = await intruder.tap_raw(intruder.last_message(), real_data)
    off_scale = await owner.tap_raw(checkin, real_data.rsplit(":", 1)[0] + ":11")

    assert forged.text == "This button no longer works."
    assert malformed.text == "This button no longer works."
    assert foreign.text == "This button is not for you."
    assert off_scale.text == "This button no longer works."
    with clinic.services.database.transaction() as s:
        assert s.scalars(select(AnswerRow)).all() == []


async def test_double_tap_stores_one_answer(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()
    button = checkin.buttons[7]["callback_data"]

    first = await client.tap_raw(checkin, button)
    second = await client.tap_raw(checkin, button)

    assert first.text == "Saved."
    assert second.text == "Already saved. Nothing was changed."
    with clinic.services.database.transaction() as s:
        assert [a.value for a in s.scalars(select(AnswerRow))] == [7]


async def test_expired_checkin_answers_that_it_has_closed(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()

    await clinic.advance(timedelta(hours=72))
    answer = await client.tap(checkin, text="5")

    assert answer.text == "This check-in has closed."
    closed = await client.wait_for_message(lambda m: "has closed" in (m.text or ""))
    assert closed.message_id == checkin.message_id
    assert closed.reply_markup is None
    with clinic.services.database.transaction() as s:
        assert s.scalars(select(AnswerRow)).all() == []


async def test_too_long_note_is_refused_with_a_clear_message(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()
    for number in range(2, 6):
        await client.tap(checkin, text="Skip")
        await client.wait_for_message(partial(shows_step, number=number))

    await client.send_text("x" * 2500)
    reply = await client.wait_for_message(lambda m: "shorten" in (m.text or ""))

    assert "2500" in (reply.text or "")
    with clinic.services.database.transaction() as s:
        assert s.scalars(select(NoteRow)).all() == []


async def test_client_who_enrols_after_the_session_still_gets_the_checkin(
    clinic: Clinic,
) -> None:
    clinic.plan()
    clinic.clock.set(DUE + timedelta(hours=5))
    await clinic.tick()
    client: SimUser = clinic.sandbox.user(1001)

    await clinic.enrol(client, "C101")
    await client.wait_for_message(lambda m: "arrives in a moment" in (m.text or ""))
    report = await clinic.tick()

    assert report.sent == 1
    assert "question 1 of 4" in (client.last_message().text or "")
