"""Readers as other readers meet them in a discussion: a name leads to the reader's page,
an @mention of a reader links there too, and a reader one muted is folded, wherever
their comments show."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from briefing_site.models import Mute, Notice
from comments import live
from comments.models import Comment
from comments.rendering import render_body, sanitize_html
from comments.services import delete_comment, edit_comment
from polls.models import Poll

HTMX = {"HX-Request": "true"}
PROFILE = "/readers/{}/"


@pytest.fixture
def spoiler(db):
    return get_user_model().objects.create_user(
        username="cy_spoils", email="cy@example.com", password="x"
    )


@pytest.fixture
def say(say, django_capture_on_commit_callbacks):
    """Comments told to the readers they answer or mention, as after a commit."""

    def told(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return say(*args, **kwargs)

    return told


def page_of(client, url, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def folds_in(html: str) -> list[str]:
    return re.findall(r'<details class="comment-fold">\s*<summary[^>]*>(.*?)</summary>', html)


# Names


def test_every_name_in_a_thread_links_to_the_readers_page(
    client, say, reader, other_reader, demo_article
):
    root = say(reader, "Monitors first.")
    answer = say(other_reader, "Unarmed ones.", parent=root)
    Comment.objects.filter(pk=root.pk).update(featured=True)
    for url in (demo_article.get_absolute_url(), answer.get_absolute_url()):
        html = page_of(client, url)
        assert f'<a href="{PROFILE.format(reader.username)}">{reader.username}</a>' in html
        assert (
            f'<a href="{PROFILE.format(other_reader.username)}">{other_reader.username}</a>' in html
        )
    picks = page_of(client, demo_article.get_absolute_url()).split('class="picks"')[1]
    assert f'href="{PROFILE.format(reader.username)}"' in picks.split("</section>")[0]


def test_a_deleted_comments_page_names_nobody(client, say, reader, other_reader):
    gone = say(reader, "Said and taken back.")
    say(other_reader, "An answer that stays.", parent=gone)
    delete_comment(comment=gone, actor=reader)
    html = page_of(client, gone.get_absolute_url())
    assert "A deleted comment" in html
    assert "An answer that stays." in html
    main = html.split('<main id="main"')[1]
    assert f">{reader.username}<" not in main
    assert PROFILE.format(reader.username) not in main


# Mentions


def test_a_mention_of_a_reader_links_to_their_page_and_of_nobody_stays_text(
    client, say, reader, other_reader, demo_article
):
    comment = say(
        reader,
        f"As @{other_reader.username} said, and @nobody_here too; "
        f"`@{other_reader.username}` in code, mail me@{other_reader.username}.org.",
    )
    link = f'<a href="{PROFILE.format(other_reader.username)}" rel="nofollow ugc noopener">'
    assert comment.body_html.count(link) == 1
    assert f"{link}@{other_reader.username}</a> said" in comment.body_html
    assert "@nobody_here" in comment.body_html
    assert 'href="/readers/nobody_here/"' not in comment.body_html
    assert link in page_of(client, demo_article.get_absolute_url())


def test_an_edit_links_a_mention_added_later(say, reader, other_reader):
    comment = say(reader, "A first thought.")
    edited = edit_comment(comment=comment, editor=reader, body=f"Ask @{other_reader.username}.")
    assert f'href="{PROFILE.format(other_reader.username)}"' in edited.body_html


@pytest.mark.parametrize(
    "html",
    [
        '<a href="/admin/">x</a>',
        '<a href="//evil.example/readers/x/">x</a>',
        '<a href="/readers/../admin/">x</a>',
        '<a href="/readers/x/../../admin/">x</a>',
        '<a href="javascript:alert(1)//readers/x/">x</a>',
        '<a href="/readers/x/" onclick="alert(1)" style="color:red">x</a>',
    ],
)
def test_the_sanitizer_keeps_no_relative_link_but_a_readers_page(html):
    cleaned = sanitize_html(html)
    assert "onclick" not in cleaned
    assert "style" not in cleaned
    hrefs = re.findall(r'href="([^"]*)"', cleaned)
    assert hrefs in ([], ["/readers/x/"])


def test_a_mention_cannot_carry_markup_in():
    html = render_body('@x<script>alert(1)</script> "@x" [@x](javascript:alert(1))', {"x"})
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert html.count('href="/readers/x/"') == 3


# Folds


def test_a_muted_readers_comments_are_folded_for_the_muter_alone_and_replies_stay(
    client, say, reader, other_reader, spoiler, demo_article
):
    spoiled = say(spoiler, "Nobody will ever agree.")
    say(other_reader, "They agreed twice already.", parent=spoiled)
    Comment.objects.filter(pk=spoiled.pk).update(featured=True)
    Mute.objects.create(reader=reader, muted=spoiler)

    client.force_login(reader)
    article = page_of(client, demo_article.get_absolute_url())
    # In the thread and in the picks, folded with the name and a way to show it.
    assert (
        folds_in(article)
        == [
            'You muted cy_spoils. <span class="comment-fold__show">Show</span>'
            '<span class="comment-fold__hide">Hide</span>'
        ]
        * 2
    )
    assert "Nobody will ever agree." in article  # inside the fold: shown on request
    assert "They agreed twice already." in article
    assert "They agreed twice already." not in "".join(
        re.findall(r"<details.*?</details>", article, re.S)
    )
    assert len(folds_in(page_of(client, spoiled.get_absolute_url()))) == 1
    assert len(folds_in(page_of(client, spoiled.get_absolute_url(), **HTMX))) == 1

    client.force_login(other_reader)
    assert folds_in(page_of(client, demo_article.get_absolute_url())) == []
    client.logout()
    assert folds_in(page_of(client, demo_article.get_absolute_url())) == []


def test_a_muted_readers_comment_arrives_live_folded_for_pages_that_muted_them(
    client, say, reader, spoiler, demo_article
):
    spoiled = say(spoiler, "Nobody will ever agree.")
    payload = live.comment_payload(spoiled.pk)
    # Events call an author by a key that does not give away their account's id.
    assert payload["author"] == live.reader_key(spoiler) != str(spoiler.pk)
    assert len(folds_in(payload["html_muted"])) == 1
    assert folds_in(payload["html"]) == folds_in(payload["html_anonymous"]) == []

    Mute.objects.create(reader=reader, muted=spoiler)
    client.force_login(reader)
    article = page_of(client, demo_article.get_absolute_url())
    assert f'data-muted-readers="{live.reader_key(spoiler)}"' in article


def test_an_ancestor_by_a_muted_reader_is_not_quoted_on_a_permalink(
    client, say, reader, other_reader, spoiler
):
    spoiled = say(spoiler, "Nobody will ever agree.")
    answer = say(other_reader, "They agreed twice already.", parent=spoiled)
    Mute.objects.create(reader=reader, muted=spoiler)
    client.force_login(reader)
    html = page_of(client, answer.get_absolute_url())
    assert "Nobody will ever agree." not in html
    assert "a comment by a reader you muted" in html


def test_a_page_of_muted_readers_comments_costs_the_same_queries_as_a_few(
    client, say, reader, spoiler, demo_article, django_assert_max_num_queries
):
    first = say(spoiler, "The first of many.")
    for n in range(25):  # more than a page of replies already
        say(spoiler, f"Reply {n}.", parent=first)
    Mute.objects.create(reader=reader, muted=spoiler)
    client.force_login(reader)
    client.get(first.get_absolute_url())
    with django_assert_max_num_queries(30) as few:
        client.get(first.get_absolute_url())
    for n in range(40):
        say(spoiler, f"More {n}.", parent=first)
    with django_assert_max_num_queries(len(few)):
        html = page_of(client, first.get_absolute_url())
    assert len(folds_in(html)) > 20


# Notices


def test_notices_name_who_replied_or_mentioned_with_links_to_them_and_the_comment(
    client, say, reader, other_reader
):
    mine = say(reader, "Monitors first.")
    answer = say(other_reader, "Unarmed ones.", parent=mine)
    mention = say(other_reader, f"Ask @{reader.username} about monitors.")
    client.force_login(reader)
    html = page_of(client, reverse("notices"))
    name = f'<a href="{PROFILE.format(other_reader.username)}">{other_reader.username}</a>'
    assert html.count(name) == 2
    assert f'<a href="{answer.get_absolute_url()}">replied to your comment on' in html
    assert f'<a href="{mention.get_absolute_url()}">mentioned you on' in html


def test_the_notices_page_costs_the_same_queries_for_few_or_many(
    client, say, reader, other_reader, django_assert_max_num_queries
):
    mine = say(reader, "Monitors first.")
    say(other_reader, "An answer.", parent=mine)
    client.force_login(reader)
    client.get(reverse("notices"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("notices"))
    for n in range(60):
        talker = get_user_model().objects.create_user(f"talker{n}", f"t{n}@example.com")
        say(talker, f"Answer {n}.", parent=mine)
    assert Notice.objects.filter(user=reader).count() == 61
    with django_assert_max_num_queries(len(few)):
        html = page_of(client, reverse("notices"))
    assert html.count('href="/readers/talker') == 50


# The question's own page, and time values


def test_the_questions_own_page_shows_its_poll_to_vote_in_then_its_results(
    client, say, reader, demo_article
):
    poll = Poll.objects.filter(article=demo_article).order_by("pk").first()
    url = reverse("comments:discussion", args=[demo_article.slug]) + f"?poll={poll.pk}"
    html = page_of(client, url)
    assert f'<h1 class="visually-hidden">{poll.question}</h1>' in html
    assert 'class="question-poll"' in html
    assert 'name="choice"' in html
    client.force_login(reader)
    choice = poll.choices.order_by("pk").first()
    client.post(reverse("polls:vote", args=[poll.pk]), {"choice": choice.pk})
    html = page_of(client, url)
    assert 'class="results"' in html or "your vote is counted" in html


def test_time_values_carry_at_most_three_fractional_digits(
    client, say, reader, other_reader, demo_article
):
    mine = say(reader, "Monitors first.")
    say(other_reader, f"@{reader.username}: unarmed ones.", parent=mine)
    client.force_login(reader)
    pages = [
        demo_article.get_absolute_url(),
        mine.get_absolute_url(),
        "/",
        reverse("notices"),
        PROFILE.format(other_reader.username),
    ]
    for url in pages:
        values = re.findall(r'datetime="([^"]*)"', page_of(client, url))
        assert values, url
        for value in values:
            assert re.fullmatch(
                r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d{1,3})?[+-]\d\d:\d\d)?", value
            )
