"""A digest for a whole caseload stays readable: at most four text messages (plus the chart),
flagged clients in full with a next step for every flag, stable clients by code; when even
the flagged clients do not fit, they are listed in short under each flag and its next step,
needs attention kept in full before check in, and no client is ever left out."""

from __future__ import annotations

import re

import pytest

from core.digest import Category, Digest, build_digest
from core.history import ClientHistory, SharedNote
from messages.catalog import html_text
from messages.digest import BUDGET, render_digest
from messages.split import Part, visible_length
from messages.therapist import render_roster
from tests.unit.test_digest_text import BERLIN, DEFAULTS, NOW, client, dropped, visible
from tests.unit.test_flags import FIRST_SESSION

STEADY = ((9, 9, 9, 9),) * 4
NOTE = (
    "I left the last session feeling that we rushed past what happened with my sister "
    "at the weekend, and I did not manage to say that the homework from two weeks ago "
    "made things harder at work rather than easier. Could we slow down a bit next time "
    "and look at whether the plan still fits? I am not sure I want to keep the same goal."
)
#: After "CODE · ": not another code, as in a line of codes listed in short.
NOT_A_CODE = r"(?!C\d{4}( · |$))"
NEXT = {"en": "→ Next step:", "de": "→ Nächster Schritt:", "es": "→ Siguiente paso:"}


def note(code: str, text: str = NOTE) -> SharedNote:
    return SharedNote(f"{text} ({code})", FIRST_SESSION, f"tok{code}")


def caseload() -> tuple[list[ClientHistory], dict[Category, list[str]]]:
    """100 clients: 8 need attention (a drop and a shared concern each), 15 check in (4
    asked to raise something, 11 missed their last two check-ins), 77 stable (7 of them a
    little lower than last time)."""
    codes = [f"C{n:04}" for n in range(100)]
    attention, check, stable = codes[:8], codes[8:23], codes[23:]
    histories = [dropped(code, note(code)) for code in attention]
    histories += [client(code, *STEADY, note=note(code)) for code in check[:4]]
    histories += [client(code, *STEADY, "missed", "missed") for code in check[4:]]
    histories += [client(code, *STEADY, (9, 9, 9, 8)) for code in stable[:7]]
    histories += [client(code, *STEADY) for code in stable[7:]]
    groups = {Category.ATTENTION: attention, Category.CHECK: check, Category.STABLE: stable}
    return histories, groups


def seen(parts: list[Part]) -> str:
    return "\n".join(visible(p.text) for p in parts)


def entry(text: str, code: str) -> str:
    """A client's full entry: from their code's line to the next blank line."""
    found = re.search(rf"^{code} · {NOT_A_CODE}[^\n]*(\n[^\n]+)*", text, flags=re.MULTILINE)
    assert found is not None, f"{code} is not shown in full"
    return found.group(0)


def assert_fits(parts: list[Part], language: str) -> None:
    """At most ``BUDGET`` parts, each under Telegram's limit, the first line of each neutral."""
    assert len(parts) <= BUDGET
    assert all(visible_length(p.text) <= 4096 for p in parts)
    title = visible(html_text(language, "report.digest.continued"))
    assert all(visible(p.text).startswith(title) for p in parts[1:])


def shown_with_a_next_step(text: str, code: str, language: str) -> bool:
    """Whether ``code`` is shown in full with a next step, or in short on a line under a
    flag with its next step."""
    full = re.search(rf"^{code} · {NOT_A_CODE}[^\n]*(\n[^\n]+)*", text, flags=re.MULTILINE)
    if full is not None:
        return NEXT[language] in full.group(0)
    groups = [g for g in text.split("\n\n") if re.search(rf"^(.* · )?{code}( · |$)", g, re.M)]
    return bool(groups) and all(re.match(r"(.*\n)?• .+ → .+:\n", g) for g in groups)


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_caseload_of_100_fits_in_four_messages_every_flag_with_its_next_step(
    language: str,
) -> None:
    histories, groups = caseload()
    digest = build_digest("T01", histories, DEFAULTS, NOW)
    assert [digest.count(c) for c in Category] == [8, 15, 77]

    parts = render_digest(digest, language, BERLIN)

    assert_fits(parts, language)
    text = seen(parts)
    for code in groups[Category.ATTENTION]:
        assert NEXT[language] in entry(text, code)
        assert text.count(f"{NOTE} ({code})") == 1  # their words, verbatim
    for code in groups[Category.CHECK]:
        assert shown_with_a_next_step(text, code, language), code
    for code in groups[Category.STABLE]:
        assert text.count(code) == 1
    plain = html_text(language, "report.compact.calm", count=70, codes="")
    assert visible(plain) in text  # the steady ones by code, several to a line
    assert "/clients" in visible(parts[-1].text)


def test_in_english_every_flagged_client_of_the_100_is_in_full() -> None:
    histories, groups = caseload()
    parts = render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN)

    text = seen(parts)
    for code in groups[Category.ATTENTION] + groups[Category.CHECK]:
        assert NEXT["en"] in entry(text, code)
    quoting = groups[Category.ATTENTION] + groups[Category.CHECK][:4]
    assert [b.token for p in parts for b in p.buttons] == [f"tok{code}" for code in quoting]
    assert "Listed in short" not in text


def test_stable_clients_are_listed_by_code_several_to_a_line() -> None:
    histories, groups = caseload()
    text = seen(render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN))

    lines = [line for line in text.split("\n") if line.startswith(groups[Category.STABLE][7])]
    assert lines == [" · ".join(groups[Category.STABLE][7:15])]
    assert (
        "• a little lower than last time → nothing urgent; keep an eye on it:\n"
        "C0023 · C0024 · C0025 · C0026 · C0027 · C0028 · C0029\n"
    ) in text


def test_flagged_clients_beyond_four_messages_are_listed_in_short_with_every_next_step() -> None:
    """The extreme case: 40 need attention, each with a note at the longest a client can
    write, and 30 check in. Needs attention keeps its place in full before check in; who
    does not fit is listed under each flag with its next step; every code appears."""
    long = "x" * 1990
    attention = [f"A{n:03}" for n in range(40)]
    check = [f"K{n:03}" for n in range(30)]
    histories = [dropped(code, note(code, long)) for code in attention]
    histories += [client(code, *STEADY, "missed", "missed") for code in check]
    histories += [client(f"S{n:03}", *STEADY) for n in range(30)]
    digest = build_digest("T01", histories, DEFAULTS, NOW)

    parts = render_digest(digest, "en", BERLIN)

    assert_fits(parts, "en")
    text = seen(parts)
    full = [code for code in attention if re.search(rf"^{code} · session", text, re.MULTILINE)]
    assert full == attention[: len(full)]
    assert len(full) >= 2
    assert not re.search(r"^K\d+ · session", text, re.MULTILINE)  # check in: all in short
    assert "Listed in short so that this summary stays readable" in text
    short = text[text.index("Listed in short") :]
    for code in attention[len(full) :] + check:
        assert code in short
    assert "• missed check-ins → ask whether the check-ins still suit them:\nK000 · K001" in short
    assert "• low answer → invite feedback about the goals and agree on them again:" in short
    assert "• shared something to raise with you → bring up what they asked to raise" in short
    assert all(f"S{n:03}" in text for n in range(30))
    assert [b.token for p in parts for b in p.buttons] == [f"tok{c}" for c in full]


def test_when_even_the_short_list_is_longer_it_grows_rather_than_drop_anyone() -> None:
    codes = [f"C{n:03}-" + "x" * 27 for n in range(600)]  # the longest codes a clinic may use
    digest = build_digest("T01", [dropped(code) for code in codes], DEFAULTS, NOW)

    parts = render_digest(digest, "en", BERLIN)

    assert len(parts) > BUDGET
    assert all(visible_length(p.text) <= 4096 for p in parts)
    text = seen(parts)
    assert all(code in text for code in codes)
    assert " · session" not in text  # nobody in full: the budget is already over


def test_the_pointer_is_true_clients_lists_every_client_of_the_digest_with_a_status() -> None:
    histories, _ = caseload()
    digest: Digest = build_digest("T01", histories, DEFAULTS, NOW)
    roster = [(c.code, c.status) for c in digest.clients]

    parts = render_roster("en", roster)

    assert all(visible_length(p.text) <= 4096 for p in parts)
    text = seen(parts)
    assert all(f"{c.code} · active" in text for c in digest.clients)


def test_check_in_clients_who_asked_to_raise_something_keep_their_place_in_full_first() -> None:
    missed = [f"K{n:03}" for n in range(60)]
    asked = ["Z001", "Z002", "Z003"]  # last by code, first in full
    histories = [client(code, *STEADY, "missed", "missed") for code in missed]
    histories += [client(code, *STEADY, note=note(code, "y" * 1500)) for code in asked]

    parts = render_digest(build_digest("T01", histories, DEFAULTS, NOW), "en", BERLIN)

    assert_fits(parts, "en")
    text = seen(parts)
    assert all(re.search(rf"^{code} · session", text, re.MULTILINE) for code in asked)
    assert [b.token for p in parts for b in p.buttons] == [f"tok{code}" for code in asked]
    short = text[text.index("Listed in short") :]
    assert "K059" in short
