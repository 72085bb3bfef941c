"""Files the bot uploads: stored bytes, file ids and image dimensions."""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class StoredFile:
    """An uploaded photo or document, kept with its bytes."""

    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        """Number of bytes."""
        return len(self.data)

    def photo_sizes(self) -> list[dict[str, Any]]:
        """Return the `photo` array of a Message (one size: the original)."""
        width, height = image_size(self.data)
        size = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        return [size | {"width": width, "height": height, "file_size": self.size}]

    def document(self) -> dict[str, Any]:
        """Return the `document` object of a Message."""
        found: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.filename:
            found["file_name"] = self.filename
        if self.mime_type:
            found["mime_type"] = self.mime_type
        return found | {"file_size": self.size}


def guess_mime_type(filename: str | None, declared: str | None) -> str | None:
    """Prefer the declared content type, else guess one from the file name."""
    if declared and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return guessed or declared


def image_size(data: bytes) -> tuple[int, int]:
    """Read width and height of a PNG, GIF or JPEG image; (0, 0) when unknown."""
    if data.startswith(_PNG) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 <= len(data) and data[index] == 0xFF:
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            index += 2
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return 0, 0
