"""How the demo prints what each person sees: plain lines, messages in a box."""

from __future__ import annotations

import html
import re

from sandbox import SandboxMessage

_TAG = re.compile(r"</?[a-z-]+[^>]*>")


def say(text: str = "") -> None:
    """One line of the demo's story."""
    print(text, flush=True)


def show(who: str, message: SandboxMessage) -> None:
    """A message as ``who`` sees it: its text without tags, then its buttons."""
    text = html.unescape(_TAG.sub("", message.text or message.caption or ""))
    say(f"  ┌─ bot → {who}" + (" (a picture)" if message.photo else ""))
    for line in text.splitlines():
        say(f"  │ {line}")
    if message.buttons:
        say("  │ " + " ".join(f"[{label}]" for label in message.button_labels))
    say("  └─")
