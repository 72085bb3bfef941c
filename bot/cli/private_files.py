"""Files the command line writes personal data to (exports, invite QR codes), readable by
their owner only, whatever the umask.

A new file is created with mode 0600 in the same ``open`` call, so it is never readable by
others, not even empty. An existing file is emptied first and then narrowed to 0600 before
a byte is written: overwriting last month's world-readable export leaves no copy of this
month's data readable by others. Only regular files are narrowed: ``--output /dev/stdout``
or a named pipe keeps its mode.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, TextIO

#: Read and write for the owner, nothing for the group or others.
PRIVATE_MODE = 0o600


def open_private_text(path: Path) -> TextIO:
    """``path`` opened for writing UTF-8 text (newlines written as given, as ``csv`` needs)."""
    return open(_private_descriptor(path), "w", encoding="utf-8", newline="")


def open_private_binary(path: Path) -> BinaryIO:
    """``path`` opened for writing bytes."""
    return open(_private_descriptor(path), "wb")


def _private_descriptor(path: Path) -> int:
    """A descriptor writing to ``path``: created 0600, or emptied and narrowed to 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    descriptor = os.open(path, flags, PRIVATE_MODE)
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fchmod(descriptor, PRIVATE_MODE)
    except OSError:
        os.close(descriptor)
        raise
    return descriptor
