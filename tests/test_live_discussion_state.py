"""What live pages are told about a discussion: its count as it stands after every change,
whose comment it is (without naming anyone), and that comments are closed."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.publishing import set_discussion
from briefing_site import events
from comments.live import reader_key
from comments.models import AuthorStanding
from comments.services import (
    approve_comment,
    delete_comment,
    edit_comment,
    post_comment,
    reject_comment,
)
from tests.test_live_updates import approved_comment, sent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_process_bus(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.COMMENTS_AUTO_APPROVE = False
    events.reset_streams()


@pytest.fixture
def poll(demo_article):
    return demo_article.polls.get(kind="yes_no")


def counts(article, kinds=("comment.published", "comment.updated", "comment.removed")):
    return [
        (event.kind, event.payload["poll"], event.payload["count"])
        for event in sent(article, kinds)
    ]


# Counts


def test_every_change_carries_its_discussions_count_as_it_stands(demo_article, reader, poll):
    first = approved_comment(demo_article, reader, "First.")
    approved_comment(demo_article, reader, "A reply.", parent=first)
    on_question = post_comment(article=demo_article, author=reader, body="Asked.", poll=poll)
    approve_comment(on_question.pk)
    reject_comment(on_question.pk)
    delete_comment(comment=first, actor=reader)

    assert counts(demo_article) == [
        ("comment.published", None, 1),
        ("comment.published", None, 2),
        ("comment.published", poll.pk, 1),  # the question's own; the article's stays 2
        ("comment.removed", poll.pk, 0),
        ("comment.removed", None, 1),
    ]


def test_an_edit_takes_the_comment_out_of_the_count_until_it_is_approved_again(
    demo_article, reader
):
    comment = approved_comment(demo_article, reader, "Before.")
    edit_comment(comment=comment, editor=reader, body="After.")
    approve_comment(comment.pk)
    assert counts(demo_article) == [
        ("comment.published", None, 1),
        ("comment.removed", None, 0),
        ("comment.updated", None, 1),
    ]


# Whose comment


def test_a_comment_names_its_authors_key_which_only_the_authors_page_knows(
    client, demo_article, reader, other_reader_account
):
    approved_comment(demo_article, reader, "Mine.")
    [event] = sent(demo_article, {"comment.published"})
    key = event.payload["author"]

    assert key == reader_key(reader)
    assert key != reader_key(other_reader_account)
    assert key not in (str(reader.pk), reader.username)
    assert event.payload["url"] == reverse("comments:detail", args=[event.payload["id"]])

    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert f'data-live-reader="{key}"' in page
    client.force_login(other_reader_account)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert f'data-live-reader="{reader_key(other_reader_account)}"' in page
    client.logout()
    assert "data-live-reader" not in client.get(demo_article.get_absolute_url()).content.decode()


def test_the_authors_page_fetches_its_own_view_of_the_comment(client, demo_article, reader):
    approved_comment(demo_article, reader, "Mine, as I see it.")
    [event] = sent(demo_article, {"comment.published"})
    client.force_login(reader)
    own = client.get(event.payload["url"], headers={"HX-Request": "true"}).content.decode()
    assert "data-mine" in own
    assert "Delete" in own
    assert "Report" not in own
    assert "Report" in event.payload["html"]  # what everyone else is sent


# Closing


def test_closing_comments_tells_open_pages_with_the_closed_line(demo_article, reader, editor):
    assert (
        set_discussion(
            Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
        )
        == 1
    )
    [event] = sent(demo_article, {"comments.closed"})
    assert '<p class="comments-closed">' in event.payload["html"]
    assert "closed" in event.payload["html"]
    demo_article.refresh_from_db()
    assert demo_article.comments_closed

    # Closing what is closed changes nothing and tells nobody.
    assert (
        set_discussion(
            Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
        )
        == 0
    )
    assert len(sent(demo_article, {"comments.closed"})) == 1

    assert (
        set_discussion(
            Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=False
        )
        == 1
    )
    assert len(sent(demo_article, {"comments.opened"})) == 1


def test_a_draft_has_no_readers_to_tell(demo_article, editor):
    Article.objects.filter(pk=demo_article.pk).update(status=Article.Status.DRAFT)
    assert (
        set_discussion(
            Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
        )
        == 1
    )
    assert sent(demo_article) == []


def test_the_admins_close_action_tells_open_pages(client, editor, demo_article):
    client.force_login(editor)
    answer = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "close_comments", "_selected_action": [demo_article.pk]},
    )
    assert answer.status_code == 302
    assert len(sent(demo_article, {"comments.closed"})) == 1


def test_saving_the_article_with_comments_closed_tells_open_pages(client, editor, demo_article):
    client.force_login(editor)
    change = reverse("admin:articles_article_change", args=[demo_article.pk])
    response = client.get(change)
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "published_at_0": demo_article.published_at.strftime("%Y-%m-%d"),
            "published_at_1": demo_article.published_at.strftime("%H:%M:%S"),
            "keywords": ", ".join(demo_article.keywords),
            "comments_closed": "on",
        }
    )
    data = {key: value for key, value in data.items() if value is not False}
    management = re.findall(
        r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"',
        response.content.decode(),
    )
    data.update(
        {key: "0" for key, _ in management if key.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))}
    )
    data.update(
        {
            key: value
            for key, value in management
            if key.endswith(("MIN_NUM_FORMS", "MAX_NUM_FORMS"))
        }
    )
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert len(sent(demo_article, {"comments.closed"})) == 1


def test_the_page_says_when_its_reader_sees_comments_unlike_any_signed_in_reader(
    client, demo_article, reader, other_reader_account, moderator
):
    """Events carry comments as any signed-in reader sees them; a moderator (Pick buttons)
    and a barred reader (no Like, no Reply) have each comment fetched as they see it."""

    def own_view(user):
        client.force_login(user)
        return "data-live-own-view" in client.get(demo_article.get_absolute_url()).content.decode()

    AuthorStanding.objects.create(user=other_reader_account, banned_at=timezone.now())
    assert own_view(moderator)
    assert own_view(other_reader_account)
    assert not own_view(reader)
