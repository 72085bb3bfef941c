"""The therapist's side of repair confirmation end to end: after a Discussed tap, the
client's "Not yet" shows in the next /digest as an open concern (their words again) under
needs attention with a next step, and the follow-up its flags raised as not asked yet."""

from __future__ import annotations

import pytest

from core.clinic import ClinicConfig
from tests.conftest import clinic_config
from tests.e2e.conftest import Clinic
from tests.e2e.test_repair_confirmation import (
    NEXT_DUE,
    NOTE,
    answer_items,
    shared_and_discussed,
    text_of,
)


@pytest.fixture
def config() -> ClinicConfig:
    """The test clinic with repair confirmation on."""
    return clinic_config(repair_check=True)


async def test_not_yet_shows_in_the_next_digest_as_an_open_concern(clinic: Clinic) -> None:
    therapist, client, _data = await shared_and_discussed(clinic)
    clinic.clock.set(NEXT_DUE)
    await clinic.tick()
    question = await answer_items(client, ["9", "9", "9", "9"])
    await client.tap(question, text="Not yet")
    prompt = await client.wait_for_message(lambda m: "bring up next time" in text_of(m))
    await client.tap(prompt, text="Skip")
    await client.wait_for_message(lambda m: "answers are saved" in text_of(m))

    await therapist.send_command("digest")
    digest = await therapist.wait_for_message(
        lambda m: "weekly summary" in text_of(m) and "Not yet" in text_of(m)
    )

    text = text_of(digest)
    assert text.index("NEEDS ATTENTION") < text.index("C101")
    assert "Answered “Not yet” when asked whether what came up was taken up" in text
    assert "useful information, not a failure" in text
    assert NOTE in text  # the concern is open again, in the client's words
    assert "they answered Not yet. Still open" in text
    assert "Discussed" not in " ".join(digest.button_labels)
    assert "Follow-up on the flags of" in text
    assert "low answer" in text
