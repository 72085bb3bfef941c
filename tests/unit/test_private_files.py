"""Files with personal data are created readable by their owner only, under the usual umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapter.qr import write_qr_png
from bot.cli.private_files import open_private_binary, open_private_text


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have: new files would be readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path | str) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_text_file_is_readable_and_writable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "answers.csv"
    with open_private_text(target) as out:
        out.write("a,b\r\nü,2\r\n")
    assert mode(target) == 0o600
    assert target.read_bytes() == "a,b\r\nü,2\r\n".encode()  # UTF-8, newlines as written


def test_an_existing_world_readable_file_is_emptied_and_narrowed_to_its_owner(
    tmp_path: Path,
) -> None:
    target = tmp_path / "bundle.json"
    target.write_bytes(b"last month's export, much longer than this one")
    target.chmod(0o644)
    with open_private_binary(target) as out:
        assert mode(target) == 0o600  # narrowed before anything is written
        out.write(b"new")
    assert mode(target) == 0o600
    assert target.read_bytes() == b"new"


def test_a_terminal_given_as_the_output_keeps_its_mode() -> None:
    leader, follower = os.openpty()
    try:
        terminal = os.ttyname(follower)
        before = mode(terminal)
        with open_private_text(Path(terminal)) as out:
            out.write("shown on the terminal\n")
        assert mode(terminal) == before
    finally:
        os.close(follower)
        os.close(leader)


def test_a_file_that_cannot_be_opened_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_private_text(tmp_path / "missing" / "answers.csv")
    assert not (tmp_path / "missing").exists()


def test_an_invite_qr_code_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "C101.png"
    write_qr_png("https://t.me/riverside_checkin_bot?start=abc", target)
    assert mode(target) == 0o600
    assert target.read_bytes().startswith(b"\x89PNG")
