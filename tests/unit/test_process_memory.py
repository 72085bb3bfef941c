"""``alliance run``'s memory: it limits glibc's malloc arenas before any thread starts,
unless the deployment chose a number itself, and goes on where the C library has no such
call; what start-up loaded is kept out of the cyclic collector's way."""

from __future__ import annotations

import ctypes
import gc
from typing import Any

import pytest

from bot.process import runner


class Libc:
    """The C library's ``mallopt``, recording its calls."""

    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.answer = answer

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return self.answer


def _libc(monkeypatch: pytest.MonkeyPatch, libc: object) -> None:
    def cdll(name: Any) -> object:
        assert name is None  # the process's own C library
        return libc

    monkeypatch.setattr(ctypes, "CDLL", cdll)


def test_the_arenas_are_limited_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = Libc()
    _libc(monkeypatch, libc)

    runner.fewer_malloc_arenas()

    assert libc.calls == [(-8, runner.MALLOC_ARENAS)]  # M_ARENA_MAX


def test_a_number_the_deployment_set_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = Libc()
    _libc(monkeypatch, libc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")

    runner.fewer_malloc_arenas()

    assert libc.calls == []


def test_a_c_library_without_mallopt_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _libc(monkeypatch, object())

    runner.fewer_malloc_arenas()  # no error


def test_a_refusal_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _libc(monkeypatch, Libc(answer=0))

    runner.fewer_malloc_arenas()

    assert "malloc arenas not limited" in caplog.text


def test_what_start_up_loaded_is_kept_out_of_the_cyclic_collector() -> None:
    try:
        runner.keep_out_of_collections()
        assert gc.get_freeze_count() > 0
        assert gc.collect() == 0  # what could be collected was, first
    finally:
        gc.unfreeze()
