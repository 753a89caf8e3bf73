"""Moderators (and editors) close, reopen and pre-moderate an article's comments from the
articles list, without being able to edit the article; each change is on the record.
Every step is a real admin POST with its CSRF token."""

import re

import pytest
from django.test import Client

from articles.models import Article
from briefing_site.models import StaffAct
from comments.models import Comment, ModerationDecision, ModerationSettings
from comments.services import post_comment

pytestmark = pytest.mark.django_db

ARTICLES = "/admin/articles/article/"


def admin_post(user, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def act(user, action, article):
    return admin_post(user, ARTICLES, {"action": action, "_selected_action": [article.pk]})


def fresh(article):
    return Article.objects.get(pk=article.pk)


def test_a_moderator_sees_the_discussion_actions_on_the_articles_list(
    client, moderator, demo_article
):
    client.force_login(moderator)
    page = client.get(ARTICLES).content.decode()
    for action in (
        "close_comments",
        "open_comments",
        "premoderate_comments",
        "stop_premoderating_comments",
    ):
        assert f'value="{action}"' in page
    assert 'value="close_all_polls"' not in page  # polls stay the editors'


def test_a_moderator_closes_and_reopens_a_flame_war(moderator, reader, demo_article):
    response = act(moderator, "close_comments", demo_article)
    assert response.status_code == 302
    assert fresh(demo_article).comments_closed is True
    with pytest.raises(Exception, match="closed"):
        post_comment(article=fresh(demo_article), author=reader, body="One more jab")
    act(moderator, "open_comments", demo_article)
    assert fresh(demo_article).comments_closed is False
    acts = StaffAct.objects.filter(actor=moderator, article=demo_article).order_by("pk")
    assert list(acts.values_list("action", flat=True)) == [
        "Closed comments",
        "Reopened comments",
    ]


def test_a_moderator_premoderates_an_article_and_the_next_comment_waits(
    moderator, reader, demo_article, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.COMMENTS_AUTO_APPROVE = False
    settings.COMMENT_CLASSIFIER = "tests.articles.test_comment_controls.Calm"
    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})
    act(moderator, "premoderate_comments", demo_article)
    assert fresh(demo_article).premoderate is True
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_comment(article=fresh(demo_article), author=reader, body="Calm words")
    decision = ModerationDecision.objects.get(comment=comment)
    assert (decision.outcome, decision.reasons) == (
        "hold",
        ["Comments on this article are pre-moderated."],
    )
    act(moderator, "stop_premoderating_comments", demo_article)
    assert fresh(demo_article).premoderate is False
    with django_capture_on_commit_callbacks(execute=True):
        later = post_comment(article=fresh(demo_article), author=reader, body="Calm again")
    assert Comment.objects.get(pk=later.pk).status == "approved"


class Calm:
    def score(self, text):
        return 0.0


def test_a_moderator_still_cannot_edit_the_article(moderator, demo_article):
    url = f"{ARTICLES}{demo_article.pk}/change/"
    client = Client()
    client.force_login(moderator)
    assert client.post(url, {"title": "Changed"}).status_code == 403
    assert fresh(demo_article).title != "Changed"


def test_an_editor_closes_comments_too(editor, demo_article):
    act(editor, "close_comments", demo_article)
    assert fresh(demo_article).comments_closed is True


def test_a_reader_cannot_close_comments(reader, demo_article):
    client = Client()
    client.force_login(reader)
    response = client.post(
        ARTICLES, {"action": "close_comments", "_selected_action": [demo_article.pk]}
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert fresh(demo_article).comments_closed is False
