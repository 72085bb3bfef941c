"""How config fields read in the JSON Schema that ``alliance config schema`` prints.

Editors validate with these, so a pattern here must refuse what the validators refuse;
patterns are ECMA-262 (no inline flags such as ``(?i)``).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import WithJsonSchema


def text_schema(description: str, **schema: object) -> WithJsonSchema:
    """A string field's schema with a description for editor hovers."""
    return WithJsonSchema({"type": "string", "description": description, **schema})


def any_case(words: Iterable[str]) -> str:
    """A pattern matching any of ``words`` in any letter case: ``[Mm][Oo][Nn]|...``."""
    return "|".join("".join(f"[{c.upper()}{c}]" for c in word) for word in words)
