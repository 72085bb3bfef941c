"""A small PNG reader for tests: enough to hand a generated QR code to a decoder."""

from __future__ import annotations

import struct
import zlib


def _unfilter(kind: int, line: bytearray, previous: bytes, step: int) -> None:
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = previous[i]
        corner = previous[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            nearest = min(
                (abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner)
            )
            line[i] = (line[i] + nearest[2]) & 0xFF


def grey_pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and 8-bit grey pixels of a greyscale or palette PNG of 1 or 8 bits."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, palette = 8, b"", b""
    width = height = depth = colour = 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    assert depth in (1, 8), depth
    assert colour in (0, 3), colour
    raw = zlib.decompress(data)
    stride = (width * depth + 7) // 8
    previous, pixels = bytes(stride), bytearray()
    for row in range(height):
        start = row * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, max(depth // 8, 1))
        previous = bytes(line)
        for x in range(width):
            value = (line[x // 8] >> (7 - x % 8)) & 1 if depth == 1 else line[x]
            if colour == 3:
                value = palette[3 * value]  # the palette's red channel: black or white
            elif depth == 1:
                value *= 255
            pixels.append(value)
    return width, height, bytes(pixels)
