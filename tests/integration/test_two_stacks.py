"""Several web machines: two complete web stacks (deploy/serve.py --web-only: nginx,
gunicorn, uvicorn each) behind one front nginx balancing between them, sharing one
PostgreSQL, one Redis and one Celery worker, as machines would behind a load balancer.

Readers connected to one machine see what was written through the other; votes
count exactly wherever they land; a machine stopped while votes flow through the
front loses none that it acknowledged.
"""

import asyncio
import re
import signal
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model

from articles.briefing import parse_briefing
from articles.importer import import_briefing
from comments.models import Comment, ModerationSettings
from polls.models import Choice, Poll, Vote
from tests.conftest import DEMO_BRIEFING
from tests.services import free_port, service_log, stop, wait_until
from tests.sse import EventStream
from tests.stacks import NGINX, Stack, emptied_afterwards, nginx_user_line, published_on, running
from tests.stacks import signed_in_session as session_for

pytestmark = pytest.mark.integration

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COMMENT_ID = re.compile(r'id="c(\d+)"')
VOTE_LINE = re.compile(r'"POST /polls/\d+/vote/ HTTP/1\.1" (\d{3})')

FRONT_CONF = """
{user}
worker_processes 1;
pid {directory}/nginx.pid;
error_log stderr warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    upstream machines {{
        server 127.0.0.1:{port_a} max_fails=1 fail_timeout=2s;
        server 127.0.0.1:{port_b} max_fails=1 fail_timeout=2s;
        keepalive 32;
        # Shorter than the machines' own 15 s: a request is never sent on a
        # connection the other side is closing (a POST would not be retried).
        keepalive_timeout 10s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://machines;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 10m;
        }}
    }}
}}
"""


@dataclass
class Site:
    a: Stack
    b: Stack
    front: str  # the load balancer's URL


@dataclass
class Demo:
    article_url: str
    poll_id: int
    choices: list[int]
    reader_session: str


@pytest.fixture(scope="module")
def demo(production_env, django_db_blocker):
    with emptied_afterwards(django_db_blocker):
        with django_db_blocker.unblock():
            article = import_briefing(parse_briefing(DEMO_BRIEFING.read_bytes())).article
            poll = Poll.objects.get(article=article, kind="yes_no")
            reader = get_user_model().objects.create_user("two_stacks_reader", "r@example.com")
            # A regular reader: a new commenter's first comments wait for a moderator.
            ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})
            demo = Demo(
                article_url=article.get_absolute_url(),
                poll_id=poll.pk,
                choices=list(poll.choices.values_list("pk", flat=True)),
                reader_session=session_for(reader, production_env["SECRET_KEY"]),
            )
        yield demo


def front_nginx(directory: Path, a: Stack, b: Stack):
    directory.mkdir()
    port = free_port()
    conf = directory / "nginx.conf"
    conf.write_text(
        FRONT_CONF.format(
            user=nginx_user_line(directory),
            directory=directory,
            port=port,
            port_a=a.port,
            port_b=b.port,
        )
    )
    log = service_log("front-nginx")
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(conf), "-e", "stderr"],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = log.name
    url = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
        timeout=20,
        what="the front nginx",
        process=process,
    )
    return process, url


@pytest.fixture(scope="module")
def site(production_env, tmp_path_factory, demo, celery_worker):
    directory = tmp_path_factory.mktemp("machines")
    # The front nginx is the machines' load balancer: they believe its X-Forwarded-For.
    env = {**production_env, "TRUSTED_PROXIES": "127.0.0.1"}
    a = Stack(env, directory / "a", web_only=True, name="stack-a")
    b = Stack(env, directory / "b", web_only=True, name="stack-b")
    with running(a, b):
        front, url = front_nginx(directory / "front", a, b)
        try:
            yield Site(a, b, url)
        finally:
            stop(front)


def test_a_reader_on_one_machine_sees_a_comment_posted_through_the_other(
    site, demo, django_db_blocker
):
    with (
        httpx.Client(base_url=site.a.url) as listener,
        EventStream(listener, f"{demo.article_url}events/") as stream,
        httpx.Client(base_url=site.b.url, cookies={"sessionid": demo.reader_session}) as writer,
    ):
        assert stream.next(skip=()).kind == "ready"
        token = TOKEN.search(writer.get(demo.article_url).text)[1]
        posted = writer.post(
            f"{demo.article_url}comments/post/",
            data={"body": "Posted on machine B, read on machine A.", "csrfmiddlewaretoken": token},
            headers={"HX-Request": "true", "Origin": site.b.url},
        )
        assert posted.status_code == 200, posted.text[:500]
        comment_id = int(COMMENT_ID.search(posted.text)[1])

        event = published_on(stream, comment_id)
        assert event is not None, "the comment never reached the reader on machine A"
    assert "Posted on machine B" in event.data["html"]
    with django_db_blocker.unblock():
        assert Comment.objects.get(pk=comment_id).status == Comment.Status.APPROVED


@dataclass(frozen=True)
class Answer:
    entry: str  # which URL the vote was sent to
    status: int | None  # None: no answer at all (the connection failed)
    voter_key: str | None  # the new voter's key, from the cookie the answer set


def new_reader_votes(urls, demo, *, count, concurrency, progress=None) -> list[Answer]:
    """`count` votes, each by a reader voting for the first time, sent to `urls` in turn."""

    # One page's CSRF cookie and token serve every vote: they are no one's in particular.
    page = httpx.get(f"{urls[0]}{demo.article_url}")
    token, secret = TOKEN.search(page.text)[1], page.cookies["csrftoken"]

    async def campaign():
        clients = {
            url: httpx.AsyncClient(
                base_url=url, timeout=30, limits=httpx.Limits(max_connections=64)
            )
            for url in urls
        }
        turns = asyncio.Semaphore(concurrency)

        async def vote(n):
            url = urls[n % len(urls)]
            async with turns:
                try:
                    response = await clients[url].post(
                        f"/polls/{demo.poll_id}/vote/",
                        data={
                            "choice": demo.choices[n % len(demo.choices)],
                            "csrfmiddlewaretoken": token,
                        },
                        # Only the CSRF cookie: no voter cookie, so each vote is a new reader's.
                        headers={"HX-Request": "true", "Cookie": f"csrftoken={secret}"},
                    )
                except httpx.HTTPError:
                    answer = Answer(url, None, None)
                else:
                    cookie = response.cookies.get("voter")
                    key = cookie.split(":", 1)[0] if cookie else None
                    answer = Answer(url, response.status_code, key)
            if progress is not None:
                progress.append(answer)
            return answer

        try:
            return await asyncio.gather(*(vote(n) for n in range(count)))
        finally:
            await asyncio.gather(*(client.aclose() for client in clients.values()))

    return asyncio.run(campaign())


def stored_votes(demo) -> dict[str, int]:
    """voter key: choice, for every vote of the poll."""
    return dict(Vote.objects.filter(poll_id=demo.poll_id).values_list("voter_key", "choice_id"))


def assert_counters_match_rows(demo):
    rows = Counter(Vote.objects.filter(poll_id=demo.poll_id).values_list("choice_id", flat=True))
    counters = dict(Choice.objects.filter(poll_id=demo.poll_id).values_list("pk", "vote_count"))
    assert counters == {choice: rows.get(choice, 0) for choice in demo.choices}


def votes_served(stack: Stack) -> int:
    return len(VOTE_LINE.findall(stack.log_text()))


def test_a_thousand_votes_over_both_machines_count_exactly(site, demo, django_db_blocker):
    with django_db_blocker.unblock():
        before = stored_votes(demo)
    served_before = votes_served(site.a), votes_served(site.b)

    answers = new_reader_votes(
        [site.front, site.a.url, site.b.url], demo, count=1000, concurrency=24
    )

    assert Counter(answer.status for answer in answers) == {200: 1000}
    acknowledged = [answer.voter_key for answer in answers]
    assert len(set(acknowledged)) == 1000
    with django_db_blocker.unblock():
        new = {key: choice for key, choice in stored_votes(demo).items() if key not in before}
        assert set(new) == set(acknowledged)
        assert Counter(new.values()) == {
            demo.choices[0]: 334,
            demo.choices[1]: 333,
            demo.choices[2]: 333,
        }
        assert_counters_match_rows(demo)
    # Each machine took its direct third and some of the front's.
    served = votes_served(site.a) - served_before[0], votes_served(site.b) - served_before[1]
    assert sum(served) == 1000
    assert min(served) > 333


def test_stopping_a_machine_while_votes_flow_loses_no_acknowledged_vote(
    site, demo, django_db_blocker
):
    with django_db_blocker.unblock():
        before = stored_votes(demo)
    during, progress = [], []
    voting = threading.Thread(
        target=lambda: during.extend(
            new_reader_votes([site.front], demo, count=800, concurrency=16, progress=progress)
        )
    )
    voting.start()
    wait_until(lambda: len(progress) >= 200, timeout=60, what="the first 200 votes")
    signalled_at = len(progress)
    site.a.interrupt(signal.SIGTERM)  # returns once all of machine A has stopped
    voting.join(timeout=120)
    assert not voting.is_alive()
    assert site.a.alive() == []
    assert signalled_at < 700, "the votes were over before machine A was stopped"
    # With machine A gone, the front sends everything to machine B.
    after = new_reader_votes([site.front], demo, count=100, concurrency=16)
    assert [answer.status for answer in after] == [200] * 100

    answers = during + after
    acknowledged = [answer.voter_key for answer in answers if answer.status == 200]
    unanswered = [answer for answer in answers if answer.status != 200]
    with django_db_blocker.unblock():
        new = {key: choice for key, choice in stored_votes(demo).items() if key not in before}
        assert_counters_match_rows(demo)
    # Every acknowledged vote is stored, once (one row per voter key).
    assert set(acknowledged) <= set(new)
    assert len(set(acknowledged)) == len(acknowledged)
    # Votes cut off by the stop may or may not have been stored, but none twice:
    # a vote sent again to the other machine would be a second stored voter.
    assert len(new) - len(acknowledged) <= len(unanswered)
    # Only the few in flight at that moment were cut off.
    assert len(unanswered) <= 32, Counter(answer.status for answer in unanswered)
