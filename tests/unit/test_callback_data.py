"""Callback data: what buttons carry, what a tap decodes to, and what is refused."""

from __future__ import annotations

import re
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapter import callback_data as cd
from core.flow import ItemAnswer, NoteText, ShareChoice, SkipNote, Stage, stage_of
from core.questionnaire import DEFAULT_QUESTIONNAIRE

Q = DEFAULT_QUESTIONNAIRE
N = len(Q.items)
TOKEN = secrets.token_urlsafe(8)  # as storage makes them: 11 URL-safe characters
LONGEST_TOKEN = "A-_z" * 4  # the longest token the format allows: 16 characters
#: Characters for random data: the format's own, and lookalikes from far outside ASCII.
ALPHABET = string.printable + "\x00\u00e9\u0441\u0663\uff11\u200b\ud800\U0001f44d"
#: Telegram's limit for callback_data, in bytes.
TELEGRAM_LIMIT = 64


def every_button(token: str) -> list[str]:
    """The data of every button a check-in can show, plus the consent buttons."""
    data = [cd.consent(True), cd.consent(False)]
    for step in range(N):
        data += [cd.item_value(token, step, v) for v in Q.scale]
        data.append(cd.skip(token, step))
    data.append(cd.skip(token, N))
    data += [cd.share(token, N + 1, True), cd.share(token, N + 1, False)]
    return data


@pytest.mark.parametrize("token", [TOKEN, LONGEST_TOKEN, "a"])
def test_every_button_fits_in_telegrams_64_bytes(token: str) -> None:
    for data in every_button(token):
        assert len(data.encode("utf-8")) <= TELEGRAM_LIMIT, data


@pytest.mark.parametrize("token", [TOKEN, LONGEST_TOKEN])
def test_every_button_decodes(token: str) -> None:
    for data in every_button(token):
        assert cd.decode(data) is not None, data


def test_the_data_is_unique_per_button() -> None:
    data = every_button(TOKEN)
    assert len(set(data)) == len(data)


def test_a_scale_button_round_trips() -> None:
    assert cd.decode(cd.item_value(TOKEN, 2, 7)) == cd.CheckinTap(TOKEN, 2, "7")
    assert cd.decode(cd.item_value(TOKEN, 0, 10)) == cd.CheckinTap(TOKEN, 0, "10")
    assert cd.decode(cd.item_value(TOKEN, 3, 0)) == cd.CheckinTap(TOKEN, 3, "0")


def test_skip_round_trips() -> None:
    assert cd.decode(cd.skip(TOKEN, 1)) == cd.CheckinTap(TOKEN, 1, "s")


def test_share_and_keep_private_round_trip() -> None:
    assert cd.decode(cd.share(TOKEN, N + 1, True)) == cd.CheckinTap(TOKEN, N + 1, "y")
    assert cd.decode(cd.share(TOKEN, N + 1, False)) == cd.CheckinTap(TOKEN, N + 1, "n")


def test_consent_round_trips() -> None:
    assert cd.decode(cd.consent(True)) == cd.ConsentTap(given=True)
    assert cd.decode(cd.consent(False)) == cd.ConsentTap(given=False)


@settings(max_examples=100, deadline=None, database=None)
@given(
    token=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        min_size=1,
        max_size=16,
    ),
    step=st.integers(0, 99),
    value=st.integers(0, 99),
)
def test_any_well_formed_tap_round_trips(token: str, step: int, value: int) -> None:
    data = cd.item_value(token, step, value)
    assert len(data.encode("utf-8")) <= TELEGRAM_LIMIT
    assert cd.decode(data) == cd.CheckinTap(token, step, str(value))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "c",
        "c:",
        "k",
        "k:",
        "k:yes",
        "K:Y",
        "k:y ",
        " k:y",
        "c:abc",
        "c:abc:1",
        "c:abc:1:",
        "c::1:5",
        "c:abc::5",
        "c:abc:1:5:",
        "c:abc:1:5:extra",
        "x:abc:1:5",
        "C:abc:1:5",
        "c:abc:1:S",
        "c:abc:1:Y",
        "c:abc:1:maybe",
        "c:abc:-1:5",
        "c:abc:1:-5",
        "c:abc:100:5",
        "c:abc:1:1000",
        "c:abc:1.0:5",
        "c:abc:1:5\n",
        "c:abc:1:5\x00",
        "c:a b:1:5",
        "c:a/b:1:5",
        "c:a+b:1:5",
        "c:a=:1:5",
        "c:" + "a" * 17 + ":1:5",
        "c:abc:1:5" + " " * 60,
        "c:" + "a" * 100 + ":1:5",
        "x" * 65,
        "k:y" * 30,
    ],
)
def test_malformed_or_forged_data_decodes_to_none(data: str | None) -> None:
    assert cd.decode(data) is None


@pytest.mark.parametrize(
    "data",
    [
        "c:ab\u00e9:1:5",  # a letter outside ASCII in the token
        "c:\uff41bc:1:5",  # a full-width letter
        "c:abc:1:\u00bd",  # the vulgar fraction one half
        "c:abc:1:\U0001f44d",
        "\u0441:abc:1:5",  # Cyrillic es, looks like c
        "k:\u0443",  # Cyrillic u, looks like y
    ],
)
def test_unicode_lookalikes_decode_to_none(data: str) -> None:
    assert cd.decode(data) is None


@pytest.mark.parametrize(
    "data",
    [
        "c:abc:\u0663:5",  # ARABIC-INDIC DIGIT THREE as the step
        "c:abc:1:\u0665",  # ARABIC-INDIC DIGIT FIVE as the value
        "c:abc:\uff11:\uff15",  # full-width 1 and 5
        "c:abc:1:\u0967\u0966",  # Devanagari 10
    ],
)
def test_non_ascii_digits_decode_to_none(data: str) -> None:
    assert cd.decode(data) is None


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.text(alphabet=st.sampled_from(ALPHABET), max_size=80))
def test_decoding_arbitrary_text_never_raises_and_only_accepts_short_data(data: str) -> None:
    if cd.decode(data) is not None:
        assert len(data.encode("utf-8")) <= TELEGRAM_LIMIT


def test_a_scale_tap_at_an_item_is_an_item_answer() -> None:
    tap = cd.CheckinTap(TOKEN, 2, "7")
    assert cd.to_action(tap, item_stage=True) == ItemAnswer(2, 7)


def test_skip_at_an_item_is_an_item_answer_without_value() -> None:
    tap = cd.CheckinTap(TOKEN, 1, "s")
    assert cd.to_action(tap, item_stage=True) == ItemAnswer(1, None)


def test_skip_at_the_note_prompt_is_skip_note() -> None:
    tap = cd.CheckinTap(TOKEN, N, "s")
    assert cd.to_action(tap, item_stage=False) == SkipNote(N)


def test_share_and_keep_private_are_share_choices() -> None:
    assert cd.to_action(cd.CheckinTap(TOKEN, N + 1, "y"), item_stage=False) == ShareChoice(
        N + 1, shared=True
    )
    assert cd.to_action(cd.CheckinTap(TOKEN, N + 1, "n"), item_stage=False) == ShareChoice(
        N + 1, shared=False
    )


def test_a_value_above_the_scale_still_becomes_an_item_answer_for_the_flow_to_refuse() -> None:
    assert cd.to_action(cd.CheckinTap(TOKEN, 0, "99"), item_stage=True) == ItemAnswer(0, 99)


def test_every_decoded_button_maps_to_the_action_it_was_made_for() -> None:
    for data in every_button(TOKEN):
        tap = cd.decode(data)
        if not isinstance(tap, cd.CheckinTap):
            continue
        action = cd.to_action(tap, stage_of(Q, tap.step) is Stage.ITEM)
        assert not isinstance(action, NoteText)
        assert action.step == tap.step
        stage = stage_of(Q, tap.step)
        if stage is Stage.ITEM:
            assert isinstance(action, ItemAnswer)
        elif stage is Stage.NOTE:
            assert action == SkipNote(tap.step)
        else:
            assert isinstance(action, ShareChoice)


def test_every_kind_of_button_matches_exactly_one_pattern_of_the_handler_table() -> None:
    patterns = [cd.CHECKIN_TAPS, cd.CONSENT_TAPS, cd.DISCUSSED_TAPS, cd.ERASE_TAPS]
    patterns.append(cd.ESTIMATE_TAPS)
    buttons = [
        cd.item_value("tok", 0, 7),
        cd.skip("tok", 4),
        cd.share("tok", 5, shared=True),
        cd.consent(True),
        cd.discussed("tok"),
        cd.delete(True),
        cd.estimate("tok", 7),
        cd.estimate("tok", None),
    ]
    for data in buttons:
        assert sum(bool(re.match(p, data)) for p in patterns) == 1, data
    assert not any(re.match(p, "z:forged") for p in patterns)  # left to the catch-all


@pytest.mark.parametrize("token", [TOKEN, LONGEST_TOKEN])
def test_estimate_buttons_fit_and_round_trip(token: str) -> None:
    for value in [*range(0, 11), 100, 999, None]:
        data = cd.estimate(token, value)
        assert len(data.encode("utf-8")) <= TELEGRAM_LIMIT
        assert cd.decode(data) == cd.EstimateTap(token, value)


@pytest.mark.parametrize(
    "data",
    [
        "x:",
        "x:abc",
        "x:abc:",
        "x::5",
        "x:abc:-1",
        "x:abc:1000",
        "x:abc:S",
        "x:abc:5:1",
        "x:abc:\u0665",
    ],
)
def test_malformed_estimate_taps_decode_to_none(data: str) -> None:
    assert cd.decode(data) is None
