"""Every state of the discussion told where the reader acts: a closed article (since when,
and where the discussion goes on), a pre-moderated article or reader, a suspended or
banned reader, and a comment that was not published, always with a reason."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article
from comments import moderator_actions
from comments.models import AuthorStanding, Comment, Like, ModerationSettings, Report
from comments.moderation import AGAINST_GUIDELINES, Verdict
from comments.rules import voice
from comments.services import post_comment, record_verdict

from .conftest import HTMX

CLOSED = "Comments on this article are closed."
COMPOSER = 'id="compose-article"'


def composer_area(page: str) -> str:
    """What the discussion shows between its heading and its list of comments."""
    start = page.index('id="discussion-article-heading"')
    return page[start : page.index('<ol class="comments"', start)]


def stand(user, **fields) -> AuthorStanding:
    return AuthorStanding.objects.update_or_create(user=user, defaults=fields)[0]


@pytest.fixture
def open_thread(say, other_reader):
    return say(other_reader, "Said while it was open.")


# Closed


def test_a_closed_article_says_since_when_and_offers_no_composer_or_reply(
    client, reader, editor, demo_article, open_thread
):
    closed_at = timezone.now()
    assert (
        publishing.set_discussion(
            Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
        )
        == 1
    )
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    area = composer_area(page)
    assert CLOSED in area
    assert "They closed on <time datetime=" in area
    stored = Article.objects.get(pk=demo_article.pk).comments_closed_at
    assert abs(stored - closed_at) < dt.timedelta(seconds=5)
    assert COMPOSER not in page
    assert open_thread.urls["reply"] not in page
    assert "Said while it was open." in page


def test_a_closed_article_points_to_the_follow_up_where_the_discussion_continues(
    client, reader, editor, demo_article, open_thread
):
    followup = publishing.start_followup(demo_article, title="Talks resume", slug="talks-resume")
    publishing.publish(followup)
    publishing.set_discussion(
        Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
    )
    client.force_login(reader)
    for url in (demo_article.get_absolute_url(), open_thread.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "The discussion continues on" in page
        assert f'href="{followup.get_absolute_url()}#discussion-article">Talks resume</a>' in page
    # Once the follow-up closes too, there is nowhere to point to.
    publishing.set_discussion(
        Article.objects.filter(pk=followup.pk), actor=editor, comments_closed=True
    )
    assert "continues on" not in client.get(demo_article.get_absolute_url()).content.decode()


def test_closing_twice_keeps_the_first_time_and_opening_forgets_it(demo_article, editor):
    articles = Article.objects.filter(pk=demo_article.pk)
    publishing.set_discussion(articles, actor=editor, comments_closed=True)
    first = articles.get().comments_closed_at
    assert publishing.set_discussion(articles, actor=editor, comments_closed=True) == 0
    assert articles.get().comments_closed_at == first
    publishing.set_discussion(articles, actor=editor, comments_closed=False)
    assert (articles.get().comments_closed, articles.get().comments_closed_at) == (False, None)


def test_the_admin_action_and_the_article_form_record_when_comments_closed(
    client, editor, demo_article, settings
):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(editor)
    changelist = reverse("admin:articles_article_changelist")
    client.post(changelist, {"action": "close_comments", "_selected_action": [demo_article.pk]})
    demo_article.refresh_from_db()
    assert demo_article.comments_closed
    assert demo_article.comments_closed_at is not None
    client.post(changelist, {"action": "open_comments", "_selected_action": [demo_article.pk]})
    demo_article.refresh_from_db()
    assert not demo_article.comments_closed
    assert demo_article.comments_closed_at is None


# Pre-moderated


def test_the_composer_says_comments_on_a_premoderated_article_are_reviewed_first(
    client, reader, demo_article
):
    client.force_login(reader)
    assert (
        "reviewed by a moderator"
        not in client.get(demo_article.get_absolute_url()).content.decode()
    )
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)
    area = composer_area(client.get(demo_article.get_absolute_url()).content.decode())
    assert COMPOSER in area
    assert "Comments on this article are reviewed by a moderator before they appear." in area


def test_visitors_are_told_a_premoderated_article_reviews_comments_first(client, demo_article):
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)
    area = composer_area(client.get(demo_article.get_absolute_url()).content.decode())
    assert "Log in to comment" in area
    assert "reviewed by a moderator before they appear" in area


@pytest.mark.parametrize("how", ["their standing", "too few approved comments"])
def test_a_premoderated_reader_is_told_their_comments_are_reviewed_first(
    client, reader, demo_article, how
):
    if how == "their standing":
        stand(reader, premoderate=True)
    else:
        ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 2})
    client.force_login(reader)
    area = composer_area(client.get(demo_article.get_absolute_url()).content.decode())
    assert "Your comments are reviewed by a moderator before they appear." in area


def test_a_trusted_reader_is_not_told_of_the_new_readers_hold(reader, demo_article):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 2})
    assert voice(article=demo_article, user=reader).premoderated == "reader"
    stand(reader, trusted=True)
    assert voice(article=demo_article, user=reader).premoderated == ""


# Suspended and banned


def test_a_suspended_reader_is_told_until_when_and_offered_no_composer_likes_or_reports(
    client, reader, demo_article, open_thread
):
    until = timezone.now() + dt.timedelta(days=3)
    stand(reader, suspended_until=until)
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    area = composer_area(page)
    assert "Your account is suspended from the discussions until" in area
    assert timezone.localtime(until).strftime("%-d %B %Y") in area
    assert COMPOSER not in page
    for action in ("reply", "like", "report"):
        assert open_thread.urls[action] not in page


def test_a_suspension_that_ended_gives_the_reader_their_voice_back(
    client, reader, demo_article, open_thread
):
    stand(reader, suspended_until=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert COMPOSER in page
    assert open_thread.urls["like"] in page


def test_a_banned_reader_is_told_why_and_offered_no_composer_likes_or_reports(
    client, reader, demo_article, open_thread
):
    stand(reader, banned_at=timezone.now())
    client.force_login(reader)
    for url in (demo_article.get_absolute_url(), open_thread.get_absolute_url()):
        page = client.get(url).content.decode()
        assert COMPOSER not in page
        for action in ("reply", "like", "report"):
            assert open_thread.urls[action] not in page
    area = composer_area(client.get(demo_article.get_absolute_url()).content.decode())
    assert "a moderator banned it from the discussions" in area
    assert 'href="/guidelines/"' in area


def test_a_barred_readers_post_from_an_old_page_is_refused_and_stores_nothing(
    client, reader, demo_article, open_thread
):
    stand(reader, banned_at=timezone.now())
    client.force_login(reader)
    post = reverse("comments:post", args=[demo_article.slug])
    response = client.post(post, {"body": "Still here"})
    assert response.status_code == 409
    assert "cannot take part in discussions" in response.content.decode()
    response = client.post(post, {"body": "Still here"}, headers=HTMX)
    assert response.status_code == 409
    assert 'class="form-error"' in response.content.decode()
    assert client.get(open_thread.urls["reply"]).status_code == 409
    assert client.post(open_thread.urls["like"]).status_code == 403
    assert client.post(open_thread.urls["report"], {"reason": "spam"}).status_code == 403
    assert Comment.objects.count() == 1
    assert not Like.objects.exists()
    assert not Report.objects.exists()


# Not published, with a reason


@pytest.mark.parametrize(
    ("phase", "reason"),
    [
        ("closed", "Comments on this article were closed"),
        ("author", "Your account cannot take part in discussions at the moment"),
        ("duplicate", "You had just posted the same text"),
        ("banned_words", AGAINST_GUIDELINES),
        ("toxicity", AGAINST_GUIDELINES),
    ],
)
def test_a_comment_the_pipeline_rejected_tells_its_author_why_in_their_words(
    client, reader, demo_article, phase, reason
):
    comment = post_comment(article=demo_article, author=reader, body="Rejected text")
    record_verdict(comment.pk, 1, Verdict("reject", phase, ("for the moderators only",)))
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert f"not published: {reason}" in page
    assert "for the moderators only" not in page


def test_comments_rejected_by_a_ban_tell_their_author_the_ban(client, reader, moderator, say):
    comment = say(reader, "Published before the ban")
    moderator_actions.ban_author(
        user=reader, moderator=moderator, reason="Personal attacks", reject_comments=True
    )
    client.force_login(reader)
    page = client.get(comment.article.get_absolute_url()).content.decode()
    assert "not published: Your account was banned from the discussions" in page


def test_a_rejected_comment_without_a_stored_reason_still_gives_one(client, reader, say):
    comment = say(reader, "Old rejection")
    Comment.objects.filter(pk=comment.pk).update(status="rejected", public_reason="")
    client.force_login(reader)
    page = client.get(comment.article.get_absolute_url()).content.decode()
    assert f"not published: {AGAINST_GUIDELINES}" in page


def test_the_page_reads_the_readers_standing_once_however_many_comments(
    client, reader, other_reader, say, demo_article, django_assert_max_num_queries
):
    stand(reader, suspended_until=timezone.now() + dt.timedelta(days=1))
    for n in range(3):
        say(other_reader, f"Comment {n}")
    client.force_login(reader)
    with django_assert_max_num_queries(30) as few:
        client.get(demo_article.get_absolute_url())
    for n in range(30):
        say(other_reader, f"More {n}")
    with django_assert_max_num_queries(len(few)):
        client.get(demo_article.get_absolute_url())
    standing_reads = [q for q in few.captured_queries if "comments_authorstanding" in q["sql"]]
    assert len(standing_reads) == 1


def test_replies_a_banned_reader_loads_later_offer_no_likes_or_reports_either(
    client, reader, other_reader, say, open_thread
):
    replies = [say(other_reader, f"Reply {n}", parent=open_thread) for n in range(5)]
    stand(reader, banned_at=timezone.now())
    client.force_login(reader)
    fragment = client.get(
        open_thread.urls["replies"], {"after": replies[2].path}, headers=HTMX
    ).content.decode()
    assert "Reply 4" in fragment
    for action in ("like", "report", "reply"):
        assert replies[4].urls[action] not in fragment
