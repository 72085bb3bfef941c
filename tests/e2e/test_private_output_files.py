"""``alliance export --output`` and ``alliance invite --qr`` write files their owner alone can
read, under the usual umask, new or overwritten."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.process.crypto import new_key
from sandbox import BotApiSandbox
from tests.e2e.test_cli_privacy import NOTE, store_old_note
from tests.e2e.test_cli_process import CONFIG, TOKEN, alliance


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have: new files would be readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def clinic_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic file and a database with one private note; the environment points at both."""
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session="2020-01-07T10:00"), encoding="utf-8")
    url, key = f"sqlite:///{tmp_path / 'alliance.db'}", new_key()
    store_old_note(url, key, config)
    monkeypatch.setenv("ALLIANCE_CLINIC_CONFIG", str(config))
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", url)
    monkeypatch.setenv("ALLIANCE_ENCRYPTION_KEY", key)
    return tmp_path


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_an_export_file_is_readable_by_its_owner_only(clinic_with_a_note: Path, fmt: str) -> None:
    target = clinic_with_a_note / f"export.{fmt}"

    status = main(["export", "--format", fmt, "--include-private-notes", "--output", str(target)])

    assert status == 0
    assert mode(target) == 0o600
    assert NOTE in target.read_text(encoding="utf-8")


def test_an_export_over_a_world_readable_file_replaces_it_privately(
    clinic_with_a_note: Path,
) -> None:
    target = clinic_with_a_note / "bundle.json"
    target.write_text("x" * 100_000, encoding="utf-8")
    target.chmod(0o644)

    assert main(["export", "--format", "fhir", "--output", str(target)]) == 0

    assert mode(target) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["resourceType"] == "Bundle"


async def test_invite_writes_its_qr_code_readable_by_its_owner_only(tmp_path: Path) -> None:
    config = tmp_path / "clinic.yaml"
    config.write_text(CONFIG.format(session="2020-01-07T10:00"), encoding="utf-8")
    target = tmp_path / "C101.png"
    async with BotApiSandbox(token=TOKEN, username="riverside_checkin_bot") as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
        env.update(
            ALLIANCE_BOT_TOKEN=TOKEN,
            ALLIANCE_DATABASE_URL=f"sqlite:///{tmp_path / 'alliance.db'}",
            ALLIANCE_CLINIC_CONFIG=str(config),
            ALLIANCE_TELEGRAM_API_URL=sandbox.api_root,
            ALLIANCE_ENCRYPTION_KEY=new_key(),
        )
        status, out, err = await alliance(env, "invite", "C101", "--qr", str(target))

    assert status == 0, err
    assert out.startswith("https://t.me/riverside_checkin_bot?start=")
    assert mode(target) == 0o600
