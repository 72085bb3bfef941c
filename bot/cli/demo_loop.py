"""The demo's closing of the loop: the therapist's estimates soon after the sessions, a
shared concern marked Discussed in the brief, and the follow-up the client's next check-in
asks about it (answered "Not yet", which the Monday digest then shows as still open)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial

from bot.adapter.application import App, tick
from bot.cli.demo_io import say, show
from bot.process.services import Services
from core.clock import FixedClock
from sandbox import SandboxMessage, SimUser

#: Tuesday 24 November, 19:00 in Berlin: every session ended at least 30 minutes ago and
#: the therapist's quiet hours have not begun.
ESTIMATES_AT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
#: The therapist's guesses of each client's overall rating; C102 will answer far lower.
GUESSES: Mapping[str, str] = {"C101": "4", "C102": "8", "C103": "7", "C104": "Skip"}
#: C103's answers to the four items of the check-in after Friday's session.
_C103_AGAIN = ("7", "6", "7", "6")


async def estimates(
    application: App, services: Services, clock: FixedClock, therapist: SimUser
) -> None:
    """Half an hour after the sessions, the therapist guesses how each client will rate it."""
    clock.set(ESTIMATES_AT)
    say(f"\n== Simulated time: {clock.now():%A %d %B %H:%M} UTC, after the sessions ==")
    asked = (await tick(application.bot, services)).estimates
    say(f"The scheduler asked the therapist for {asked} estimates, a message per questionnaire.")
    for codes in (("C101",), ("C102", "C103", "C104")):  # riverside-3, then the built-in one
        question = await therapist.wait_for_message(partial(_asks_about, code=codes[0]))
        show("T01", question)
        for code in codes:
            await therapist.tap(question, data=_button(question, code, GUESSES[code]))
            say(f"  T01 taps [{GUESSES[code]}] for {code}")
        show("T01", await therapist.wait_for_message(partial(_answered, question=question)))


def _answered(message: SandboxMessage, question: SandboxMessage) -> bool:
    return message.message_id == question.message_id and not message.buttons


def _asks_about(message: SandboxMessage, code: str) -> bool:
    return f"How do you think {code} will rate" in (message.text or "")


def _button(message: SandboxMessage, code: str, label: str) -> str:
    """The callback data of ``label`` in ``code``'s rows (points, then "Skip <code>")."""
    rows: list[dict[str, object]] = []
    for button in message.buttons:
        text = str(button["text"])
        if not text.startswith("Skip "):
            rows.append(button)
            continue
        if text == f"Skip {code}":
            wanted = [button] if label == "Skip" else [b for b in rows if b["text"] == label]
            return str(wanted[0]["callback_data"])
        rows = []
    raise LookupError(f"no button {label!r} for {code}")


async def discussed(therapist: SimUser, brief: SandboxMessage) -> None:
    """The therapist talks about C103's concern and marks it discussed under the brief."""
    await therapist.tap(brief, text="Discussed")
    say("  T01 taps [Discussed] after raising C103's concern in the session")


async def follow_up(client: SimUser) -> None:
    """C103's check-in after Friday's session asks whether the concern was taken up."""
    checkin = client.last_message()
    say("-- C103, the day after Friday's session --")
    show("C103", checkin)
    for number, label in enumerate(_C103_AGAIN, start=2):
        await client.tap(checkin, text=label)
        say(f"  C103 taps [{label}]")
        checkin = await client.wait_for_message(partial(_at_step, number=number))
    show("C103", checkin)
    await client.tap(checkin, text="Not yet")
    say("  C103 taps [Not yet]")
    prompt = await client.wait_for_message(partial(_at_step, number=len(_C103_AGAIN) + 2))
    show("C103", prompt)
    await client.tap(prompt, text="Skip")
    say("  C103 taps [Skip]")
    show("C103", await client.wait_for_message(lambda m: "answers are saved" in (m.text or "")))
    say()


def _at_step(message: SandboxMessage, number: int) -> bool:
    """Question ``number`` of four, then the follow-up, then the note prompt."""
    text = message.text or ""
    if number <= len(_C103_AGAIN):
        return f"question {number} of {len(_C103_AGAIN)}" in text
    if number == len(_C103_AGAIN) + 1:
        return "one more question" in text
    return "bring up next time" in text
