"""The shipped systemd unit and Dockerfile, checked as far as this machine allows.

CI has no Docker, so the Dockerfile is never built here: these checks read it.
"""

from __future__ import annotations

import ast
import configparser
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "alliance.service"
DOCKERFILE = REPO / "Dockerfile"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_unit_runs_the_bot_as_its_own_user_and_restarts_it() -> None:
    service = _unit()["Service"]

    assert service["ExecStart"] == "/opt/alliance/.venv/bin/alliance run"
    assert service["ExecStartPre"] == "/opt/alliance/.venv/bin/alliance check-config"
    assert service["User"] == "alliance"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert service["EnvironmentFile"] == "/opt/alliance/.env"
    assert service["ReadWritePaths"] == "/opt/alliance"
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_unit_file(tmp_path: Path) -> None:
    home = tmp_path / "opt" / "alliance"
    program = home / ".venv" / "bin" / "alliance"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    (home / ".env").write_text("", encoding="utf-8")
    unit = tmp_path / "alliance.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/alliance", str(home)))

    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert "alliance.service" not in result.stderr, result.stderr


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0], line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_uses_a_supported_python_and_copies_every_package() -> None:
    steps = _instructions()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]

    assert steps[0] == ("FROM", "python:3.11-slim")
    assert project["project"]["requires-python"] == ">=3.11"
    copied = [shlex.split(args)[0] for kind, args in steps if kind == "COPY"]
    for source in copied:
        for name in source.split():
            assert (REPO / name).exists(), name
    assert set(packages) <= {c.rstrip("/") for c in copied}
    assert "README.md" in " ".join(args for kind, args in steps if kind == "COPY")


def test_the_container_runs_unprivileged_and_checks_its_own_health() -> None:
    steps = _instructions()
    kinds = [kind for kind, _ in steps]

    assert ("USER", "alliance") in steps
    assert kinds.index("USER") < kinds.index("CMD")
    assert ("ENTRYPOINT", '["alliance"]') in steps
    assert ("CMD", '["run"]') in steps
    env = " ".join(args for kind, args in steps if kind == "ENV")
    assert "ALLIANCE_HEALTH_PORT=9090" in env
    assert "ALLIANCE_HEALTH_HOST=0.0.0.0" in env
    assert ("EXPOSE", "9090") in steps
    (check,) = [args for kind, args in steps if kind == "HEALTHCHECK"]
    assert "http://127.0.0.1:9090/healthz" in check
    command = check.split("CMD", 1)[1].strip()
    program = ast.literal_eval(command)
    assert program[:2] == ["python", "-c"]
    compile(program[2], "HEALTHCHECK", "exec")  # valid Python


def test_the_docker_context_leaves_secrets_and_local_data_out() -> None:
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()

    for secret in (".env", "alliance.db*", "clinic.yaml", ".venv", ".git"):
        assert secret in ignored
