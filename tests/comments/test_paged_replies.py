"""A comment with thousands of replies costs a page what one with a few does: the
article page and the discussion load only the replies they show, and a count."""

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment

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
