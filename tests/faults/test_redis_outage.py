"""Redis stops while a hundred signed-in readers comment and vote at once.

The app runs as in production (uvicorn, 2 processes, DEBUG=0) with a Celery
worker and beat, all on a private redis-server this test stops and starts
again. Nothing a reader sends may be lost, nothing may answer with a server
error, and once Redis is back every comment is moderated exactly once and the
live stream resumes on its own: in Chromium (the page's own EventSource and
live.js) and for a reader at the HTTP level that reconnects as EventSource does.
"""

import asyncio
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from comments.models import Comment, ModerationDecision
from polls.models import Poll
from tests.faults.conftest import (
    ResumingEventStream,
    running,
    signed_in_sessions,
    start_beat,
    start_worker,
    sweep_every,
)
from tests.services import uvicorn, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

READERS = 100
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COMMENT_ID = re.compile(r'id="c(\d+)"')
SERVER_ERROR = re.compile(r"Traceback|Server Error|Internal Server Error")


def each_reader(base_url, jars, work):
    """Run `work(client, n)` for every reader at once, each with their own cookies
    (the session, then the CSRF cookie the first page sets)."""

    async def all_at_once():
        clients = [httpx.AsyncClient(base_url=base_url, cookies=jar, timeout=60) for jar in jars]
        try:
            return await asyncio.gather(*(work(client, n) for n, client in enumerate(clients)))
        finally:
            for jar, client in zip(jars, clients, strict=True):
                jar.update(client.cookies)
            await asyncio.gather(*(client.aclose() for client in clients))

    # A thread of its own: Playwright's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, all_at_once()).result()


def test_a_redis_outage_loses_no_comment_and_live_updates_resume_by_themselves(
    production_env, private_redis, demo_article, settings, tmp_path, chromium
):
    env = {
        **production_env,
        "REDIS_URL": private_redis.url,
        # Beat's sweeper re-queues what was left pending a few seconds after Redis returns.
        "COMMENT_SWEEP_AFTER_SECONDS": "3",
    }
    sweep_every(2)
    users = [
        get_user_model().objects.create_user(f"outage_reader_{n}", f"o{n}@example.com")
        for n in range(READERS)
    ]
    sessions = signed_in_sessions(users, env["SECRET_KEY"], settings)
    poll = Poll.objects.filter(article=demo_article, choices__isnull=False).distinct().first()
    choices = list(poll.choices.values_list("pk", flat=True))
    article_url = demo_article.get_absolute_url()

    with (
        uvicorn(env) as base_url,
        running(start_worker(env, "redis-outage"), start_beat(env, tmp_path)),
    ):
        live = ResumingEventStream(f"{base_url}{article_url}events/")
        live.start()
        browser = chromium.new_context()
        open_page = browser.new_page()
        open_page.goto(f"{base_url}{article_url}")
        live_state = open_page.locator("article[data-live-state]")
        expect(live_state).to_have_attribute("data-live-state", "streaming")
        jars = [httpx.Cookies({"sessionid": key}) for key in sessions]
        pages = each_reader(base_url, jars, lambda client, n: client.get(article_url))
        tokens = [TOKEN.search(page.text)[1] for page in pages]

        # Before the fault: a comment goes through and reaches the live reader.
        warm_up = each_reader(
            base_url,
            jars[:1],
            lambda client, n: client.post(
                f"{article_url}comments/post/",
                data={"body": "Before the outage.", "csrfmiddlewaretoken": tokens[0]},
                headers={"HX-Request": "true", "Referer": base_url},
            ),
        )[0]
        warm_up_id = int(COMMENT_ID.search(warm_up.text)[1])
        wait_until(
            lambda: any(
                kind == "comment.published" and data["id"] == warm_up_id
                for kind, _, data in live.events
            ),
            timeout=60,
            what="the warm-up comment on the live stream",
        )

        private_redis.stop()
        outage_started = time.monotonic()

        async def read_comment_and_vote(client, n):
            page = await client.get(article_url)
            comment = await client.post(
                f"{article_url}comments/post/",
                data={"body": f"Reader {n} wrote this during the outage.",
                      "csrfmiddlewaretoken": tokens[n]},
                headers={"HX-Request": "true", "Referer": base_url},
            )  # fmt: skip
            vote = await client.post(
                f"/polls/{poll.pk}/vote/",
                data={"choice": choices[n % len(choices)], "csrfmiddlewaretoken": tokens[n]},
                headers={"HX-Request": "true", "Referer": base_url},
            )
            return page, comment, vote

        answers = each_reader(base_url, jars, read_comment_and_vote)
        outage_seconds = time.monotonic() - outage_started
        healthz_during_outage = httpx.get(f"{base_url}/healthz", timeout=10)

        statuses = Counter()
        accepted = []
        for page, comment, vote in answers:
            for kind, response in (("page", page), ("comment", comment), ("vote", vote)):
                statuses[(kind, response.status_code)] += 1
                assert response.status_code < 500, (kind, response.status_code, response.text[:300])
                assert not SERVER_ERROR.search(response.text), response.text[:300]
            if comment.status_code == 200:
                accepted.append(int(COMMENT_ID.search(comment.text)[1]))
        print(f"during the outage ({outage_seconds:.1f} s): {dict(statuses)}")
        # Redis being down is no reason to turn a reader away.
        assert statuses == {
            ("page", 200): READERS,
            ("comment", 200): READERS,
            ("vote", 200): READERS,
        }
        assert healthz_during_outage.status_code == 503
        posted = Comment.objects.filter(pk__in=accepted)
        assert posted.count() == READERS
        assert set(posted.values_list("status", flat=True)) == {"pending"}

        private_redis.start()
        back = time.monotonic()
        wait_until(
            lambda: not posted.filter(status="pending").exists(),
            timeout=120,
            what="every comment moderated after the outage",
        )
        recovered_in = time.monotonic() - back
        decisions = Counter(
            ModerationDecision.objects.filter(comment__in=accepted, actor__isnull=True).values_list(
                "comment_id", flat=True
            )
        )
        assert decisions == dict.fromkeys(accepted, 1)

        approved = set(posted.filter(status="approved").values_list("pk", flat=True))
        assert approved, "the clean comments should have been approved"

        def live_reader_saw_them():
            seen = {data["id"] for kind, _, data in live.events if kind == "comment.published"}
            return approved <= seen

        wait_until(live_reader_saw_them, timeout=30, what="the live reader catching up")
        live.close()

        # The page open in the browser since before the outage was told too.
        new_comments = open_page.locator('[data-new-comments-for="comments-article"]')
        expect(new_comments).to_have_text(
            f"{len(approved) + 1} new comments: show", timeout=30_000
        )  # the warm-up comment and the approved ones
        expect(live_state).to_have_attribute("data-live-state", "streaming")
        new_comments.click()
        one_of_them = Comment.objects.filter(pk__in=approved).order_by("?").first().body
        expect(open_page.get_by_text(one_of_them, exact=True)).to_be_visible()
        browser.close()
        print(
            f"moderated {len(accepted)} in {recovered_in:.1f} s after Redis returned; "
            f"{len(approved)} approved reached the live reader over {live.connections} connections"
        )
