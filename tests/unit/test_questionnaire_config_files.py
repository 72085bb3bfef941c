"""Questionnaires kept in files of their own (``- file: instruments/x.yaml``).

Read next to the clinic file, under the clinic file's YAML rules, and a problem inside one
names that file, its line and field.
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import includes
from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from bot.config.watch import ConfigWatch
from bot.config.yaml_read import Way

CLINIC = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts: {en: "Call 112.", de: "Rufen Sie 112 an."}
  questionnaire: brief-5
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    language: de
questionnaires:
  - file: instruments/brief.yaml
"""
"""Every client answers brief-5, named on line 14; C101 reads it in German."""

BRIEF = """\
key: brief-5
title: {en: "Session check", de: "Sitzungs-Check"}
scale:
  min: 1
  max: 5
  labels:
    en: {1: "Not at all", 5: "Completely"}
    de: {1: "Gar nicht", 5: "Völlig"}
items:
  - key: heard
    dimension: bond
    text: {en: "I felt heard.", de: "Ich fühlte mich gehört."}
    short: {en: "Heard", de: "Gehört"}
  - key: goals
    dimension: goals
    text: {en: "We worked on my goals.", de: "Wir arbeiteten an meinen Zielen."}
"""
"""Line 5 is the scale's max, line 8 the German labels, lines 10-16 the two items."""

INSTRUMENT = os.path.join("site", "instruments", "brief.yaml")
"""Where the questionnaire file is, as problems name it (the clinic file is site/clinic.yaml)."""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")


def write(text: str, name: str, encoding: str = "utf-8") -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(textwrap.dedent(text), encoding=encoding)
    return name


def clinic(brief: str | None = BRIEF, clinic_text: str = CLINIC) -> str:
    """The clinic file in site/, with its questionnaire file (unless None) next to it."""
    if brief is not None:
        write(brief, INSTRUMENT)
    return write(clinic_text, os.path.join("site", "clinic.yaml"))


def problems(path: str, way: Way | None = None) -> list[str]:
    with pytest.raises(ClinicConfigError) as info:
        load_clinic_config(path, way=way)
    return [str(p) for p in info.value.problems]


def test_a_questionnaire_file_is_read_next_to_the_clinic_file_and_equals_it_inline() -> None:
    included = load_clinic_config(clinic())
    inline_text = CLINIC.replace("  - file: instruments/brief.yaml\n", "") + textwrap.indent(
        BRIEF, "    "
    ).replace("    key: brief-5", "  - key: brief-5", 1)
    inline = load_clinic_config(write(inline_text, "inline.yaml"))

    mine = included.instruments.of(included.clients[0])
    assert mine.key == "brief-5"
    assert mine.items[1].text["de"] == "Wir arbeiteten an meinen Zielen."
    assert mine.version == inline.instruments.of(inline.clients[0]).version


@pytest.mark.parametrize("way", [None, Way.TREE, Way.EVENTS], ids=["default", "tree", "events"])
def test_a_problem_inside_the_file_names_that_file_its_line_and_field(way: Way | None) -> None:
    brief = BRIEF.replace("max: 5", "max: 1").replace(
        ', de: "Wir arbeiteten an meinen Zielen."', ""
    )

    assert problems(clinic(brief), way) == [
        f"{INSTRUMENT}:5: scale.max: scale min (1) must be below max (1)",
        f"{INSTRUMENT}:16: items[1].text: no 'de' text for 'goals' "
        "(client C101 uses 'brief-5' in 'de')",
    ]


def test_wording_and_labels_missing_in_the_file_are_named_there() -> None:
    brief = BRIEF.replace(', 5: "Völlig"', ', 4: "Ziemlich"').replace(', de: "Gehört"', "")

    assert problems(clinic(brief)) == [
        f"{INSTRUMENT}:8: scale.labels.de: no 'de' label for point 5 "
        "(client C101 uses 'brief-5' in 'de')",
        f"{INSTRUMENT}:13: items[0].short: no 'de' short name for 'heard' "
        "(client C101 uses 'brief-5' in 'de')",
    ]


def test_problems_of_the_clinic_file_come_first_then_each_questionnaire_file() -> None:
    text = CLINIC.replace("language: de", "language: de\n    questionnaire: nope")
    brief = BRIEF.replace("dimension: goals", "dimension: goal").replace("titel", "title")

    assert problems(clinic(brief.replace("title:", "titel:"), text)) == [
        "site/clinic.yaml:13: clients[0].questionnaire: unknown questionnaire 'nope' "
        "(known: alliance-v1, brief-5)",
        f"{INSTRUMENT}:1: title: required",
        f"{INSTRUMENT}:2: titel: unknown field 'titel' (did you mean 'title'?)",
        f"{INSTRUMENT}:15: items[1].dimension: expected one of "
        "'bond', 'goals', 'tasks', 'overall' or 'other', got the text 'goal'",
    ]


def test_a_key_already_used_in_the_clinic_file_is_refused_in_the_file() -> None:
    inline = '  - {key: brief-5, title: {en: "B"}, scale: {min: 0, max: 1}, items: []}\n'
    text = CLINIC.replace("questionnaires:\n", "questionnaires:\n" + inline)
    text = text.replace("  questionnaire: brief-5\n", "")

    found = problems(clinic(BRIEF, text))

    assert found == [
        "site/clinic.yaml:13: questionnaires[0].items: must not be empty",
        f"{INSTRUMENT}:1: key: duplicate questionnaire key 'brief-5'",
    ]


def test_a_missing_file_is_named_where_the_clinic_file_names_it() -> None:
    found = problems(clinic(None))

    assert found == [
        "site/clinic.yaml:14: questionnaires[0].file: questionnaire file "
        "'instruments/brief.yaml' (read next to this file): file not found"
    ]


def test_a_folder_or_an_oversized_file_is_refused_by_its_path() -> None:
    Path(INSTRUMENT).mkdir(parents=True)
    assert problems(clinic(None)) == [
        "site/clinic.yaml:14: questionnaires[0].file: questionnaire file "
        "'instruments/brief.yaml' (read next to this file): is a directory, not a file"
    ]

    Path(INSTRUMENT).rmdir()
    big = BRIEF + "# " + "x" * includes.MAX_QUESTIONNAIRE_BYTES + "\n"
    assert problems(clinic(big)) == [
        "site/clinic.yaml:14: questionnaires[0].file: questionnaire file "
        "'instruments/brief.yaml' (read next to this file): file is larger than 1 MiB; "
        "a questionnaire file should be far smaller"
    ]


@pytest.mark.parametrize(
    ("brief", "problem"),
    [
        (
            BRIEF.replace("items:\n", "items: &all\n") + "again: *all\n",
            "17: YAML aliases (*name) are not allowed; repeat the value instead",
        ),
        (
            BRIEF.replace("  min: 1\n", "  min: 1\n  min: 2\n"),
            "5: scale.min: duplicate key 'min' (first on line 4)",
        ),
        (
            "x:\n" + "".join("  " * n + f"l{n}:\n" for n in range(1, 34)),
            "32: nested too deeply (more than 32 levels)",
        ),
        ("", "file is empty; expected a questionnaire: 'key:', 'title:', 'scale:' and 'items:'"),
        ("- key: brief-5\n", "1: expected a questionnaire: 'key:', 'title:', 'scale:' and"),
        ("key: [brief-5\n", "2: invalid YAML"),
    ],
    ids=["alias", "duplicate-key", "too-deep", "empty", "a-list", "broken"],
)
def test_the_file_is_read_under_the_clinic_files_yaml_rules(brief: str, problem: str) -> None:
    found = problems(clinic(brief))

    assert len(found) == 1
    assert found[0].startswith(f"{INSTRUMENT}:{problem}" if problem[0].isdigit() else INSTRUMENT)
    assert problem.split(": ", 1)[-1] in found[0]


def test_a_time_in_the_file_stays_text_as_in_the_clinic_file() -> None:
    config = load_clinic_config(clinic(BRIEF.replace('short: {en: "Heard"', "short: {en: 15:00")))

    assert config.instruments.of(config.clients[0]).items[0].short["en"] == "15:00"


def test_a_file_that_is_not_utf8_is_named_with_its_line() -> None:
    write(BRIEF.replace("Völlig", "V\xf6llig"), INSTRUMENT, encoding="latin-1")

    assert problems(write(CLINIC, os.path.join("site", "clinic.yaml"))) == [
        f"{INSTRUMENT}:8: not UTF-8 text; save the file with UTF-8 encoding"
    ]


def test_a_questionnaire_file_names_no_other_file() -> None:
    found = problems(clinic("file: other.yaml\n"))

    assert found == [
        f"{INSTRUMENT}:1: file: a questionnaire file names no other file: "
        "write the questionnaire here"
    ]


def test_a_file_entry_with_other_fields_is_refused_field_by_field() -> None:
    text = CLINIC.replace(
        "- file: instruments/brief.yaml", "- {file: instruments/brief.yaml, key: x}"
    )

    assert problems(clinic(BRIEF, text)) == [
        "site/clinic.yaml:14: questionnaires[0].key: unknown field 'key' (allowed: file)",
    ]


def test_check_config_prints_the_problems_of_the_questionnaire_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = clinic(BRIEF.replace("max: 5", "max: 12").replace("5: ", "12: "))

    assert main(["check-config", path]) == 1

    assert capsys.readouterr().out.splitlines() == [
        f"{INSTRUMENT}:5: scale.max: a scale has at most 11 points, 1-12 has 12",
        "site/clinic.yaml: 1 problem found.",
    ]


def _settled(path: str) -> None:
    """Give the file an old mtime, as if written long ago (the watcher trusts it then)."""
    old = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(old, old))


def test_the_watcher_notices_an_edit_of_a_questionnaire_file() -> None:
    path = clinic()
    load_clinic_config(path)
    _settled(path)
    watch = ConfigWatch.of(Path(path))
    assert not watch.changed()

    write(BRIEF.replace("Session check", "Check"), INSTRUMENT)
    assert watch.changed()
    assert not watch.changed()  # seen, until the next edit or load

    load_clinic_config(path)  # the reload reads the edit
    assert not watch.changed()


def test_a_questionnaire_file_deleted_under_a_running_bot_is_a_change_once() -> None:
    path = clinic()
    load_clinic_config(path)
    _settled(path)
    watch = ConfigWatch.of(Path(path))

    os.remove(INSTRUMENT)

    assert watch.changed()  # the reload then says the file is missing
    assert not watch.changed()


def test_an_edit_undone_before_the_watcher_looked_is_no_change() -> None:
    path = clinic()
    load_clinic_config(path)
    _settled(path)
    watch = ConfigWatch.of(Path(path))

    write(BRIEF.replace("Session check", "Check"), INSTRUMENT)
    write(BRIEF, INSTRUMENT)

    assert not watch.changed()
