"""Invite tokens: unguessable, single-use by hash, shaped for a Telegram deep link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core.enrolment import (
    CONSENT_VERSION,
    Role,
    deep_link,
    hash_token,
    looks_like_token,
    new_invite,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TWO_WEEKS = timedelta(days=14)
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
#: Bits carried by one character of URL-safe base64.
BITS_PER_CHAR = 6


def test_a_token_carries_at_least_128_random_bits() -> None:
    token = new_invite(NOW, TWO_WEEKS).token
    assert URL_SAFE.fullmatch(token)
    assert len(token) * BITS_PER_CHAR >= 128
    assert len(token) == 32  # 24 random bytes


def test_a_token_fits_a_deep_link_payload() -> None:
    token = new_invite(NOW, TWO_WEEKS).token
    assert len(token) <= 64
    assert URL_SAFE.fullmatch(token)


def test_tokens_are_unique_across_many_invites() -> None:
    tokens = {new_invite(NOW, TWO_WEEKS).token for _ in range(2000)}
    assert len(tokens) == 2000


def test_tokens_use_the_whole_url_safe_alphabet() -> None:
    seen = set("".join(new_invite(NOW, TWO_WEEKS).token for _ in range(300)))
    assert len(seen) > 60  # 64 symbols; a narrow alphabet would mean fewer bits


def test_the_invite_stores_the_hash_of_its_token() -> None:
    invite = new_invite(NOW, TWO_WEEKS)
    assert invite.token_hash == hash_token(invite.token)
    assert invite.token not in invite.token_hash


def test_the_hash_is_stable_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_token("abc") == hash_token("abc")
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token(new_invite(NOW, TWO_WEEKS).token))


def test_different_tokens_hash_differently() -> None:
    a, b = new_invite(NOW, TWO_WEEKS), new_invite(NOW, TWO_WEEKS)
    assert a.token_hash != b.token_hash
    assert hash_token(a.token + "x") != a.token_hash


def test_the_invite_expires_after_its_validity() -> None:
    assert new_invite(NOW, TWO_WEEKS).expires_at == NOW + TWO_WEEKS
    assert new_invite(NOW, timedelta(days=1)).expires_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_a_fresh_token_looks_like_a_token() -> None:
    for _ in range(50):
        assert looks_like_token(new_invite(NOW, TWO_WEEKS).token)


@pytest.mark.parametrize("payload", ["a" * 16, "A-_z" * 16, "0123456789abcdef_-"])
def test_payloads_of_the_right_shape_look_like_tokens(payload: str) -> None:
    assert looks_like_token(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "a" * 15,
        "a" * 65,
        "hello",
        "a" * 20 + " ",
        "a" * 20 + "\n",
        "a" * 10 + " " + "a" * 10,
        "a" * 20 + "/",
        "a" * 20 + "+",
        "a" * 20 + "=",
        "a" * 20 + ".",
        "\u00e9" * 20,
        "\uff41" * 20,
        "\u0663" * 20,
    ],
)
def test_other_payloads_do_not_look_like_tokens(payload: str) -> None:
    assert not looks_like_token(payload)


def test_the_deep_link_opens_the_bot_with_the_token_as_start_payload() -> None:
    token = new_invite(NOW, TWO_WEEKS).token
    link = deep_link("RiversideCheckinBot", token)
    assert link == f"https://t.me/RiversideCheckinBot?start={token}"
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/RiversideCheckinBot")
    assert parse_qs(parts.query) == {"start": [token]}


def test_the_consent_version_is_set_and_roles_are_client_and_therapist() -> None:
    assert CONSENT_VERSION
    assert {role.value for role in Role} == {"client", "therapist"}
