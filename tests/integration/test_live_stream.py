"""The article's live stream under the real ASGI server, over Redis Streams."""

import os
import re
import subprocess
import sys

import httpx
import pytest

from articles.models import Article
from briefing_site import events
from comments.services import approve_comment, post_comment
from polls.models import Poll
from tests.services import ROOT, uvicorn
from tests.sse import EventStream

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def events_url(article):
    return f"{article.get_absolute_url()}events/"


def test_the_stream_is_an_unbuffered_event_stream_that_says_it_is_ready(app_server, demo_article):
    with (
        httpx.Client(base_url=app_server) as client,
        EventStream(client, events_url(demo_article)) as stream,
    ):
        headers = stream.response.headers
        assert stream.response.status_code == 200
        assert headers["Content-Type"].startswith("text/event-stream")
        assert headers["Cache-Control"] == "no-cache"
        assert headers["X-Accel-Buffering"] == "no"
        assert stream.next(skip=()).kind == "ready"


def test_an_approved_comment_reaches_a_connected_reader_as_safe_html(
    app_server, demo_article, reader
):
    with (
        httpx.Client(base_url=app_server) as client,
        EventStream(client, events_url(demo_article)) as stream,
    ):
        stream.next(skip=())  # ready: the reader is connected
        comment = post_comment(
            article=demo_article, author=reader, body="Talks first. <script>alert(1)</script>"
        )
        approve_comment(comment.pk)
        event = stream.next()

    assert event.kind == "comment.published"
    assert event.data["id"] == comment.pk
    assert events.is_event_id(event.id)
    assert "Talks first." in event.data["html"]
    assert "<script>" not in event.data["html"] + event.data["html_anonymous"]
    assert "Log in to reply" in event.data["html_anonymous"]
    assert ">Reply</a>" in event.data["html"]
    # Nobody's own controls travel in a broadcast.
    assert "Delete" not in event.data["html"]


def test_a_reader_who_reconnects_gets_exactly_the_three_events_it_missed(app_server, demo_article):
    article_id = demo_article.pk
    with httpx.Client(base_url=app_server) as client:
        stream = EventStream(client, events_url(demo_article))
        stream.next(skip=())
        events.publish(article_id, "comment.removed", {"id": 100})
        seen = stream.next()
        stream.close()  # the connection drops mid-stream

        for comment_id in (101, 102, 103):
            events.publish(article_id, "comment.removed", {"id": comment_id})

        with EventStream(client, events_url(demo_article), last_id=seen.id) as resumed:
            missed = [resumed.next() for _ in range(3)]
            events.publish(article_id, "comment.removed", {"id": 104})
            then_live = resumed.next()

    assert seen.data == {"id": 100}
    assert [event.data["id"] for event in missed] == [101, 102, 103]
    assert [event.id for event in missed] == sorted(
        (event.id for event in missed), key=events.sort_key
    )
    assert then_live.data == {"id": 104}


def test_a_vote_served_by_one_process_reaches_a_reader_connected_to_another(
    production_env, demo_article
):
    poll = Poll.objects.get(article=demo_article, kind="yes_no")
    choice = poll.choices.first()
    with (
        uvicorn(production_env, workers=1) as process_a,
        uvicorn(production_env, workers=1) as process_b,
        httpx.Client(base_url=process_b) as watcher,
        EventStream(watcher, events_url(demo_article)) as stream,
    ):
        stream.next(skip=())
        with httpx.Client(base_url=process_a) as voter:
            token = TOKEN.search(voter.get(demo_article.get_absolute_url()).text)[1]
            voted = voter.post(
                f"/polls/{poll.pk}/vote/",
                data={"choice": choice.pk, "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true", "Referer": process_a},
            )
        assert voted.status_code == 200
        event = stream.next()

    assert event.kind == "poll.results"
    assert event.data["poll"] == poll.pk
    assert "1 reader voted." in event.data["html"]
    assert f'aria-label="{choice.text}: 100 percent, 1 vote"' in event.data["html"]


def test_only_published_articles_have_a_stream(app_server, demo_article):
    Article.objects.filter(pk=demo_article.pk).update(status=Article.Status.DRAFT)
    with httpx.Client(base_url=app_server) as client:
        assert client.get(events_url(demo_article)).status_code == 404
        assert client.get("/articles/no-such-article/events/").status_code == 404


def test_a_page_that_cannot_stream_polls_for_what_is_new(app_server, demo_article):
    updates = f"{demo_article.get_absolute_url()}updates/"
    with httpx.Client(base_url=app_server) as client:
        page = client.get(demo_article.get_absolute_url()).text
        since = re.search(r'data-live-since="([^"]*)"', page)[1]
        assert client.get(updates, params={"since": since}).status_code == 204

        events.publish(demo_article.pk, "comment.removed", {"id": 7})
        answer = client.get(updates, params={"since": since})
        assert answer.status_code == 200
        body = answer.json()
        assert [(e["event"], e["data"]) for e in body["events"]] == [("comment.removed", {"id": 7})]
        assert body["reset"] is False
        assert client.get(updates, params={"since": body["last"]}).status_code == 204
        assert client.get(updates, params={"since": "yesterday"}).status_code == 400


def test_on_the_embedded_defaults_a_vote_reaches_a_connected_reader(tmp_path):
    """`make run` as shipped: SQLite, eager tasks, the in-process bus, one process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
            "DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["setup_site"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    with uvicorn(env, workers=1) as server, httpx.Client(base_url=server) as client:
        front = client.get("/").text
        article_url = re.search(r'href="(/articles/[^"/]+/)"', front)[1]
        page = client.get(article_url).text
        vote_url = re.search(r'hx-post="(/polls/\d+/vote/)"', page)[1]
        choice = re.search(r'name="choice" value="(\d+)"', page)[1]
        with EventStream(client, f"{article_url}events/") as stream:
            stream.next(skip=())
            voted = client.post(
                vote_url,
                data={"choice": choice, "csrfmiddlewaretoken": TOKEN.search(page)[1]},
                headers={"HX-Request": "true", "Referer": server},
            )
            assert voted.status_code == 200
            event = stream.next()
    assert event.kind == "poll.results"
    assert "1 reader voted." in event.data["html"]
