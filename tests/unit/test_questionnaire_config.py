"""A clinic's own questionnaires in its config: what ``alliance check-config`` refuses, where.

Every refusal is checked through the public loader (or the command) on a real file, and
names the file, the line and the field.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError

HEADER = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts: {en: "Call 112.", de: "Rufen Sie 112 an."}
therapists:
  - code: T01
    display_name: Dr. Rivera
clients:
  - code: C101
    therapist: T01
    language: de
    questionnaire: brief-5
  - code: C102
    therapist: T01
questionnaires:
"""
"""Lines 1-15; C101 (German) answers brief-5, C102 (English) the built-in alliance-v1."""

BRIEF = """\
  - key: brief-5
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
"""Lines 16-31 after HEADER: max on 20, the German labels on 23, the items from 25."""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")


def write(text: str, name: str = "clinic.yaml") -> str:
    Path(name).write_text(textwrap.dedent(text), encoding="utf-8")
    return name


def problems(text: str) -> list[str]:
    with pytest.raises(ClinicConfigError) as info:
        load_clinic_config(write(text))
    return [str(p) for p in info.value.problems]


def test_a_valid_questionnaire_is_what_its_clients_answer() -> None:
    config = load_clinic_config(write(HEADER + BRIEF))

    c101, c102 = config.clients
    brief = config.instruments.of(c101)
    assert (brief.key, brief.scale_min, brief.scale_max) == ("brief-5", 1, 5)
    assert [item.key for item in brief.items] == ["heard", "goals"]
    assert brief.items[0].text["de"] == "Ich fühlte mich gehört."
    assert brief.labels["de"][5] == "Völlig"
    assert config.instruments.of(c102).key == "alliance-v1"


_UNKNOWN = {
    "clinic": ('an."}\n', 'an."}\n  questionnaire: brief-7\n'),
    "therapist": ("Dr. Rivera\n", "Dr. Rivera\n    questionnaire: brief-7\n"),
    "client": ("questionnaire: brief-5", "questionnaire: brief-7"),
}


@pytest.mark.parametrize(
    ("where", "line", "path"),
    [
        ("clinic", 5, "clinic.questionnaire"),
        ("therapist", 8, "therapists[0].questionnaire"),
        ("client", 12, "clients[0].questionnaire"),
    ],
)
def test_an_unknown_questionnaire_is_refused_where_it_is_named(
    where: str, line: int, path: str
) -> None:
    found = problems((HEADER + BRIEF).replace(*_UNKNOWN[where], 1))

    expected = f"clinic.yaml:{line}: {path}: "
    assert found == [expected + "unknown questionnaire 'brief-7' (known: alliance-v1, brief-5)"]


def test_a_questionnaire_key_written_twice_is_refused_at_the_second() -> None:
    second = BRIEF.replace("key: heard", "key: other")
    builtin = BRIEF.replace("key: brief-5", "key: alliance-v1")

    assert problems(HEADER + BRIEF + second) == [
        "clinic.yaml:32: questionnaires[1].key: duplicate questionnaire key 'brief-5'"
    ]
    assert problems(HEADER + builtin) == [
        "clinic.yaml:12: clients[0].questionnaire: unknown questionnaire 'brief-5' "
        "(known: alliance-v1)",
        "clinic.yaml:16: questionnaires[0].key: duplicate questionnaire key 'alliance-v1'",
    ]


@pytest.mark.parametrize(
    ("ends", "message"),
    [
        ((5, 5), "scale min (5) must be below max (5)"),
        ((5, 1), "scale min (5) must be below max (1)"),
        ((0, 11), "a scale has at most 11 points, 0-11 has 12"),
    ],
)
def test_a_scale_whose_min_is_not_below_max_or_with_too_many_points_is_refused(
    ends: tuple[int, int], message: str
) -> None:
    low, high = ends
    text = HEADER + BRIEF.replace("min: 1\n      max: 5", f"min: {low}\n      max: {high}")
    text = text.replace(', 5: "Completely"', "").replace(', 5: "Völlig"', "")
    text = text.replace("{1: ", f"{{{low}: ")  # labels at the low end only: it is no scale

    assert problems(text) == [f"clinic.yaml:20: questionnaires[0].scale.max: {message}"]


def test_eleven_points_and_twelve_items_are_allowed_and_one_more_of_either_is_not() -> None:
    item = '      - {{key: i{n}, dimension: other, text: {{en: "Item {n}", de: "Frage {n}"}}}}\n'
    twelve = "".join(item.format(n=n) for n in range(12))
    head = BRIEF[: BRIEF.index("      - key: heard")].replace("min: 1", "min: 0")
    head = head.replace("max: 5", "max: 10").replace("5: ", "10: ").replace("{1: ", "{0: ")

    config = load_clinic_config(write(HEADER + head + twelve))
    assert len(config.instruments.of(config.clients[0]).items) == 12
    assert problems(HEADER + head + twelve + item.format(n=12)) == [
        "clinic.yaml:24: questionnaires[0].items: too many: at most 12 entries, got 13"
    ]


def test_a_label_outside_the_scale_is_refused_at_the_label() -> None:
    text = HEADER + BRIEF.replace(
        'de: {1: "Gar nicht", 5: "Völlig"}', 'de: {1: "Gar nicht", 5: "Völlig", 7: "Mehr"}'
    )

    assert problems(text) == [
        "clinic.yaml:23: questionnaires[0].scale.labels.de[7]: point 7 is outside the scale 1-5"
    ]


@pytest.mark.parametrize(
    ("written", "replaced", "line", "path", "gap"),
    [
        (
            ', de: "Wir arbeiteten an meinen Zielen."',
            "",
            31,
            "items[1].text",
            "no 'de' text for 'goals'",
        ),
        (', de: "Gehört"', "", 28, "items[0].short", "no 'de' short name for 'heard'"),
        (', 5: "Völlig"', "", 23, "scale.labels.de", "no 'de' label for point 5"),
        (', de: "Sitzungs-Check"', "", 17, "title", "no title in 'de'"),
    ],
    ids=["text", "short", "end-label", "title"],
)
def test_wording_missing_for_a_language_a_client_using_it_speaks_is_refused(
    written: str, replaced: str, line: int, path: str, gap: str
) -> None:
    found = problems(HEADER + BRIEF.replace(written, replaced))

    assert found == [
        f"clinic.yaml:{line}: questionnaires[0].{path}: {gap} (client C101 uses 'brief-5' in 'de')"
    ]


def test_the_clinic_language_is_needed_too_for_digests_and_exports() -> None:
    text = HEADER + BRIEF.replace('text: {en: "I felt heard.", de:', "text: {de:")

    assert problems(text) == [
        "clinic.yaml:27: questionnaires[0].items[0].text: no 'en' text for 'heard' "
        "(the clinic uses 'brief-5' in 'en')"
    ]


def test_a_language_no_client_of_the_questionnaire_speaks_needs_no_wording() -> None:
    german_only_elsewhere = HEADER.replace("    questionnaire: brief-5\n", "") + BRIEF.replace(
        ', de: "Wir arbeiteten an meinen Zielen."', ""
    )  # C101 speaks German but answers alliance-v1: nobody reads brief-5 in German

    config = load_clinic_config(write(german_only_elsewhere))

    assert config.instruments.of(config.clients[0]).key == "alliance-v1"


def test_a_short_name_is_optional() -> None:
    config = load_clinic_config(
        write(HEADER + BRIEF.replace('        short: {en: "Heard", de: "Gehört"}\n', ""))
    )

    assert config.instruments.of(config.clients[0]).items[0].short == {}


def test_every_questionnaire_problem_shows_at_once_even_in_an_invalid_questionnaire() -> None:
    """A missing German text, an unknown questionnaire and min >= max in one file are each
    named, though the questionnaire with the wrong scale fails validation as a whole."""
    text = HEADER.replace(
        "  - code: C102\n    therapist: T01\n",
        "  - code: C102\n    therapist: T01\n    questionnaire: nope\n",
    )
    text += BRIEF.replace("min: 1\n      max: 5", "min: 5\n      max: 5").replace(
        ', de: "Wir arbeiteten an meinen Zielen."', ""
    )

    assert problems(text) == [
        "clinic.yaml:15: clients[1].questionnaire: unknown questionnaire 'nope' "
        "(known: alliance-v1, brief-5)",
        "clinic.yaml:21: questionnaires[0].scale.max: scale min (5) must be below max (5)",
        "clinic.yaml:32: questionnaires[0].items[1].text: no 'de' text for 'goals' "
        "(client C101 uses 'brief-5' in 'de')",
    ]


def test_a_mistyped_field_gets_a_hint_and_a_wrong_dimension_the_choices() -> None:
    text = HEADER + BRIEF.replace("title:", "titel:").replace("dimension: goals", "dimension: goal")

    assert problems(text) == [
        "clinic.yaml:16: questionnaires[0].title: required",
        "clinic.yaml:17: questionnaires[0].titel: unknown field 'titel' (did you mean 'title'?)",
        "clinic.yaml:30: questionnaires[0].items[1].dimension: expected one of "
        "'bond', 'goals', 'tasks', 'overall' or 'other', got the text 'goal'",
    ]


def test_an_item_key_written_twice_is_refused_at_the_second() -> None:
    text = HEADER + BRIEF.replace("key: goals", "key: heard")

    assert problems(text) == [
        "clinic.yaml:29: questionnaires[0].items[1].key: duplicate item key 'heard' "
        "(already items[0])"
    ]


def test_check_config_prints_each_refusal_with_file_line_and_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = write(HEADER + BRIEF.replace("min: 1\n      max: 5", "min: 5\n      max: 1"))

    assert main(["check-config", name]) == 1

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "clinic.yaml:20: questionnaires[0].scale.max: scale min (5) must be below max (1)",
        "clinic.yaml: 1 problem found.",
    ]


def test_check_config_accepts_a_valid_questionnaire(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", write(HEADER + BRIEF)]) == 0

    assert "clinic.yaml is valid" in capsys.readouterr().out


def test_a_questionnaires_own_flags_are_on_its_own_scale() -> None:
    own = "    flags: {low_item: 2, low_mean: 3.5}\n"

    config = load_clinic_config(write(HEADER + BRIEF + own))

    flags = config.instruments.flags_for(config.instruments.of(config.clients[0]))
    assert flags is not None
    assert (flags.low_item, flags.low_mean) == (2, 3.5)


def test_own_flags_beyond_the_scale_are_refused_even_the_defaults_left_out() -> None:
    """Own flags are read as written: the default low_mean 7.5 on 1-5 would flag everyone."""
    text = HEADER + BRIEF + "    flags:\n      low_item: 6\n"

    assert problems(text) == [
        "clinic.yaml:32: questionnaires[0].flags.low_mean: the default 7.5 (for 0-10) is "
        "beyond this questionnaire's scale 1-5: set it on that scale",
        "clinic.yaml:33: questionnaires[0].flags.low_item: 6 is beyond this questionnaire's "
        "scale 1-5: set it on that scale",
    ]
