"""Progress bars for long operations: drawn on a terminal's stderr, silent when piped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")


class Track(Protocol):
    """Wraps an iterable to report progress over ``total`` items of ``what``."""

    def __call__(self, items: Iterable[T], total: int, what: str) -> Iterable[T]: ...


def untracked(items: Iterable[T], total: int, what: str) -> Iterable[T]:
    """No progress shown (for library callers and tests)."""
    return items


def terminal(stream: TextIO | None = None) -> Track:
    """A tracker that draws a bar on ``stream`` (stderr) only when it is a terminal."""
    out = stream or sys.stderr

    def track(items: Iterable[T], total: int, what: str) -> Iterator[T]:
        quiet = not out.isatty()
        return iter(tqdm(items, total=total, desc=what, unit=f" {what}", file=out, disable=quiet))

    return track


@contextmanager
def counter(total: int, what: str, stream: TextIO | None = None) -> Iterator[Callable[[int], None]]:
    """A bar advanced by hand (``advance(n)``), drawn only on a terminal."""
    out = stream or sys.stderr
    with tqdm(total=total, desc=what, unit=" rows", file=out, disable=not out.isatty()) as bar:

        def advance(count: int) -> None:
            bar.update(count)

        yield advance
