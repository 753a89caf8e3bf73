"""Live updates on the embedded defaults: what each write sends, and how the page connects."""

import asyncio
import re

import pytest
from django.urls import reverse

from articles import live
from articles.models import Article
from briefing_site import events
from comments import moderator_actions
from comments.models import Comment
from comments.services import (
    approve_comment,
    delete_comment,
    edit_comment,
    post_comment,
    reject_comment,
)
from comments.threads import MAX_INDENT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_process_bus(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    settings.COMMENTS_AUTO_APPROVE = False
    events.reset_streams()


def sent(article, kinds=None):
    return [
        event for event in events.history(article.pk, None) if kinds is None or event.kind in kinds
    ]


def approved_comment(article, author, body, parent=None):
    comment = post_comment(article=article, author=author, body=body, parent=parent)
    approve_comment(comment.pk)
    return Comment.objects.get(pk=comment.pk)


# The page


def test_the_article_page_connects_to_its_stream_from_where_it_was_rendered(client, demo_article):
    events.publish(demo_article.pk, "comment.removed", {"id": 1})
    newest = events.last_id(demo_article.pk)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    stream = reverse("articles:events", args=[demo_article.slug])
    assert f'hx-ext="sse" sse-connect="{stream}?since={newest}"' in page
    assert f'data-live-updates="{reverse("articles:updates", args=[demo_article.slug])}"' in page
    assert re.search(r'<script src="/static/js/live[^"]*\.js" defer>', page)
    assert 'id="live-banners"' in page


def test_a_previewed_draft_is_not_live(client, editor, demo_article):
    Article.objects.filter(pk=demo_article.pk).update(status=Article.Status.DRAFT)
    client.force_login(editor)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "sse-connect" not in page
    assert client.get(reverse("articles:updates", args=[demo_article.slug])).status_code == 404


def test_the_page_renders_when_the_event_bus_is_down(client, demo_article, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    page = client.get(demo_article.get_absolute_url())
    assert page.status_code == 200
    assert 'data-live-since=""' in page.content.decode()


def test_polling_for_updates(client, demo_article):
    url = reverse("articles:updates", args=[demo_article.slug])
    since = events.last_id(demo_article.pk)
    assert client.get(url, {"since": since}).status_code == 204
    events.publish(demo_article.pk, "comment.removed", {"id": 5})
    answer = client.get(url, {"since": since})
    assert answer.status_code == 200
    assert answer["Cache-Control"].startswith("max-age=0")
    assert [e["data"] for e in answer.json()["events"]] == [{"id": 5}]
    assert client.get(url, {"since": "soon"}).status_code == 400
    assert client.get(url).status_code == 400


def test_polling_after_too_much_was_missed_asks_for_a_reload(client, demo_article):
    since = events.publish(demo_article.pk, "x", {"n": 0})
    for n in range(events.HISTORY_PER_ARTICLE + 5):
        events.publish(demo_article.pk, "x", {"n": n})
    answer = client.get(reverse("articles:updates", args=[demo_article.slug]), {"since": since})
    assert answer.json()["reset"] is True


# Comments


def test_an_approved_comment_is_sent_as_html_for_signed_in_and_anonymous_readers(
    demo_article, reader
):
    comment = approved_comment(
        demo_article, reader, "Watch the **observers**. <img src=x onerror=alert(1)>"
    )
    [event] = sent(demo_article, {"comment.published"})
    payload = event.payload
    assert (payload["id"], payload["poll"], payload["parent"], payload["depth"]) == (
        comment.pk,
        None,
        None,
        1,
    )
    for html in (payload["html"], payload["html_anonymous"]):
        assert f'id="c{comment.pk}"' in html
        assert "<strong>observers</strong>" in html
        assert "<img" not in html
        assert "awaiting moderation" not in html
        assert "data-mine" not in html
    assert "Log in to reply" in payload["html_anonymous"]
    assert 'hx-post="/comments/' in payload["html"]  # the like button
    assert "Delete" not in payload["html"]


def test_a_comment_published_on_a_closed_article_offers_no_reply(
    demo_article, reader, moderator, django_capture_on_commit_callbacks
):
    held = post_comment(article=demo_article, author=reader, body="Held before the close.")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.HELD)
    demo_article.comments_closed = True
    demo_article.save(update_fields=["comments_closed"])
    published_before = len(sent(demo_article, {"comment.published", "comment.updated"}))
    with django_capture_on_commit_callbacks(execute=True):
        moderator_actions.approve(comment=held, moderator=moderator)
    events_now = sent(demo_article, {"comment.published", "comment.updated"})
    assert len(events_now) == published_before + 1
    payload = events_now[-1].payload
    assert payload["id"] == held.pk
    assert "data-reply-link" not in payload["html"]
    assert "Log in to reply" not in payload["html_anonymous"]


def test_a_deep_reply_says_whom_it_answers(demo_article, reader, other_reader_account):
    parent = approved_comment(demo_article, reader, "Level one.")
    for depth in range(2, MAX_INDENT + 2):
        author = other_reader_account if depth % 2 == 0 else reader
        parent = approved_comment(demo_article, author, f"Level {depth}.", parent=parent)
    payload = sent(demo_article, {"comment.published"})[-1].payload
    assert payload["depth"] == MAX_INDENT + 1
    assert f"indent-{MAX_INDENT}" in payload["html"]
    assert "replying to @another_reader" in payload["html"]


def test_nothing_is_sent_for_a_comment_until_it_is_approved(demo_article, reader):
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)  # a moderator decides
    demo_article.refresh_from_db()
    comment = post_comment(article=demo_article, author=reader, body="Pending a while.")
    assert sent(demo_article, {"comment.published"}) == []
    reject_comment(comment.pk)
    assert sent(demo_article) == []  # it was never shown: nothing to remove


def test_rejecting_deleting_or_editing_a_shown_comment_removes_it_live(demo_article, reader):
    first = approved_comment(demo_article, reader, "First.")
    second = approved_comment(demo_article, reader, "Second.")
    third = approved_comment(demo_article, reader, "Third.")
    reject_comment(first.pk)
    delete_comment(comment=second, actor=reader)
    edit_comment(comment=third, editor=reader, body="Third, reworded.")
    removed = [event.payload["id"] for event in sent(demo_article, {"comment.removed"})]
    assert removed == [first.pk, second.pk, third.pk]

    approve_comment(third.pk)  # the edit passes moderation
    [updated] = sent(demo_article, {"comment.updated"})
    assert "Third, reworded." in updated.payload["html"]


# Editors


def test_an_editor_saving_an_article_offers_its_readers_the_new_version(
    client, editor, demo_article
):
    client.force_login(editor)
    change = reverse("admin:articles_article_change", args=[demo_article.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "title": "Talks resume on Thursday",
            "change_kind": "update",  # published: the save says what kind of change it is
            "change_note": "The talks resume on Thursday.",
            "published_at_0": demo_article.published_at.strftime("%Y-%m-%d"),
            "published_at_1": demo_article.published_at.strftime("%H:%M:%S"),
            "keywords": ", ".join(demo_article.keywords),
        }
    )
    response = client.get(change)
    management = {
        key: value
        for key, value in re.findall(
            r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"',
            response.content.decode(),
        )
    }
    data.update({key: "0" for key in management if key.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))})
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    [event] = sent(demo_article, {"article.updated"})
    assert event.payload == {
        "title": "Talks resume on Thursday",
        "url": demo_article.get_absolute_url(),
    }


def test_a_follow_up_is_announced_to_readers_of_the_earlier_articles(demo_article):
    followup = Article.objects.create(
        title="Defence officials meet",
        slug="defence-officials-meet",
        status=Article.Status.PUBLISHED,
        published_at=demo_article.published_at,
        lead="The meeting is set for Thursday.",
    )
    live.followup_published(followup, [demo_article.pk])
    [event] = sent(demo_article, {"followup.published"})
    assert event.payload == {
        "title": "Defence officials meet",
        "url": followup.get_absolute_url(),
        "summary": "The meeting is set for Thursday.",
    }


# The stream's text


def read_stream(article_id, last_id, *, until, publish=()):
    async def scenario():
        chunks = []
        stream = live.event_stream(article_id, last_id, lifetime=until)
        async for chunk in stream:
            chunks.append(chunk)
            if "event: ready" in chunk:
                for kind, payload in publish:
                    await asyncio.to_thread(events.publish, article_id, kind, payload)
        return "".join(chunks)

    return asyncio.run(scenario())


def test_the_stream_replays_then_goes_live_then_ends_for_a_reconnect(monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.2)
    seen = events.publish(9, "comment.removed", {"id": 1})
    events.publish(9, "comment.removed", {"id": 2})
    text = read_stream(9, seen, until=0.7, publish=[("poll.results", {"poll": 3})])
    assert text.startswith("retry: 3000\n\n")
    blocks = [block for block in text.split("\n\n") if block]
    kinds = [re.search(r"event: (\S+)", block)[1] for block in blocks if "event:" in block]
    assert kinds == ["ready", "comment.removed", "poll.results"]
    assert 'data: {"id":2}' in text
    assert ": heartbeat" in text
    ids = re.findall(r"^id: (\S+)$", text, re.MULTILINE)
    assert len(ids) == 2
    assert ids == sorted(ids, key=events.sort_key)


def test_a_stream_resumed_from_a_forgotten_event_asks_for_a_reset():
    first = events.publish(9, "x", {})
    for _ in range(events.HISTORY_PER_ARTICLE + 1):
        events.publish(9, "x", {})
    text = read_stream(9, first, until=0.1)
    assert text.index("event: reset") < text.index("event: ready")
