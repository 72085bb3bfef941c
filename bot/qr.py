"""Invite links as QR code PNGs, to print for a client."""

from __future__ import annotations

from pathlib import Path

import segno


def write_qr_png(link: str, path: Path) -> None:
    """Write ``link`` as a QR code (error correction M, 8 pixels a module, quiet zone 4)."""
    segno.make(link, error="m", micro=False).save(str(path), kind="png", scale=8, border=4)
