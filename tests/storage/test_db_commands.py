"""``alliance db current`` and ``alliance db upgrade`` on both databases."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from storage import migrate
from storage.engine import make_engine


def test_an_empty_database_is_behind_until_upgraded_then_current(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLIANCE_DATABASE_URL", database_url)
    head = migrate.head_revision()
    assert head is not None

    assert main(["db", "current"]) == 3
    assert "none (empty database)" in capsys.readouterr().out

    assert main(["db", "upgrade"]) == 0
    assert f"to {head}" in capsys.readouterr().out

    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{head} (up to date)"
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) == head
    engine.dispose()
