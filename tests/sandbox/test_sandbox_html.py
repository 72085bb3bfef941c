"""The strict HTML parse mode: visible text, UTF-16 entities and Telegram's errors."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox import ApiError
from sandbox.html import parse_html


def test_nested_tags_give_entities_with_utf16_offsets() -> None:
    text, entities = parse_html("<b>🙂 <i>x</i></b> y")
    assert text == "🙂 x y"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 3, "length": 1},
    ]


def test_links_keep_their_unescaped_href() -> None:
    text, entities = parse_html('<a href="https://x.org/?a=1&amp;b=2">site</a>')
    assert text == "site"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.org/?a=1&b=2"}
    ]


@pytest.mark.parametrize(
    ("source", "entity"),
    [
        ('<span class="tg-spoiler">s</span>', {"type": "spoiler"}),
        ("<tg-spoiler>s</tg-spoiler>", {"type": "spoiler"}),
        ("<blockquote expandable>s</blockquote>", {"type": "expandable_blockquote"}),
        ('<tg-emoji emoji-id="5368324170671202286">s</tg-emoji>', {"type": "custom_emoji"}),
        ('<pre><code class="language-python">s</code></pre>', {"language": "python"}),
        ("<STRONG>s</strong>", {"type": "bold"}),
    ],
)
def test_every_supported_tag_is_understood(source: str, entity: dict[str, str]) -> None:
    text, (found,) = parse_html(source)
    assert text == "s"
    assert entity.items() <= found.items()


def test_character_references_and_a_bare_greater_than_sign_are_text() -> None:
    assert parse_html("&lt;&gt;&amp;&quot; &#128578;&#x1F642; 2 > 1") == ('<>&" 🙂🙂 2 > 1', [])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("я <x>", 'Unsupported start tag "x" at byte offset 3'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<a href="x>link</a>', "Unclosed start tag at byte offset 0"),
        ("&#0;", 'Invalid character reference "&#0;"'),
        ('<b ="x">b</b>', 'Empty attribute name in the tag "b"'),
        ('<tg-emoji emoji-id="abc">s</tg-emoji>', "Invalid custom emoji identifier"),
    ],
)
def test_malformed_markup_is_rejected_like_telegram(source: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.code == 400
    assert caught.value.description.startswith(f"Bad Request: can't parse entities: {message}")


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text)) == (text, [])
