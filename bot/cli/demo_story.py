"""``alliance demo``: the whole check-in loop, offline, against the local Telegram sandbox.

The real bot (PTB application, handlers, scheduler tick, SQLite) talks HTTP to the
sandbox; simulated people enrol and answer. Time is simulated: the demo moves its clock
from the session to the day after and beyond instead of waiting. It ends with the
therapist's weekly digest and its trend chart (saved as ``demo-output/digest.png``), and
the exports. One client, C101, answers the clinic's own questionnaire from
``demo_clinic.yaml`` (three items on 1-5, worded for the demo); the others the built-in one.
Closing the loop is on: the therapist guesses each client's rating after the sessions, and
a concern marked Discussed comes back as a question in the client's next check-in.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bot.adapter.application import App, build_application, plan, tick
from bot.adapter.invites import invite_link
from bot.adapter.polling import polling
from bot.cli.csv_export import write_csv
from bot.cli.demo_io import say, show
from bot.cli.demo_loop import discussed, estimates, follow_up
from bot.cli.fhir_export import fhir_bundle
from bot.config.loader import load_clinic_config
from bot.process.crypto import new_key
from bot.process.services import Services, bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import FixedClock
from sandbox import BotApiSandbox, SandboxMessage, SimUser
from storage.export_rows import ALL

OUTPUT = Path("demo-output")
CONFIG = Path(__file__).with_name("demo_clinic.yaml")
TOKEN = "100200:DEMO-TOKEN"  # noqa: S105 - the sandbox accepts any token
#: Tuesday 24 November 2026, 18:00 in Berlin: every demo session is over.
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
#: Friday 27 November, 11:00 in Berlin: an hour before C103's second session.
BRIEF_AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
#: Monday 30 November, 08:00 in Berlin: the therapist's weekly digest is due.
DIGEST_AT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def run_demo() -> int:
    """Run the demo and print what each person sees; returns the exit status."""
    OUTPUT.mkdir(exist_ok=True)
    database = OUTPUT / "alliance-demo.db"
    database.unlink(missing_ok=True)
    asyncio.run(_demo(f"sqlite:///{database}"))
    return 0


async def _demo(database_url: str) -> None:
    config = load_clinic_config(CONFIG)
    clock = FixedClock(START)
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as sandbox:
        # The demo makes its own encryption key for this run; notes in its database are
        # encrypted like a clinic's (the key is forgotten when the demo ends).
        settings = Settings(
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_url=sandbox.api_root,
            encryption_key=new_key(),
        )
        services = bootstrap(config, database_url, clock, encryption_key=settings.encryption_keys())
        application = build_application(settings, services, schedule_jobs=False)
        async with polling(application):
            await _script(sandbox, settings, services, application, clock)
    say("== Where the data is ==")
    say(f"Database (SQLite): {database_url.removeprefix('sqlite:///')}")
    _exports(services)
    services.database.close()
    say(f"The therapist's trend chart: {OUTPUT / 'digest.png'}")
    say(f"Notes are encrypted with this run's key: {settings.encryption_keys()}")
    say(
        f"Try: ALLIANCE_ENCRYPTION_KEY={settings.encryption_keys()} "
        "ALLIANCE_DATABASE_URL=sqlite:///demo-output/alliance-demo.db alliance export"
    )


def _exports(services: Services) -> None:
    """The CSV and the FHIR bundle, as ``alliance export`` writes them."""
    export = OUTPUT / "answers.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        rows = write_csv(services.database, handle)
    say(f"CSV export ({rows} rows, each naming its questionnaire): {export}")
    config = services.config
    document, _ = fhir_bundle(
        services.database,
        ALL,
        language=config.clinic.language,
        questionnaires=config.instruments.by_key,
    )
    bundle = OUTPUT / "bundle.json"
    bundle.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    used = [
        f"{e['resource']['url'].rsplit(':', 1)[-1]}|{e['resource']['version']}"
        for e in document["entry"]
        if e["resource"]["resourceType"] == "Questionnaire"
    ]
    say(f"FHIR export (questionnaires {', '.join(used)}): {bundle}")


async def _script(
    sandbox: BotApiSandbox,
    settings: Settings,
    services: Services,
    application: App,
    clock: FixedClock,
) -> None:
    """Enrolment, a day passing, three clients answering and one not, a brief, a digest."""
    config = services.config
    people = {code: sandbox.user(2000 + n) for n, code in enumerate(_CLIENTS)}
    therapist = sandbox.user(3001)
    say("== Enrolment: each person opens their invite link ==")
    await _enrol(settings, config, "T01", therapist, consent=False)
    for code, user in people.items():
        await _enrol(settings, config, code, user, consent=True)
    plan(services)
    await estimates(application, services, clock, therapist)
    clock.set(START + timedelta(days=1))
    say(f"\n== Simulated time: {clock.now():%A %d %B %H:%M} UTC, a day later ==")
    report = await tick(application.bot, services)
    say(f"The scheduler sent {report.sent} check-ins.")
    await _answers(services, people)
    clock.set(BRIEF_AT)
    say(f"== Simulated time: {clock.now():%A %d %B %H:%M} UTC, an hour before C103's session ==")
    briefs = (await tick(application.bot, services)).briefs
    say(f"The scheduler sent {briefs} pre-session brief.")
    brief = await therapist.wait_for_message(lambda m: "Before your session" in (m.text or ""))
    show("T01", brief)
    await discussed(therapist, brief)
    clock.set(START + timedelta(days=4))
    later = await tick(application.bot, services)
    say(f"== Four days later: {later.closed} unanswered check-in closed as missed ==")
    say(f"The scheduler sent {later.sent} check-in, with one more question.\n")
    await follow_up(people["C103"])
    say("== Client controls: every client command is listed in /help ==")
    await _command(people["C103"], "C103", "preview", "preview")
    await _command(people["C101"], "C101", "preview", "preview")  # the clinic's own items
    await _command(people["C104"], "C104", "stop", "stopped")
    show("T01", await therapist.wait_for_message(lambda m: "C104" in (m.text or "")))
    say()
    clock.set(DIGEST_AT)
    say(f"== Simulated time: {clock.now():%A %d %B %H:%M} UTC: Monday 08:00 in Berlin ==")
    digests = (await tick(application.bot, services)).digests
    say(f"The scheduler sent {digests} weekly digest.")
    show("T01", await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or "")))
    chart = await therapist.wait_for_message(lambda m: m.photo is not None)
    show("T01", chart)
    (OUTPUT / "digest.png").write_bytes(chart.file_bytes or b"")
    say(f"  (the picture is saved as {OUTPUT / 'digest.png'})\n")


_CLIENTS = ("C101", "C102", "C103", "C104")


async def _answers(services: Services, people: dict[str, SimUser]) -> None:
    """C101 answers the clinic's own questionnaire, C102 and C103 the built-in one."""
    for code in _CLIENTS:
        client = services.config.client(code)
        assert client is not None
        asked = services.config.instruments.of(client)
        say(
            f"{code} is asked {asked.key!r}: {len(asked.items)} questions "
            f"on {asked.scale_min}-{asked.scale_max}."
        )
    say()
    await _answer(people["C101"], "C101", ["5", "4", "5"], None)
    await _answer(people["C102"], "C102", ["3", "2", "4", "3"], None)
    await _answer(
        people["C103"],
        "C103",
        ["8", "5", "Skip", "7"],
        "I'd like to talk about whether we are working on the right things.",
    )
    say("C104 does not answer.\n")


async def _enrol(
    settings: Settings, config: ClinicConfig, code: str, user: SimUser, *, consent: bool
) -> None:
    link, _ = await invite_link(settings, config, code)
    say(f"\n{code} opens {link.split('?')[0]}?start=…")
    await user.send_command("start", link.rsplit("=", 1)[1])
    welcome = await user.wait_for_message()
    show(code, welcome)
    if consent:
        await user.tap(welcome, text="I agree")
        say(f"  {code} taps [I agree]")
        show(code, await user.wait_for_message(lambda m: "Thank you" in (m.text or "")))


async def _answer(user: SimUser, code: str, taps: list[str], note: str | None) -> None:
    checkin = user.last_message()
    say(f"-- {code} --")
    show(code, checkin)
    for number, label in enumerate(taps, start=2):
        await user.tap(checkin, text=label)
        say(f"  {code} taps [{label}]")
        checkin = await user.wait_for_message(partial(_at_step, number=number))
    show(code, checkin)
    if note is None:
        await user.tap(checkin, text="Skip")
        say(f"  {code} taps [Skip]")
    else:
        await user.send_text(note)
        say(f"  {code} types: {note}")
        show(code, await user.wait_for_message(lambda m: "Keep it private" in m.button_labels))
        await user.tap(checkin, text="Share")
        say(f"  {code} taps [Share with my therapist]")
    show(code, await user.wait_for_message(lambda m: "answers are saved" in (m.text or "")))
    say()


async def _command(user: SimUser, code: str, name: str, expect: str) -> None:
    say(f"  {code} sends /{name}")
    await user.send_command(name)
    show(code, await user.wait_for_message(lambda m: expect in (m.text or "")))


def _at_step(message: SandboxMessage, number: int) -> bool:
    """Whether the check-in shows question ``number``, or the note prompt after the last."""
    text = message.text or ""
    return f"question {number} of" in text or "bring up next time" in text


if __name__ == "__main__":
    sys.exit(run_demo())
