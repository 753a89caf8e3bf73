"""`make serve`'s stack (deploy/serve.py) as a reader and an operator meet it:
nginx in front of gunicorn, uvicorn, a Celery worker and beat, on PostgreSQL and Redis."""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.contrib.auth import get_user_model

from articles.briefing import parse_briefing
from articles.models import Article
from comments.models import Comment, ModerationSettings
from polls.models import Poll
from tests.conftest import DEMO_BRIEFING
from tests.services import ROOT, wait_until
from tests.sse import EventStream
from tests.stacks import SERVE, Stack, emptied_afterwards, published_on, signed_in_session

pytestmark = pytest.mark.integration

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC_CSS = re.compile(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"')
COMMENT_ID = re.compile(r'id="c(\d+)"')
# serve.py's default for open event streams per reader address.
STREAMS_PER_ADDRESS = 32
# The stack counts at most this many votes a day per reader address.
VOTES_PER_ADDRESS = 5


def demo_slug() -> str:
    return parse_briefing(DEMO_BRIEFING.read_bytes()).slug


@pytest.fixture(scope="module")
def stack(production_env, tmp_path_factory, django_db_blocker):
    """The whole stack, set up as `make serve` does (migrate, collectstatic, setup_site),
    believing X-Forwarded-For from 127.0.0.1 as if a load balancer were there."""
    env = {
        **production_env,
        "TRUSTED_PROXIES": "127.0.0.1",
        # Each reader address may vote a few times a day: counted per reader, not per nginx.
        "POLL_RATE_PER_IP": f"{VOTES_PER_ADDRESS}/d",
    }
    stack = Stack(env, tmp_path_factory.mktemp("serve"), setup=True, name="serve-stack")
    # setup_site's article and the tests' rows are committed: they go at the end.
    with emptied_afterwards(django_db_blocker):
        try:
            stack.start().wait_until_serving(timeout=180, log_marks=["ready.", "beat: Starting"])
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="module")
def article(stack, django_db_blocker):
    with django_db_blocker.unblock():
        return Article.objects.get(slug=demo_slug())


@pytest.fixture(scope="module")
def poll_choices(article, django_db_blocker):
    with django_db_blocker.unblock():
        poll = Poll.objects.get(article=article, kind="yes_no")
        return poll.pk, list(poll.choices.values_list("pk", flat=True))


def test_the_article_page_comes_through_nginx_gzipped_when_asked(stack, article):
    url = f"{stack.url}{article.get_absolute_url()}"
    with httpx.Client() as client:
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        compressed = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert plain.status_code == compressed.status_code == 200
    assert plain.headers["Server"] == "nginx"
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert article.title in compressed.text
    assert compressed.num_bytes_downloaded < len(plain.content) / 3


def test_static_files_are_served_by_nginx_for_a_year(stack, article):
    with httpx.Client(base_url=stack.url) as client:
        page = client.get(article.get_absolute_url()).text
        css = STATIC_CSS.search(page)[1]
        answer = client.get(css, headers={"Accept-Encoding": "gzip"})
        raw = client.get(css, headers={"Accept-Encoding": "identity"})
        unhashed = client.get("/static/css/site.css")

    assert answer.status_code == 200
    assert answer.headers["Server"] == "nginx"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Type"] == "text/css"
    # collectstatic's .gz copy, sent as it is (gzip_static).
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in raw.headers
    assert raw.content
    assert answer.text == raw.text
    # A name without a hash may change: it is not kept for a year.
    assert unhashed.headers["Cache-Control"] == "public, max-age=60"


def test_the_event_stream_delivers_a_comment_approved_while_a_reader_listens(
    stack, article, production_env, django_db_blocker
):
    with django_db_blocker.unblock():
        author = get_user_model().objects.create_user("serve_stack_writer", "w@example.com")
        session = signed_in_session(author, production_env["SECRET_KEY"])
        # A regular reader: a new commenter's first comments wait for a moderator.
        ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})
    article_url = article.get_absolute_url()
    with (
        httpx.Client(base_url=stack.url, cookies={"sessionid": session}) as reader,
        httpx.Client(base_url=stack.url) as listener,
        EventStream(listener, f"{article_url}events/") as stream,
    ):
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in stream.response.headers
        # A buffering proxy would hold the first event back until the stream ends.
        started = time.monotonic()
        assert stream.next(skip=()).kind == "ready"
        assert time.monotonic() - started < 5

        token = TOKEN.search(reader.get(article_url).text)[1]
        posted = reader.post(
            f"{article_url}comments/post/",
            data={"body": "Heard through nginx: the talks go on.", "csrfmiddlewaretoken": token},
            # As a browser sends them: Django compares the Origin with the Host nginx passed.
            headers={"HX-Request": "true", "Origin": stack.url},
        )
        assert posted.status_code == 200, posted.text[:500]
        comment_id = int(COMMENT_ID.search(posted.text)[1])

        # The stack's own worker moderates it; uvicorn streams it as soon as it is approved.
        event = published_on(stream, comment_id)
        assert event is not None, "the approved comment never reached the stream"
    with django_db_blocker.unblock():
        assert Comment.objects.get(pk=comment_id).status == Comment.Status.APPROVED
    assert "Heard through nginx" in event.data["html"]


def test_a_bad_csrf_token_is_refused_with_403_not_a_server_error(stack, article, poll_choices):
    poll_id, choices = poll_choices
    with httpx.Client(base_url=stack.url) as client:
        client.get(article.get_absolute_url())  # the CSRF cookie
        forged = client.post(
            f"/polls/{poll_id}/vote/",
            data={"choice": choices[0], "csrfmiddlewaretoken": "x" * 64},
            headers={"Origin": stack.url},
        )
        without_cookie = httpx.post(
            f"{stack.url}/polls/{poll_id}/vote/", data={"choice": choices[0]}
        )
    assert forged.status_code == without_cookie.status_code == 403
    assert "CSRF verification failed" in forged.text


def test_newcomers_are_served_nginxs_copy_each_with_their_own_working_csrf_secret(
    stack, article, poll_choices
):
    poll_id, choices = poll_choices
    pages = []
    for _ in range(3):
        with httpx.Client(base_url=stack.url) as newcomer:
            page = newcomer.get(article.get_absolute_url(), headers={"Accept-Encoding": "gzip"})
            pages.append((page, newcomer.cookies["csrftoken"]))
    assert [page.status_code for page, _secret in pages] == [200, 200, 200]
    assert pages[-1][0].headers["X-Proxy-Cache"] in {"HIT", "STALE", "UPDATING"}
    assert pages[-1][0].headers["Content-Encoding"] == "gzip"
    for page, secret in pages:
        assert set(TOKEN.findall(page.text)) == {secret}
        assert len(secret) == 32
    assert len({secret for _page, secret in pages}) == 3

    with httpx.Client(base_url=stack.url) as reader:
        page = reader.get(article.get_absolute_url())
        token = TOKEN.search(page.text)[1]
        again = reader.get(article.get_absolute_url())  # a reader keeps their secret
        assert "set-cookie" not in again.headers
        assert TOKEN.search(again.text)[1] == token
        vote = reader.post(
            f"/polls/{poll_id}/vote/",
            data={"choice": choices[0], "csrfmiddlewaretoken": token},
            headers={"Origin": stack.url, "X-Forwarded-For": random_address()},
        )
        assert vote.status_code == 303
        # Now a voter: their page is their own, never the copy.
        own = reader.get(article.get_absolute_url())
        assert own.headers["X-Proxy-Cache"] == "BYPASS"
        assert "Your vote" in own.text


def test_a_signed_in_reader_is_never_served_nor_fills_the_copy(
    stack, article, production_env, django_db_blocker
):
    with django_db_blocker.unblock():
        ada = get_user_model().objects.create_user(username="AdaOnTheStack", email="a@example.com")
        session = signed_in_session(ada, production_env["SECRET_KEY"])
    with httpx.Client(base_url=stack.url, cookies={"sessionid": session}) as signed_in:
        page = signed_in.get(article.get_absolute_url(), headers={"X-Shared-Copy": "csrf-x"})
    assert page.headers["X-Proxy-Cache"] == "BYPASS"
    assert "AdaOnTheStack" in page.text
    with httpx.Client(base_url=stack.url) as newcomer:
        assert "AdaOnTheStack" not in newcomer.get(article.get_absolute_url()).text


def random_address() -> str:
    """An address of the benchmarking range: this run's own (counts live for a day)."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_rate_limits_count_each_reader_address_not_nginx(stack, article, poll_choices):
    poll_id, choices = poll_choices

    def votes(client, addresses):
        token = TOKEN.search(client.get(article.get_absolute_url()).text)[1]
        statuses = []
        for address in addresses:
            # A new reader each time (no voter cookie), at the address the proxy says.
            statuses.append(
                client.post(
                    f"/polls/{poll_id}/vote/",
                    data={"choice": choices[0], "csrfmiddlewaretoken": token},
                    headers={
                        "X-Forwarded-For": address,
                        "Cookie": f"csrftoken={client.cookies['csrftoken']}",
                    },
                ).status_code
            )
        return statuses

    busy, other = random_address(), random_address()
    with httpx.Client(base_url=stack.url) as through_the_proxy:
        assert votes(through_the_proxy, [busy] * (VOTES_PER_ADDRESS + 1)) == (
            [303] * VOTES_PER_ADDRESS + [429]
        )
        assert votes(through_the_proxy, [other]) == [303]

    # From an address that is no trusted proxy, X-Forwarded-For is not believed:
    # inventing a new address for each vote does not escape the limit.
    untrusted = f"127.{random.randrange(1, 255)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    transport = httpx.HTTPTransport(local_address=untrusted)
    with httpx.Client(base_url=stack.url, transport=transport) as direct:
        spoofed = [random_address() for _ in range(VOTES_PER_ADDRESS + 1)]
        assert votes(direct, spoofed) == [303] * VOTES_PER_ADDRESS + [429]


def open_connection(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
    return connection


def status_of(connection: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = connection.recv(1024)
        if not chunk:
            raise ConnectionError("closed before a status line")
        head += chunk
    return int(head.split(b" ", 2)[1])


def test_idle_and_greedy_clients_do_not_keep_other_readers_out(stack, article):
    host = f"Host: 127.0.0.1:{stack.port}\r\n"
    # Two hundred connections that never finish their request (slowloris): with
    # gunicorn's two sync workers facing readers directly, two would be enough.
    idle = [open_connection(stack.port) for _ in range(200)]
    for connection in idle:
        connection.sendall(f"GET {article.get_absolute_url()} HTTP/1.1\r\n{host}".encode())
    # And one address holding every event stream it may.
    stream_request = f"GET {article.get_absolute_url()}events/ HTTP/1.1\r\n{host}\r\n".encode()
    streams = []
    try:
        for _ in range(STREAMS_PER_ADDRESS):
            streams.append(open_connection(stack.port))
            streams[-1].sendall(stream_request)
        assert {status_of(stream) for stream in streams} == {200}
        one_too_many = open_connection(stack.port)
        one_too_many.sendall(stream_request)
        assert status_of(one_too_many) == 429
        one_too_many.close()

        started = time.monotonic()
        page = httpx.get(f"{stack.url}{article.get_absolute_url()}", timeout=10)
        assert page.status_code == 200
        assert time.monotonic() - started < 5

        # nginx drops a request whose header has not come within 10 s.
        def dropped(connection):
            try:
                return connection.recv(1024, socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                return False
            except ConnectionResetError:
                return True

        wait_until(
            lambda: all(dropped(connection) for connection in idle),
            timeout=20,
            what="nginx dropping the idle connections",
        )
    finally:
        for connection in idle + streams:
            connection.close()


def without(name: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/nowhere",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "SECRET_KEY": "s" * 50,
    }
    del env[name]
    return env


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_without_a_required_setting_it_says_so_in_one_line_and_starts_nothing(missing, tmp_path):
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, str(SERVE), "--port", "1", "--run-dir", str(run_dir)],
        cwd=ROOT,
        env=without(missing),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert missing in result.stderr
    assert not run_dir.exists()


def test_ctrl_c_stops_every_process_of_the_stack(production_env, tmp_path, article):
    """The full stack (worker and beat too) stops on one Ctrl-C, leaving nothing behind,
    even with a reader's event stream open."""
    own = Stack(production_env, tmp_path / "run", name="serve-ctrl-c")
    try:
        own.start().wait_until_serving(log_marks=["ready.", "beat: Starting"])
        commands = "\n".join(process.command for process in own.processes)
        for program in (
            "nginx: master process",
            "nginx: worker process",
            "-m gunicorn briefing_site.wsgi:application",
            "-m uvicorn briefing_site.asgi:application",
            "-m celery -A briefing_site worker",
            "-m celery -A briefing_site beat",
        ):
            assert program in commands

        with (
            httpx.Client(base_url=own.url) as reader,
            EventStream(reader, f"{article.get_absolute_url()}events/") as stream,
        ):
            assert stream.next(skip=()).kind == "ready"
            started = time.monotonic()
            assert own.interrupt(signal.SIGINT) != 0
            stopped_in = time.monotonic() - started
        assert stopped_in < 10
        assert own.alive() == []
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{own.url}/healthz", timeout=2)
        log = own.log_text()
        for name in ("nginx", "web", "events", "worker", "beat"):
            assert f"{name}.1 stopped" in log
        assert "SIGKILL" not in log
    finally:
        own.stop()
