"""A lead is an editor's plain text; feed readers show an item's description as HTML."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from articles.briefing import parse_briefing
from articles.importer import import_briefing

LEAD = "Tags like <img src=x onerror=alert(1)> & <b>bold</b> are text here."


@pytest.fixture
def article(db):
    source = f"Escapes\nTable of Contents\n- 1. Escapes\n{LEAD}\nKeywords: a."
    return import_briefing(parse_briefing(source)).article


@pytest.mark.parametrize("feed", ["feed-rss", "feed-atom", "story-rss"])
def test_a_feed_item_shows_the_lead_as_text_not_markup(client, article, feed):
    args = [article.slug] if feed.startswith("story") else []
    response = client.get(reverse(f"articles:{feed}", args=args))
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    descriptions = [
        element.text
        for element in root.iter()
        if element.tag == "description" or element.get("type") == "html"
    ]
    # Read as HTML, the description says exactly the lead: every "<" is "&lt;".
    assert (
        "Tags like &lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in (descriptions[-1])
    )
    assert all("<" not in (text or "") for text in descriptions)
