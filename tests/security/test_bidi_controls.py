"""Bidirectional control characters never reach a rendered comment: a link's text cannot
be made to read "google.com" while it says something else."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment
from comments.rendering import render_body
from comments.services import approve_comment

BIDI = [chr(c) for c in [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C]]


@pytest.mark.parametrize("control", BIDI)
def test_a_link_text_and_body_lose_their_bidi_controls(control):
    typed = f"see [{control}moc.elgoog](https://evil.example/{control}x) {control}here{control}"
    html = render_body(typed)
    assert not set(html) & set(BIDI)
    assert ">moc.elgoog</a>" in html
    assert "here" in html


@pytest.mark.parametrize("entity", ["&#x202E;", "&#8238;", "&#x2067;", "&rlm;", "&lrm;"])
def test_typed_as_an_entity_they_are_stripped_too(entity):
    html = render_body(f"[{entity}moc.elgoog](https://evil.example)")
    assert not set(html) & set(BIDI)


@given(st.text(alphabet=st.sampled_from([*BIDI, "a", "[", "]", "(", ")", " ", "h", ":"])))
def test_no_body_renders_with_one(text):
    assert not set(render_body(text)) & set(BIDI)


def test_a_posted_comment_shows_none_to_readers(client, reader, demo_article):
    client.force_login(reader)
    body = "Official: [\u202egro.elpmaxe-live](https://evil-example.com) \u2067vote\u2069 here"
    client.post(reverse("comments:post", args=[demo_article.slug]), {"body": body})
    approve_comment(Comment.objects.get(author=reader).pk)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "gro.elpmaxe-live</a>" in page
    assert not set(page) & set(BIDI)
