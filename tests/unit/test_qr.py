"""``alliance invite --qr``: the PNG decodes back to exactly the link that was printed."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp

from bot.adapter.qr import write_qr_png
from tests.png import grey_pixels

LINK = "https://t.me/riverside_checkin_bot?start=Zx9_-aB3cD4eF5gH6iJ7kL8mN9oP0qR1"


def test_the_qr_code_decodes_to_the_printed_link(tmp_path: Path) -> None:
    target = tmp_path / "C101.png"

    write_qr_png(LINK, target)

    width, height, pixels = grey_pixels(target.read_bytes())
    assert width == height >= 200  # big enough to print and scan
    barcode = zxingcpp.read_barcode(memoryview(pixels).cast("B", (height, width)))
    assert barcode is not None
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == LINK


def test_writing_to_a_folder_that_does_not_exist_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_qr_png(LINK, tmp_path / "missing" / "C101.png")
