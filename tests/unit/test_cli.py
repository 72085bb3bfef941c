"""The ``alliance`` command line: every command has help and examples, and commands plug in."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot.cli.commands import COMMANDS
from bot.cli.commands.base import Command, build_parser
from bot.cli.main import main
from bot.process.settings import Settings


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _every_command(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for name, sub in _subparsers(parser).items():
        yield (*path, name), sub
        yield from _every_command(sub, (*path, name))


ALL_PATHS = [path for path, _ in _every_command(build_parser(COMMANDS))]


def test_alliance_help_lists_every_command_with_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    flowing = " ".join(out.split())  # argparse wraps help to the terminal's width
    assert exit_.value.code == 0
    for command in COMMANDS:
        assert command.name in out
        assert command.help in flowing
    assert "examples:" in out
    assert "ALLIANCE_DATABASE_URL" in out


def test_the_commands_the_issue_asks_for_are_all_there() -> None:
    wanted = {
        ("run",),
        ("check-config",),
        ("config", "schema"),
        ("invite",),
        ("export",),
        ("stats",),
        ("db", "upgrade"),
        ("db", "current"),
        ("demo",),
    }
    assert wanted <= set(ALL_PATHS)


@pytest.mark.parametrize("path", ALL_PATHS, ids=" ".join)
def test_every_command_has_a_description_and_an_example_of_itself(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert f"usage: alliance {' '.join(path)}" in out
    examples = out.split("examples:\n", 1)[1]
    assert f"alliance {' '.join(path)}" in examples


def test_a_new_command_is_one_entry_in_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[str] = []

    def hello(args: argparse.Namespace, _settings: Settings) -> int:
        ran.append(args.name)
        return 0

    extra = Command(
        name="hello",
        help="say hello",
        examples=("alliance hello --name T01",),
        arguments=lambda p: p.add_argument("--name", required=True),
        run=hello,
    )
    parser = build_parser([*COMMANDS, extra])
    args = parser.parse_args(["hello", "--name", "T01"])

    assert args.handler(args, Settings()) == 0
    assert ran == ["T01"]
    assert "alliance hello --name T01" in parser.format_help()


def test_a_group_without_its_subcommand_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["db"])
    assert exit_.value.code == 2
    assert "upgrade" in capsys.readouterr().err


def test_a_badly_written_date_is_refused_with_the_expected_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--since", "25.11.2026"])
    assert exit_.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_an_invalid_setting_is_named_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLIANCE_TICK_SECONDS", "often")

    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err
    assert "ALLIANCE_TICK_SECONDS" in err
    assert "Traceback" not in err
