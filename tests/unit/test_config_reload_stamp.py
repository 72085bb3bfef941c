"""The tick hashes the config file only when it may have changed."""

from __future__ import annotations

import os
import time
import time as time_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

import bot.config.watch
import bot.process.reload
from bot.config.problems import ClinicConfigError
from bot.config.watch import REHASH_SECONDS, ConfigWatch, file_stamp
from bot.process.reload import reload_if_changed
from bot.process.services import Services


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every path the tick hashes; loading a changed file fails, so nothing is re-planned."""
    hashed: list[Path] = []

    def counting(path: Path) -> str:
        hashed.append(path)
        return file_stamp(path)

    def invalid(path: Path) -> Any:
        raise ClinicConfigError([])

    monkeypatch.setattr(bot.config.watch, "file_stamp", counting)
    monkeypatch.setattr(bot.process.reload, "load_clinic_config", invalid)
    return hashed


def _watching(path: Path) -> Any:
    return SimpleNamespace(config_watch=ConfigWatch(path, file_stamp(path)))


def _write(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_an_unchanged_size_and_mtime_skip_hashing_until_the_rehash_interval(
    tmp_path: Path, hashes: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.yaml"
    old = time.time_ns() - 3600 * 10**9
    _write(path, "clinic: a\n", old)
    services = _watching(path)
    assert reload_if_changed(cast(Services, services)) is None
    assert reload_if_changed(cast(Services, services)) is None
    assert len(hashes) == 1  # the first tick hashes, the second trusts size and mtime

    _write(path, "clinic: b\n", old)  # an edit that keeps size and mtime
    assert reload_if_changed(cast(Services, services)) is None
    assert len(hashes) == 1
    before = services.config_watch.stamp

    later = time.monotonic() + REHASH_SECONDS + 1
    monkeypatch.setattr(time_module, "monotonic", lambda: later)
    assert reload_if_changed(cast(Services, services)) is None  # seen, but invalid here
    assert len(hashes) == 2
    assert services.config_watch.stamp == file_stamp(path) != before


def test_a_new_mtime_or_size_is_hashed_at_once(tmp_path: Path, hashes: list[Path]) -> None:
    path = tmp_path / "clinic.yaml"
    old = time.time_ns() - 3600 * 10**9
    _write(path, "clinic: a\n", old)
    services = _watching(path)
    reload_if_changed(cast(Services, services))
    _write(path, "clinic: b\n", old + 10**9)
    reload_if_changed(cast(Services, services))
    _write(path, "clinic: bb\n", old + 10**9)
    reload_if_changed(cast(Services, services))
    assert len(hashes) == 3
    assert services.config_watch.stamp == file_stamp(path)


def test_a_recently_modified_file_is_hashed_every_tick(tmp_path: Path, hashes: list[Path]) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("clinic: a\n", encoding="utf-8")  # its mtime may be shared by a next edit
    services = _watching(path)
    for _ in range(3):
        assert reload_if_changed(cast(Services, services)) is None
    assert len(hashes) == 3
