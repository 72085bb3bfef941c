"""The offline demo runs end to end, ends with the digest and chart, and says where data is."""

from __future__ import annotations

import csv
import json
import struct
from pathlib import Path

import pytest

from bot.cli.demo_story import run_demo


def test_demo_shows_each_conversation_and_where_the_data_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert run_demo() == 0

    out = capsys.readouterr().out
    assert "Nobody reads this chat in real time" in out
    assert "The scheduler sent 4 check-ins." in out
    assert "C101 is asked 'riverside-3': 3 questions on 1-5." in out
    assert "C102 is asked 'alliance-v1': 4 questions on 0-10." in out
    assert "question 1 of 3" in out
    assert "Today it felt like my therapist and I were on the same side." in out
    assert "1 = No   ·   3 = Partly   ·   5 = Yes, fully" in out
    assert "• Same side: 5\n  │ • Direction: 4\n  │ • Next step: 5" in out  # C101's /preview
    assert "1 unanswered check-in closed as missed" in out
    assert "What your therapist sees from your check-in" in out
    assert "Client C104 has stopped the check-ins" in out
    assert "Notes are encrypted with this run's key" in out
    assert "demo-output/alliance-demo.db" in out
    assert "The scheduler sent 1 pre-session brief." in out
    assert "Before your session at 12:00, Friday 27 November" in out
    assert "The scheduler sent 1 weekly digest." in out
    digest = out[out.index("Your weekly summary") :]
    assert digest.index("NEEDS ATTENTION") < digest.index("C102") < digest.index("STABLE")
    assert "In the client's words (C103" in digest
    assert "working on the right things" in digest
    assert "Flagged this week: 2 of 4 clients taking part (50%)" in digest
    assert "C101 · Same side 5 · Direction 4 · Next step 5" in digest[digest.index("STABLE") :]
    closes_the_loop(out, digest)
    assert out.rstrip().splitlines()[-1].startswith("Try:")
    png = (tmp_path / "demo-output" / "digest.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000
    assert height >= 500
    exports_name_each_questionnaire(tmp_path / "demo-output", out)


def exports_name_each_questionnaire(output: Path, out: str) -> None:
    """The CSV and the FHIR bundle: C101's rows on the clinic's questionnaire, the rest not."""
    with (output / "answers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    low = [r["value"] for r in rows if r["client_code"] == "C102" and r["record"] == "answer"]
    assert low == ["3", "2", "4", "3"]
    own = [
        (r["record"], r["item_key"], r["value"], r["questionnaire"])
        for r in rows
        if r["client_code"] == "C101"
    ]
    assert own == [
        ("answer", "same_side", "5", "riverside-3"),
        ("answer", "direction", "4", "riverside-3"),
        ("answer", "next_step", "5", "riverside-3"),
        ("estimate", "estimate", "4", "riverside-3"),  # T01's guess, a record of its own
    ]
    assert {r["questionnaire"] for r in rows if r["client_code"] != "C101"} == {"alliance-v1"}
    bundle = json.loads((output / "bundle.json").read_text(encoding="utf-8"))
    titles = {
        e["resource"]["url"]: e["resource"]["title"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Questionnaire"
    }
    assert titles["urn:alliance-checkins:questionnaire:riverside-3"] == "Riverside session check"
    assert "urn:alliance-checkins:questionnaire:alliance-v1" in titles
    assert "FHIR export (questionnaires alliance-v1|" in out
    (note,) = (r for r in rows if r["record"] == "note")
    assert note["note_shared"] == "shared"
    assert "working on the right things" in note["note_text"]


def closes_the_loop(out: str, digest: str) -> None:
    """Estimates after the sessions, a discussed concern followed up, both in the digest."""
    assert "asked the therapist for 4 estimates" in out
    assert "C101: 4 ✓" in out
    assert "C102: 8 ✓" in out
    assert "T01 taps [Discussed]" in out
    follow_up = out[out.index("C103, the day after Friday's session") :]
    assert "Do you feel it has been taken up?" in follow_up
    assert "working on the right things" not in follow_up[: follow_up.index("Not yet")]
    assert "C103 taps [Not yet]" in follow_up
    assert "you expected 8 · client 3" in digest  # C102
    assert "blind spot" in digest
    assert "they answered Not yet. Still open" in digest
    assert "Your estimates over the last 8 weeks" in digest
