"""Invite links as QR code PNGs, to print for a client."""

from __future__ import annotations

import io
from pathlib import Path

import segno


def write_qr_png(link: str, path: Path) -> None:
    """Write ``link`` as a QR code (error correction M, 8 pixels a module, quiet zone 4)."""
    segno.make(link, error="m", micro=False).save(str(path), kind="png", scale=8, border=4)


def qr_png_bytes(link: str) -> bytes:
    """``link`` as a QR code PNG in memory, drawn as ``write_qr_png`` draws it (to send)."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()
