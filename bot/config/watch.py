"""Noticing that the clinic file changed, cheaply enough to ask on every tick.

The questionnaire files it names (``questionnaires: - file: ...``) count as part of it: an
edit of one is a change too (see ``includes.read_for``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config.includes import read_for

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
    # SHA-256 of each questionnaire file the running config read, when last hashed
    included: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path) -> ConfigWatch:
        """Watch ``path``, as it is now."""
        return cls(path, file_stamp(path))

    def changed(self) -> bool:
        """Whether the clinic file or a questionnaire file it names changed since last seen.

        The new content counts as seen. Raises ``OSError`` when the clinic file cannot be
        read; a questionnaire file that cannot be read is a change (the reload says why).
        """
        clinic = self._clinic_file_changed()
        return self._questionnaire_files_changed() or clinic

    def _clinic_file_changed(self) -> bool:
        """Whether the clinic file's content changed since last seen.

        Size and mtime_ns alone can miss an edit: one within the file system's timestamp
        granularity of the last, or a copy that keeps the old mtime (``cp -p``,
        ``rsync -t``). So a file whose mtime was still recent when hashed is hashed again
        next time, and any file at least every ``REHASH_SECONDS``: such an edit is seen
        within a minute.
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

    def _questionnaire_files_changed(self) -> bool:
        """Whether a questionnaire file the running config read differs from what it read
        and from what was last seen of it. These files are small: each is hashed each time.
        """
        changed = False
        for path, loaded in read_for(self.path):
            try:
                stamp = file_stamp(Path(path))
            except OSError:
                stamp = "unreadable"
            if stamp != loaded and self.included.get(path) != stamp:
                changed = True
            self.included[path] = stamp
        return changed
