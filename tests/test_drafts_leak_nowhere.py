"""An article readers may not see yet (or any more) shows up nowhere a reader can look.

Four kinds of hidden piece, each a follow-up in the story of the published demo
article, with its own polls: a draft, a scheduled piece (its time still to
come), an unpublished one, and one marked published but dated in the future.
Every check also looks once the piece is published, so it could fail.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import following
from articles.importer import import_briefing
from articles.models import Article, FollowupNotice, StoryFollow
from articles.publishing import publish_due
from briefing_site import events
from briefing_site.models import Notice
from comments.models import Comment, Like, Report
from comments.rendering import render_body
from polls.models import Choice, Poll, Vote
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "Secret follow-up: the ministers' draft deal"
STATES = ["draft", "scheduled", "unpublished", "dated in the future"]


def _hide(article, state):
    now = timezone.now()
    fields = {
        "draft": {"status": Article.Status.DRAFT, "published_at": None},
        "scheduled": {
            "status": Article.Status.SCHEDULED,
            "publish_at": now + dt.timedelta(hours=3),
            "published_at": None,
        },
        "unpublished": {
            "status": Article.Status.UNPUBLISHED,
            "published_at": now - dt.timedelta(hours=1),
        },
        "dated in the future": {
            "status": Article.Status.PUBLISHED,
            "published_at": now + dt.timedelta(hours=3),
        },
    }[state]
    Article.objects.filter(pk=article.pk).update(title=HIDDEN_TITLE, **fields)
    article.refresh_from_db()
    return article


def _make_public(article):
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now() - dt.timedelta(minutes=1)
    )


@pytest.fixture
def story(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    return demo_article


@pytest.fixture(params=STATES)
def hidden(request, story, demo_briefing, reader):
    piece = import_briefing(
        demo_briefing, slug="hidden-piece", status=Article.Status.DRAFT, follows=story
    ).article
    piece = _hide(piece, request.param)
    # A comment on it (as if left from when it was out): readers reach none of it.
    comment = Comment.objects.add_root(
        instance=Comment(
            article=piece,
            author=reader,
            body="Early word.",
            body_html=render_body("Early word."),
            status=Comment.Status.APPROVED,
        )
    )
    poll = Poll.objects.get(article=piece, kind=Poll.Kind.YES_NO)
    return SimpleNamespace(
        article=piece,
        state=request.param,
        comment=comment,
        poll=poll,
        open_poll=Poll.objects.get(article=piece, kind=Poll.Kind.OPEN),
        choice=poll.choices.first(),
    )


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def readers(reader, other_reader_account, moderator):
    """Who must not see it: a visitor, readers, and a moderator (who may look at articles
    in the admin, but is not an editor)."""
    return {
        "anonymous": _client(),
        "reader": _client(reader),
        "another reader": _client(other_reader_account),
        "moderator": _client(moderator),
    }


READER_PAGES = [
    "/",
    "/articles/{story}/",
    "/articles/{story}/comments/",
    "/feeds/latest.atom",
    "/feeds/latest.rss",
    "/articles/{story}/story.atom",
    "/articles/{story}/story.rss",
    "/stories/{story}/",
    "/stories/{story}/feed.atom",
    "/stories/{story}/feed.rss",
    "/topics/asean-restraint/",  # a keyword of the story's articles
    "/topics/asean-restraint/feed.atom",
    "/topics/asean-restraint/feed.rss",
    "/sitemap.xml",
]


def _leaks(client, story, article):
    found = []
    for page in READER_PAGES:
        url = page.format(story=story.slug)
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        if article.slug in text or "Secret follow-up" in text:
            found.append(url)
    return found


def test_no_page_list_feed_or_sitemap_names_it(readers, story, hidden):
    for who, client in readers.items():
        assert _leaks(client, story, hidden.article) == [], who
    _make_public(hidden.article)
    # Published, it is everywhere but the discussion: the check above can fail.
    named = [url.format(story=story.slug) for url in READER_PAGES if "comments" not in url]
    assert _leaks(readers["anonymous"], story, hidden.article) == named


def test_its_page_and_its_own_feeds_are_404_to_all_but_editors(readers, editor, hidden):
    slug = hidden.article.slug
    for who, client in readers.items():
        for url in [
            f"/articles/{slug}/",
            f"/articles/{slug}/comments/",
            f"/articles/{slug}/story.atom",
            f"/articles/{slug}/story.rss",
            f"/stories/{slug}/",
            f"/stories/{slug}/feed.atom",
            f"/stories/{slug}/feed.rss",
        ]:
            assert client.get(url).status_code == 404, (who, url)
    # Editors preview it, marked as such, and the preview is not live.
    page = _client(editor).get(f"/articles/{slug}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "not visible to readers" in text
    assert '<meta name="robots" content="noindex">' in text
    assert "sse-connect" not in text
    discussion = _client(editor).get(f"/articles/{slug}/comments/").content.decode()
    assert '<meta name="robots" content="noindex">' in discussion


def test_its_timeline_entry_shows_only_to_editors(readers, editor, story, hidden):
    assert hidden.article.slug not in readers["reader"].get(f"/articles/{story.slug}/").text
    assert hidden.article.slug in _client(editor).get(f"/articles/{story.slug}/").text


def test_its_live_streams_are_404_even_to_editors(readers, editor, hidden, monkeypatch):
    from articles import live

    # The stream view closes its connection (a stream stays open for minutes);
    # the test's transaction must survive it.
    monkeypatch.setattr(live, "connection", SimpleNamespace(close=lambda: None))
    slug = hidden.article.slug
    for client in [*readers.values(), _client(editor)]:
        assert client.get(f"/articles/{slug}/events/").status_code == 404
        assert client.get(f"/articles/{slug}/updates/?since=0-0").status_code == 404
    _make_public(hidden.article)
    assert readers["anonymous"].get(f"/articles/{slug}/updates/?since=0-0").status_code == 204


def test_its_polls_take_no_votes_answers_or_withdrawals(readers, editor, hidden):
    p, o = hidden.poll.pk, hidden.open_poll.pk
    for who, client in [*readers.items(), ("editor", _client(editor))]:
        assert client.get(f"/polls/{p}/").status_code == 404, who
        assert client.post(f"/polls/{p}/vote/", {"choice": hidden.choice.pk}).status_code == 404
        assert client.post(f"/polls/{p}/withdraw/").status_code == 404
        assert client.post(f"/polls/{o}/propose/", {"text": "Leaked"}).status_code == 404
        discussion = client.get(f"/articles/{hidden.article.slug}/comments/?poll={p}")
        assert discussion.status_code == (200 if who == "editor" else 404)  # editors preview
    assert not Vote.objects.filter(poll__article=hidden.article).exists()
    assert not Choice.objects.filter(poll=hidden.open_poll, text="Leaked").exists()
    _make_public(hidden.article)
    vote = readers["anonymous"].post(f"/polls/{p}/vote/", {"choice": hidden.choice.pk})
    assert vote.status_code == 303
    assert Vote.objects.filter(poll=hidden.poll).count() == 1


def test_its_comments_take_no_comment_reply_like_report_edit_or_pick(
    readers, reader, hidden, story
):
    c = hidden.comment.pk
    slug = hidden.article.slug
    before = Comment.objects.get(pk=c)
    for who, client in readers.items():
        for method, url, data in [
            ("get", f"/comments/{c}/", {}),
            ("get", f"/comments/{c}/replies/", {}),
            ("post", f"/articles/{slug}/comments/post/", {"body": "Leaked?"}),
            ("post", f"/comments/{c}/reply/", {"body": "Leaked?"}),
            ("post", f"/comments/{c}/edit/", {"body": "Leaked?"}),
            ("post", f"/comments/{c}/like/", {}),
            ("post", f"/comments/{c}/report/", {"reason": "spam"}),
            ("post", f"/comments/{c}/pick/", {}),
            ("post", f"/comments/{c}/delete/", {}),
        ]:
            response = getattr(client, method)(url, data)
            expected = 302 if who == "anonymous" and method == "post" else 404
            assert response.status_code == expected, (who, url)
    after = Comment.objects.get(pk=c)
    assert (after.body, after.deleted_at, after.featured) == (before.body, None, False)
    assert Comment.objects.filter(article=hidden.article).count() == 1
    assert not Like.objects.exists()
    assert not Report.objects.exists()
    _make_public(hidden.article)
    assert readers["another reader"].get(f"/comments/{c}/").status_code == 200


def test_following_it_is_404(readers, hidden):
    response = readers["reader"].post(f"/articles/{hidden.article.slug}/follow/")
    assert response.status_code == 404
    assert not StoryFollow.objects.exists()


def test_readers_cannot_reach_the_admins_search(readers, editor, moderator, hidden):
    """There is no public search; the admin's article search is staff-only."""
    url = reverse("admin:articles_article_changelist") + "?q=Secret"
    for who in ["anonymous", "reader", "another reader"]:
        response = readers[who].get(url)
        assert response.status_code == 302, who
        assert response["Location"].startswith("/admin/login/")
    assert "Secret follow-up" in _client(editor).get(url).content.decode()


# Live events, notices and emails: they run after the commit.


def _admin_form(client, article):
    return form_data(client, reverse("admin:articles_article_change", args=[article.pk]))


def _reader_visible_events(*articles):
    return [(a.pk, e.kind) for a in articles for e in events.history(a.pk, None)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", ["draft", "scheduled", "unpublished"])
def test_an_editors_save_of_a_hidden_piece_tells_no_reader(
    state, demo_article, demo_briefing, reader, editor, settings
):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    events.reset_streams()
    Article.objects.filter(pk=demo_article.pk).update(
        published_at=timezone.now() - dt.timedelta(days=1)
    )
    StoryFollow.objects.create(user=reader, story=demo_article)
    piece = import_briefing(
        demo_briefing, slug="hidden-piece", status=Article.Status.DRAFT, follows=demo_article
    ).article
    piece = _hide(piece, state)
    client = _client(editor)

    data = _admin_form(client, piece)
    data["lead"] = "Edited while hidden."
    data["_continue"] = "Save and continue editing"
    response = client.post(reverse("admin:articles_article_change", args=[piece.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(pk=piece.pk).lead == "Edited while hidden."

    assert _reader_visible_events(demo_article, piece) == []
    assert not Notice.objects.filter(user=reader).exists()
    assert not FollowupNotice.objects.exists()
    assert mail.outbox == []

    # Published from the same form, it reaches the follower: the checks can fail.
    data = _admin_form(client, piece)
    data.update(status=Article.Status.PUBLISHED, published_at_0="", published_at_1="")
    response = client.post(reverse("admin:articles_article_change", args=[piece.pk]), data)
    assert response.status_code == 302
    assert (demo_article.pk, "followup.published") in _reader_visible_events(demo_article)
    assert Notice.objects.filter(user=reader).count() == 1
    assert [m.to for m in mail.outbox] == [["reader@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_piece_tells_nobody_until_its_time(
    demo_article, demo_briefing, reader, settings
):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    events.reset_streams()
    Article.objects.filter(pk=demo_article.pk).update(
        published_at=timezone.now() - dt.timedelta(days=1)
    )
    StoryFollow.objects.create(user=reader, story=demo_article)
    at = timezone.now() + dt.timedelta(hours=1)
    piece = import_briefing(
        demo_briefing, slug="scheduled-piece", follows=demo_article, publish_at=at
    ).article
    assert publish_due() == []
    assert following.sweep() == (0, 0)
    assert _reader_visible_events(demo_article, piece) == []
    assert mail.outbox == []
    assert not Notice.objects.exists()
    Article.objects.filter(pk=piece.pk).update(publish_at=timezone.now())  # its time comes
    assert publish_due() == [piece.pk]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_about_a_piece_unpublished_before_it_went_out_is_not_sent(
    demo_article, demo_briefing, reader, settings, monkeypatch
):
    """Published by mistake and taken back while the mail server was down: when the
    retry comes, the piece is no longer out, and the email is not sent."""
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    StoryFollow.objects.create(user=reader, story=demo_article)
    piece = import_briefing(
        demo_briefing, slug="mistake", status=Article.Status.UNPUBLISHED, follows=demo_article
    ).article
    Article.objects.filter(pk=piece.pk).update(published_at=timezone.now())
    # The notice written when it went out; its email still waits for a retry.
    notice = FollowupNotice.objects.create(
        followup=piece, user=reader, email=FollowupNotice.Email.FOLLOWS
    )

    assert following.send_followup_email(notice.pk) is False
    assert mail.outbox == []
    Article.objects.filter(pk=piece.pk).update(status=Article.Status.PUBLISHED)
    assert following.send_followup_email(notice.pk) is True
    assert len(mail.outbox) == 1
