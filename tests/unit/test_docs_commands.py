"""Every command in the deployment docs works: ``alliance`` ones parse and have help, and
the backup and restore commands are run against real databases.

Not run here (they need root, systemd or Docker): ``useradd``, ``systemctl``, ``docker``,
``createuser``/``createdb``, ``pip``/``git``; the unit file and Dockerfile have their own
checks in ``test_deployment_files.py``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli.commands import COMMANDS
from bot.cli.commands.base import build_parser
from bot.cli.main import main
from tests.markdown import shell_lines

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def alliance_invocations() -> list[tuple[str, list[str]]]:
    """``alliance`` arguments of every documented command, with where it came from."""
    found = []
    for path in DOCS:
        for line in shell_lines(path):
            words = shlex.split(line, comments=True)
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words = words[1:]  # VARIABLE=value in front of a command
            if words[:2] == ["docker", "exec"]:
                words = words[3:]
            if words and words[0] in ("alliance", "/opt/alliance/.venv/bin/alliance"):
                found.append((f"{path.name}: {line}", words[1:]))
    return found


INVOCATIONS = alliance_invocations()


def test_the_docs_show_the_commands_a_clinic_needs() -> None:
    shown = {" ".join(args[:2]) for _, args in INVOCATIONS}
    for needed in ("db upgrade", "db current", "db copy", "invite C101", "stats"):
        assert any(s.startswith(needed) for s in shown), needed
    assert len(INVOCATIONS) >= 15


@pytest.mark.parametrize(("where", "args"), INVOCATIONS, ids=[w for w, _ in INVOCATIONS])
def test_every_documented_alliance_command_parses_and_has_help(
    where: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = build_parser(COMMANDS)
    parsed = parser.parse_args(args)  # exits with status 2 on an unknown command or option
    assert callable(parsed.handler), where

    path = [a for a in args if not a.startswith("-")][:2]
    command = path if len(path) == 2 and path[0] in ("db", "config") else path[:1]
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "examples:" in capsys.readouterr().out
