"""Noticing that the clinic file changed, cheaply enough to ask on every tick."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

REHASH_SECONDS = 60.0
"""The config file is hashed at least this often, even when its size and mtime stay put."""
SETTLED_NS = 2 * 10**9
"""An mtime younger than this may be shared by a later edit (file systems keep coarse times)."""


def file_stamp(path: Path) -> str:
    """A fingerprint of a file's content, to notice edits (an mtime can stay the same).

    Reading and hashing a 100,000-client file takes milliseconds, so the tick calls this
    only when the file's size or mtime changed, or a while has passed (``ConfigWatch``).
    """
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class ConfigWatch:
    """The clinic file a running bot was loaded from, and what it last saw of it."""

    path: Path
    stamp: str  # SHA-256 of the content the running config came from
    # (size, mtime_ns) when last hashed, if that mtime was settled; while they stay the
    # same the file is not hashed again (up to ``REHASH_SECONDS``)
    stat: tuple[int, int] | None = None
    hashed_at: float = 0.0  # time.monotonic() of that hashing

    @classmethod
    def of(cls, path: Path) -> ConfigWatch:
        """Watch ``path``, as it is now."""
        return cls(path, file_stamp(path))

    def changed(self) -> bool:
        """Whether the content changed since last seen; the new content counts as seen.

        Size and mtime_ns alone can miss an edit: one within the file system's timestamp
        granularity of the last, or a copy that keeps the old mtime (``cp -p``,
        ``rsync -t``). So a file whose mtime was still recent when hashed is hashed again
        next time, and any file at least every ``REHASH_SECONDS``: such an edit is seen
        within a minute. Raises ``OSError`` when the file cannot be read.
        """
        now = time.monotonic()
        stat = self.path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        if key == self.stat and now - self.hashed_at < REHASH_SECONDS:
            return False
        stamp = file_stamp(self.path)
        settled = time.time_ns() - stat.st_mtime_ns >= SETTLED_NS
        self.stat, self.hashed_at = (key if settled else None), now
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return True
