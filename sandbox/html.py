"""A strict scanner for Telegram's HTML parse mode, producing visible text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, bad_request

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));")


@dataclass
class _Open:
    name: str
    start: int
    entity: dict[str, Any] | None


@dataclass
class HtmlScanner:
    """Turns one HTML-formatted string into visible text and UTF-16 based entities."""

    source: str
    pos: int = 0
    utf16: int = 0
    out: list[str] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        """Scan the whole source, raising `ApiError` on markup Telegram would reject."""
        while self.pos < len(self.source):
            char = self.source[self.pos]
            if char == "<":
                self._tag()
            elif char == "&":
                decoded, self.pos = self._entity(self.source, self.pos, self.pos)
                self._emit(decoded)
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise self._fail(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def _fail(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def _byte(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8", "surrogatepass"))

    def _emit(self, char: str) -> None:
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def _entity(self, text: str, index: int, origin: int) -> tuple[str, int]:
        match = _ENTITY.match(text, index)
        if match is None:
            raise self._fail(f'Unescaped "&" at byte offset {self._byte(origin)}')
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in NAMED_ENTITIES:
                where = self._byte(origin)
                raise self._fail(f'Unsupported HTML entity "&{name};" at byte offset {where}')
            return NAMED_ENTITIES[name], match.end()
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            where = self._byte(origin)
            raise self._fail(f'Invalid character reference "{match[0]}" at byte offset {where}')
        return chr(code), match.end()

    def _tag(self) -> None:
        begin, text = self.pos, self.source
        if text.startswith("</", begin):
            self._end_tag(begin)
            return
        index = begin + 1
        while index < len(text) and not text[index].isspace() and text[index] != ">":
            index += 1
        if index >= len(text):
            raise self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = text[begin + 1 : index].lower()
        if name not in TAGS:
            where = self._byte(begin)
            raise self._fail(f'Unsupported start tag "{name}" at byte offset {where}')
        attributes, self.pos = self._attributes(name, begin, index)
        self._open(name, attributes, begin)

    def _attributes(self, tag: str, begin: int, index: int) -> tuple[dict[str, str], int]:
        text = self.source
        found: dict[str, str] = {}
        unclosed = self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
        while True:
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text):
                raise unclosed
            if text[index] == ">":
                return found, index + 1
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in "=>":
                end += 1
            name, index = text[index:end].lower(), end
            if not name:
                where = self._byte(begin)
                raise self._fail(f'Empty attribute name in the tag "{tag}" at byte offset {where}')
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text) or text[index] != "=":
                found[name] = ""
                continue
            index += 1
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text):
                raise unclosed
            if text[index] in "\"'":
                end = text.find(text[index], index + 1)
                if end < 0:
                    raise unclosed
                raw, index = text[index + 1 : end], end + 1
            else:
                end = index
                while end < len(text) and not text[end].isspace() and text[end] != ">":
                    end += 1
                raw, index = text[index:end], end
            found[name] = self._unescape(raw, begin)

    def _unescape(self, raw: str, origin: int) -> str:
        parts, index = [], 0
        while index < len(raw):
            if raw[index] == "&":
                decoded, index = self._entity(raw, index, origin)
                parts.append(decoded)
            else:
                parts.append(raw[index])
                index += 1
        return "".join(parts)

    def _open(self, name: str, attributes: dict[str, str], begin: int) -> None:
        entity: dict[str, Any] | None = {"type": TAGS[name]}
        where = self._byte(begin)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {where}')
        if name == "a":
            entity = {"type": "text_link", "url": attributes.get("href", "")}
        elif name == "tg-emoji":
            emoji_id = attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise self._fail(f"Invalid custom emoji identifier at byte offset {where}")
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        elif name == "blockquote" and "expandable" in attributes:
            entity = {"type": "expandable_blockquote"}
        elif name == "code" and self.stack and self.stack[-1].name == "pre":
            language = attributes.get("class", "")
            outer = self.stack[-1].entity
            if language.startswith("language-") and outer is not None and "language" not in outer:
                outer["language"] = language.removeprefix("language-")
                entity = None
        self.stack.append(_Open(name, self.utf16, entity))

    def _end_tag(self, begin: int) -> None:
        end = self.source.find(">", begin + 2)
        if end < 0:
            raise self._fail(f"Unclosed end tag at byte offset {self._byte(begin)}")
        name = self.source[begin + 2 : end].strip().lower()
        if not self.stack:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte(begin)}")
        top = self.stack.pop()
        if name != top.name:
            where = self._byte(begin)
            raise self._fail(
                f'Unmatched end tag at byte offset {where}, expected "</{top.name}>",'
                f' found "</{name}>"'
            )
        length = self.utf16 - top.start
        if top.entity is not None and length > 0 and top.entity.get("url") != "":
            extras = {key: value for key, value in top.entity.items() if key != "type"}
            entity = {"type": top.entity["type"], "offset": top.start, "length": length}
            self.entities.append(entity | extras)
        self.pos = end + 1


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the visible text and entities of an HTML-formatted message."""
    return HtmlScanner(source).run()
