"""Invite links as QR code PNGs: to print for a client, or to show on a therapist's phone."""

from __future__ import annotations

import io
from pathlib import Path

import segno

from bot.cli.private_files import open_private_binary


def qr_png_bytes(link: str) -> bytes:
    """``link`` as a QR code PNG (error correction M, 8 pixels a module, quiet zone 4)."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def write_qr_png(link: str, path: Path) -> None:
    """Write ``link`` as a QR code PNG to ``path``.

    The file is readable by its owner only: whoever scans the code can enrol as the client.
    """
    png = qr_png_bytes(link)
    with open_private_binary(path) as out:
        out.write(png)
