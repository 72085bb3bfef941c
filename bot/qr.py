"""Invite links as QR code PNGs, to print for a client."""

from __future__ import annotations

from pathlib import Path

import segno

from bot.private_files import open_private_binary


def write_qr_png(link: str, path: Path) -> None:
    """Write ``link`` as a QR code (error correction M, 8 pixels a module, quiet zone 4).

    The file is readable by its owner only: whoever scans the code can enrol as the client.
    """
    code = segno.make(link, error="m", micro=False)
    with open_private_binary(path) as out:
        code.save(out, kind="png", scale=8, border=4)
