"""``alliance run`` limits glibc's malloc arenas before any thread starts, unless the
deployment chose a number itself, and goes on where the C library has no such call."""

from __future__ import annotations

import ctypes
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

    runner._fewer_malloc_arenas()

    assert libc.calls == [(-8, runner.MALLOC_ARENAS)]  # M_ARENA_MAX


def test_a_number_the_deployment_set_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = Libc()
    _libc(monkeypatch, libc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")

    runner._fewer_malloc_arenas()

    assert libc.calls == []


def test_a_c_library_without_mallopt_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _libc(monkeypatch, object())

    runner._fewer_malloc_arenas()  # no error


def test_a_refusal_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _libc(monkeypatch, Libc(answer=0))

    runner._fewer_malloc_arenas()

    assert "malloc arenas not limited" in caplog.text
