"""docs/architecture.md stays true: every Python file it names exists, and its migrations
table lists every migration, in order.

Where a name is read from: in a row of the package table (first cell a folder, such as
`` `bot/` ``), from that folder (``handlers/invite.py`` is ``bot/adapter/handlers/invite.py``); in a
row of the migrations table (first cell a number), from the migrations folder; anywhere
else, from the repository root, so prose names files by their full path.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
MIGRATIONS = REPO / "storage" / "migrations" / "versions"
_PY = re.compile(r"`([\w/.*-]+\.py)`")
_PACKAGE_ROW = re.compile(r"^\| `(\w+)/` \|")
_MIGRATION_ROW = re.compile(r"^\| (\d{4}) \| `(\w+\.py)` \|")


def named_files() -> list[tuple[str, Path]]:
    """Each ``.py`` name in the doc, with the path it stands for."""
    found = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if package := _PACKAGE_ROW.match(line):
            base = REPO / package.group(1)
        elif _MIGRATION_ROW.match(line):
            base = MIGRATIONS
        else:
            base = REPO
        found += [(name, base / name) for name in _PY.findall(line)]
    return found


def migration_rows() -> list[tuple[str, str]]:
    """(number, file name) of each row of the doc's migrations table, in order."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    return [(m.group(1), m.group(2)) for line in lines if (m := _MIGRATION_ROW.match(line))]


def test_every_python_file_the_architecture_doc_names_exists() -> None:
    named = named_files()

    missing = [name for name, path in named if not path.is_file()]

    assert len(named) > 50  # the package table alone names more
    assert missing == []


def test_the_migrations_table_lists_every_migration_in_order() -> None:
    files = sorted(p.name for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))

    rows = migration_rows()

    assert [name for _, name in rows] == files
    assert all(name.startswith(number + "_") for number, name in rows)
