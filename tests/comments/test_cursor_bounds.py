"""A thread page's `after=` cursor the database cannot compare is a 400 with a message,
never a 500, on SQLite and PostgreSQL alike."""

import base64
import json

import pytest
from django.urls import reverse

from comments import threads


def cursor(value, pk=1):
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


OUT_OF_RANGE = [
    ("newest", cursor("9999-12-31T23:59:59-12:00")),  # past year 9999 in UTC
    ("oldest", cursor("0001-01-01T00:00:00+14:00")),  # before year 1 in UTC
    ("newest", cursor("9999-12-31T23:59:59+00:00")),
    ("newest", cursor("2026-01-01T00:00:00")),  # no time zone: ours always have one
    ("replies", cursor(10**30)),
    ("replies", cursor(-(10**30))),
    ("best", base64.urlsafe_b64encode(b"[Infinity, 1]").decode()),
    ("best", base64.urlsafe_b64encode(b"[NaN, 1]").decode()),
    ("best", cursor(0.5, 10**30)),
    ("best", cursor(True)),
]


@pytest.mark.parametrize(("sort", "after"), OUT_OF_RANGE)
def test_an_out_of_range_cursor_is_a_400_with_a_message(client, demo_article, sort, after):
    url = reverse("comments:discussion", args=[demo_article.slug])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, {"sort": sort, "after": after}, headers=headers)
        assert response.status_code == 400
        assert "That page of comments does not exist." in response.content.decode()


def test_a_cursor_of_our_own_still_pages(client, demo_article, say, reader, monkeypatch):
    monkeypatch.setattr(threads, "THREADS_PER_PAGE", 2)
    for n in range(3):
        say(reader, f"comment {n}")
    url = reverse("comments:discussion", args=[demo_article.slug])
    for sort in threads.SORTS:
        first = threads.thread_page(article=demo_article, user=reader, sort=sort)
        response = client.get(url, {"sort": sort, "after": first.next_cursor})
        assert response.status_code == 200
        assert response.content.decode().count('class="comment-entry') == 1
