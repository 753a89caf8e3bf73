"""A reader's page shows what anyone may read of theirs; a reader can mute another."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from articles.models import Article
from briefing_site.models import Mute
from briefing_site.readers import PROFILE_COMMENTS_PER_PAGE
from comments.models import Comment
from comments.services import delete_comment, reject_comment

HTMX = {"HX-Request": "true"}


def profile_url(user, **query):
    url = reverse("reader-profile", args=[user.username])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def many_comments(article, author, how_many, *, likes=0):
    """Published top-level comments, written straight to the table (fast)."""
    Comment.objects.bulk_create(
        Comment(
            article=article,
            author=author,
            body=f"Bulk comment {n}",
            body_html=f"<p>Bulk comment {n}</p>",
            status=Comment.Status.APPROVED,
            path=f"Z{n:05}",
            depth=1,
            like_count=likes,
        )
        for n in range(how_many)
    )


def test_a_profile_shows_when_they_joined_their_counts_and_their_comments_newest_first(
    client, say, reader, other_reader
):
    first = say(reader, "An older thought on the ceasefire.")
    say(reader, "A newer thought on the monitors.")
    Comment.objects.filter(pk=first.pk).update(like_count=3)
    page = client.get(profile_url(reader)).content.decode()
    assert f'<h1 class="page-title">{reader.username}</h1>' in page
    assert "Joined" in page
    assert "2 comments" in page
    assert "3 likes received" in page
    assert page.index("A newer thought") < page.index("An older thought")
    assert first.urls["detail"] in page


def test_a_profile_shows_nothing_anyone_may_not_read(client, say, reader, demo_article):
    say(reader, "Published and kept.")
    rejected = say(reader, "Rejected by a moderator.")
    reject_comment(rejected.pk)
    say(reader, "Still awaiting moderation.", approved=False)
    gone = say(reader, "Deleted by its author.")
    delete_comment(comment=gone, actor=reader)
    draft = Article.objects.create(title="A draft", slug="a-draft", lead="Not out yet.")
    on_draft = say(reader, "On a draft.")
    Comment.objects.filter(pk=on_draft.pk).update(article=draft)
    for viewer in (None, reader):
        client.logout()
        if viewer:
            client.force_login(viewer)
        page = client.get(profile_url(reader)).content.decode()
        assert "Published and kept." in page
        for hidden in ("Rejected", "awaiting", "Deleted by", "On a draft"):
            assert hidden not in page
        assert "1 comment " in page or "1 comment\n" in page


def test_a_profile_costs_the_same_queries_for_10_or_1000_comments(
    client, reader, demo_article, django_assert_max_num_queries
):
    many_comments(demo_article, reader, 10)
    client.get(profile_url(reader))
    with django_assert_max_num_queries(6) as few:
        client.get(profile_url(reader))
    Comment.objects.filter(author=reader).delete()
    many_comments(demo_article, reader, 1000, likes=1)
    with django_assert_max_num_queries(len(few)):
        page = client.get(profile_url(reader)).content.decode()
    assert "1,000 comments" in page
    assert "1,000 likes received" in page
    assert page.count("Bulk comment") == PROFILE_COMMENTS_PER_PAGE
    assert "Page 1 of 50" in page


@pytest.mark.parametrize(
    ("page", "shown"), [("2", "Page 2 of 3"), ("x", "Page 1 of 3"), ("99", "Page 3 of 3")]
)
def test_profile_pages_continue_and_any_page_number_shows_a_page(
    client, reader, demo_article, page, shown
):
    many_comments(demo_article, reader, 2 * PROFILE_COMMENTS_PER_PAGE + 5)
    response = client.get(profile_url(reader, page=page))
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_a_profile_describes_itself_to_search_results(client, reader, settings):
    page = client.get(profile_url(reader)).content.decode()
    assert (
        f'<meta name="description" content="{reader.username} on {settings.SITE_NAME}: '
        'when they joined and their published comments, newest first.">'
    ) in page
    # A reader's history is theirs: found through the site, never through a search engine.
    assert '<meta name="robots" content="noindex, follow">' in page


def test_an_unknown_reader_has_no_page(client, db):
    assert client.get("/readers/nobody-here/").status_code == 404


def test_a_reader_mutes_another_without_javascript_and_finds_them_on_the_muted_page(
    client, reader, other_reader
):
    client.force_login(reader)
    back = profile_url(other_reader)
    response = client.post(reverse("mute-reader", args=[other_reader.username]), {"next": back})
    assert response.status_code == 303
    assert response["Location"] == back
    page = client.get(back).content.decode()
    assert "is muted: their comments are folded for you" in page
    assert "Unmute" in page
    muted = client.get(reverse("muted-readers")).content.decode()
    assert other_reader.username in muted

    client.post(reverse("mute-reader", args=[other_reader.username]), {"unmute": "1", "next": back})
    assert not Mute.objects.filter(reader=reader).exists()
    assert "You have muted nobody" in client.get(reverse("muted-readers")).content.decode()


def test_with_htmx_the_mute_button_is_redrawn_in_place(client, reader, other_reader):
    client.force_login(reader)
    url = reverse("mute-reader", args=[other_reader.username])
    fragment = client.post(url, headers=HTMX).content.decode()
    assert "<html" not in fragment
    assert "Unmute" in fragment
    fragment = client.post(url, {"unmute": "1"}, headers=HTMX).content.decode()
    assert f"Mute {other_reader.username}" in fragment


def test_muting_twice_keeps_one_mute_and_muting_oneself_is_refused(client, reader, other_reader):
    client.force_login(reader)
    url = reverse("mute-reader", args=[other_reader.username])
    client.post(url)
    client.post(url)
    assert Mute.objects.filter(reader=reader, muted=other_reader).count() == 1
    response = client.post(reverse("mute-reader", args=[reader.username]))
    assert response.status_code == 409
    assert "You cannot mute yourself." in response.content.decode()
    assert "<h1" in response.content.decode()


def test_muting_needs_a_reader_a_post_and_a_csrf_token(reader, other_reader):
    url = reverse("mute-reader", args=[other_reader.username])
    anonymous = Client()
    assert anonymous.post(url)["Location"].startswith(reverse("account_login"))
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(reader)
    assert guarded.post(url).status_code == 403
    assert guarded.get(url).status_code == 405
    assert not Mute.objects.exists()


def test_mutes_are_rate_limited(client, reader, settings, db):
    settings.MUTE_RATE_PER_READER = "3/h"
    others = [
        get_user_model().objects.create_user(f"talker{n}", f"talker{n}@example.com")
        for n in range(4)
    ]
    client.force_login(reader)
    answers = [
        client.post(reverse("mute-reader", args=[other.username])).status_code for other in others
    ]
    assert answers == [303, 303, 303, 429]
    assert Mute.objects.filter(reader=reader).count() == 3


def test_the_back_link_after_muting_stays_on_this_site(client, reader, other_reader):
    client.force_login(reader)
    response = client.post(
        reverse("mute-reader", args=[other_reader.username]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == profile_url(other_reader)
    assert re.match(r"^/readers/", response["Location"])
