"""An article whose comments are closed takes no new comments or replies, and says so."""

import pytest
from django.urls import reverse

from articles.models import Article
from comments.models import Comment

from .conftest import HTMX

CLOSED = "Comments on this article are closed."


@pytest.fixture
def close(demo_article):
    def close():
        Article.objects.filter(pk=demo_article.pk).update(comments_closed=True)
        demo_article.refresh_from_db()

    return close


def test_a_post_to_a_closed_article_is_refused_on_the_sites_page_and_stores_nothing(
    client, reader, demo_article, close
):
    close()
    client.force_login(reader)
    url = reverse("comments:post", args=[demo_article.slug])
    response = client.post(url, {"body": "Too late to the party"})
    assert response.status_code == 409
    page = response.content.decode()
    assert CLOSED in page
    assert "<html" in page.lower()
    assert not Comment.objects.exists()


def test_with_htmx_the_refusal_is_a_message_beside_the_form(client, reader, demo_article, close):
    close()
    client.force_login(reader)
    url = reverse("comments:post", args=[demo_article.slug])
    response = client.post(url, {"body": "Too late to the party"}, headers=HTMX)
    assert response.status_code == 409
    page = response.content.decode()
    assert CLOSED in page
    assert 'class="form-error"' in page
    assert not Comment.objects.exists()


def test_a_reply_on_a_closed_article_is_refused_and_stores_nothing(
    client, reader, other_reader, say, demo_article, close
):
    parent = say(other_reader, "Said before the close")
    close()
    client.force_login(reader)
    url = reverse("comments:reply", args=[parent.pk])
    assert client.get(url).status_code == 409
    for headers in ({}, HTMX):
        response = client.post(url, {"body": "A late reply"}, headers=headers)
        assert response.status_code == 409
        assert CLOSED in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_closed_article_shows_no_composer_or_reply_links_but_says_it_is_closed(
    client, reader, other_reader, say, demo_article, close
):
    parent = say(other_reader, "Said before the close")
    client.force_login(reader)
    reply_url = reverse("comments:reply", args=[parent.pk])
    compose = 'id="compose-article"'
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert compose in page
    assert reply_url in page
    assert CLOSED not in page
    close()
    for url in (
        demo_article.get_absolute_url(),
        reverse("comments:discussion", args=[demo_article.slug]),
        parent.get_absolute_url(),
    ):
        page = client.get(url).content.decode()
        assert compose not in page
        assert reply_url not in page
        assert CLOSED in page


def test_a_comment_redrawn_with_htmx_on_a_closed_article_offers_no_reply(
    client, reader, other_reader, say, close
):
    parent = say(other_reader, "Said before the close")
    close()
    client.force_login(reader)
    page = client.get(parent.get_absolute_url(), headers=HTMX).content.decode()
    assert "Said before the close" in page
    assert reverse("comments:reply", args=[parent.pk]) not in page
