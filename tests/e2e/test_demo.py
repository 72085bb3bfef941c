"""The offline demo runs end to end, ends with the digest and chart, and says where data is."""

from __future__ import annotations

import csv
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
    assert out.rstrip().splitlines()[-1].startswith("Try:")
    png = (tmp_path / "demo-output" / "digest.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000
    assert height >= 500
    with (tmp_path / "demo-output" / "answers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    low = [r["value"] for r in rows if r["client_code"] == "C102" and r["record"] == "answer"]
    assert low == ["3", "2", "4", "3"]
    (note,) = (r for r in rows if r["record"] == "note")
    assert note["note_shared"] == "shared"
    assert "working on the right things" in note["note_text"]
