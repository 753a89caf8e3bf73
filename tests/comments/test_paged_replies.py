"""A comment with thousands of replies costs a page what one with a few does: the
article page and the discussion load only the replies they show, and a count."""

import re
from html import unescape

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.threads import REPLIES_PER_PAGE

HTMX = {"HX-Request": "true"}


def add_replies(root, author, how_many):
    for n in range(how_many):
        reply = Comment(
            article=root.article,
            author=author,
            body=f"reply number {n}",
            body_html=f"<p>reply number {n}</p>",
            status=Comment.Status.APPROVED,
        )
        Comment.objects.add_child(Comment.objects.get(pk=root.pk), instance=reply)
    Comment.objects.filter(pk=root.pk).update(reply_count=how_many)


class LoadedComments:
    """How many comment rows became objects while it was open."""

    def __init__(self):
        self.count = 0

    def __call__(self, sender, **kwargs):
        self.count += 1

    def __enter__(self):
        post_init.connect(self, sender=Comment)
        return self

    def __exit__(self, *exc):
        post_init.disconnect(self, sender=Comment)


def cost(client, url, headers=None):
    with LoadedComments() as loaded, CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return len(queries), loaded.count, response.content.decode()


@pytest.mark.parametrize("page", ["article", "discussion", "discussion (htmx)"])
def test_a_page_loads_the_same_rows_and_queries_for_5_or_400_replies(
    client, say, reader, other_reader, demo_article, page, django_assert_max_num_queries
):
    url = {
        "article": demo_article.get_absolute_url(),
        "discussion": reverse("comments:discussion", args=[demo_article.slug]),
        "discussion (htmx)": reverse("comments:discussion", args=[demo_article.slug]),
    }[page]
    headers = HTMX if "htmx" in page else None
    root = say(reader, "the busy comment")
    add_replies(root, other_reader, 5)
    cost(client, url, headers)  # caches warmed
    queries, rows, html = cost(client, url, headers)
    assert "Show 2 more replies" in html

    add_replies(root, other_reader, 395)
    with django_assert_max_num_queries(queries):
        queries_after, rows_after, html = cost(client, url, headers)
    assert "Show 397 more replies" in html
    assert html.count("reply number") == 3
    assert rows_after == rows
    assert queries_after == queries


def more_link(html, attribute="href"):
    match = re.search(r'<a href="([^"]+)" hx-get="([^"]+)"[^>]*>Show (\d+) more repl', html)
    if match is None:
        return None, 0
    url = match.group(1 if attribute == "href" else 2)
    return unescape(url), int(match.group(3))


@pytest.mark.parametrize("headers", [None, HTMX], ids=["page", "htmx"])
def test_the_comment_page_pages_its_replies_and_every_reply_is_reached_once(
    client, say, reader, other_reader, headers
):
    root = say(reader, "the busy comment")
    add_replies(root, other_reader, 45)
    html = client.get(root.get_absolute_url()).content.decode()
    seen = re.findall(r"reply number (\d+)", html)
    assert len(seen) == REPLIES_PER_PAGE
    url, more = more_link(html, "href" if headers is None else "hx-get")
    assert more == 45 - REPLIES_PER_PAGE
    while url:
        html = client.get(url, headers=headers or {}).content.decode()
        seen += re.findall(r"reply number (\d+)", html)
        url, more = more_link(html, "href" if headers is None else "hx-get")
    assert sorted(map(int, seen)) == list(range(45))


def test_the_comment_page_loads_the_same_rows_and_queries_for_25_or_400_replies(
    client, say, reader, other_reader, django_assert_max_num_queries
):
    root = say(reader, "the busy comment")
    add_replies(root, other_reader, 25)
    url = root.get_absolute_url()
    cost(client, url)
    queries, rows, html = cost(client, url)
    assert "Show 5 more replies" in html

    add_replies(root, other_reader, 375)
    with django_assert_max_num_queries(queries):
        _, rows_after, html = cost(client, url)
    assert "Show 380 more replies" in html
    assert rows_after == rows


def test_the_next_page_of_replies_after_the_first_ones_has_a_fixed_size(
    client, say, reader, other_reader
):
    root = say(reader, "the busy comment")
    add_replies(root, other_reader, 400)
    page = client.get(reverse("comments:discussion", args=[root.article.slug])).content.decode()
    url, more = more_link(page, "hx-get")
    assert more == 397
    with LoadedComments() as loaded:
        fragment = client.get(url, headers=HTMX).content.decode()
    assert re.findall(r"reply number (\d+)", fragment)[:2] == ["3", "4"]
    assert "Show 377 more replies" in fragment
    assert loaded.count <= REPLIES_PER_PAGE + 2


@pytest.mark.parametrize(
    "after", ["x", "%00", "../", "0" * 12, "ZZZZZZZZZZZZZZZZZZ", "a" * 5000, "000001ÄÄÄÄÄÄ"]
)
def test_a_broken_link_to_more_replies_is_a_400_with_a_message(client, say, reader, after):
    root = say(reader, "the busy comment")
    for url, headers in (
        (root.get_absolute_url(), {}),
        (root.urls["replies"], HTMX),
    ):
        response = client.get(url, {"after": after}, headers=headers)
        assert response.status_code == 400
        assert "link to more replies is broken" in response.content.decode()
