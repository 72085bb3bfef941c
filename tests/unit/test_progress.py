"""Progress bars: drawn on a terminal, silent when the output is piped."""

from __future__ import annotations

import io

from bot.cli.progress import terminal, untracked


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_with_the_total() -> None:
    screen = Terminal()

    items = list(terminal(screen)(range(250), 250, "answers"))

    assert items == list(range(250))
    assert "answers" in screen.getvalue()
    assert "250/250" in screen.getvalue()


def test_a_pipe_gets_nothing_but_the_items_pass_through() -> None:
    pipe = io.StringIO()

    items = list(terminal(pipe)(iter("abc"), 3, "answers"))

    assert items == ["a", "b", "c"]
    assert pipe.getvalue() == ""


def test_untracked_hands_back_the_same_iterable() -> None:
    rows = [1, 2]
    assert untracked(rows, 2, "rows") is rows
