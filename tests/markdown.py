"""Reading the commands out of the project's Markdown documentation."""

from __future__ import annotations

import re
from pathlib import Path

_FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.MULTILINE | re.DOTALL)


def shell_lines(path: Path) -> list[str]:
    """The command lines of a file's ``sh`` blocks, continuation lines joined."""
    lines: list[str] = []
    for language, body in _FENCE.findall(path.read_text(encoding="utf-8")):
        if language != "sh":
            continue
        joined = re.sub(r"\\\n\s*", " ", body)
        lines += [line.strip() for line in joined.splitlines() if line.strip()]
    return lines
