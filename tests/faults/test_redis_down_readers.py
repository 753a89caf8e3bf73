"""With Redis down, every reader path still works: nothing answers with a server error.

The app runs as in production (uvicorn, 2 processes, DEBUG=0, PostgreSQL) on a
private redis-server this test stops. Over real HTTP, as readers would, it then
signs in, fails to sign in, signs up and confirms the address, resets a
password, votes, comments, replies, edits, likes, reports, follows the story,
reads the article, the notices and the live stream, and logs out. /healthz
names Redis as what is down. Once Redis is back, signing in still works and
/healthz is well again. The outage is logged once per process, not per request.
"""

import contextlib
import re
import signal
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from articles.models import StoryFollow
from comments.models import Comment, Like, Report
from comments.rendering import render_body
from polls.models import Poll, Vote
from tests.services import BROWSER_PASSWORD, browser_account, uvicorn, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COMMENT_ID = re.compile(r'id="c(\d+)"')
SERVER_ERROR = re.compile(r"Traceback|Server Error|Something went wrong on our side")
WRONG_PASSWORD = "The email address or password is not correct."
OUTAGE_STARTS = "is unreachable"
OUTAGE_ENDS = "is back after"


class Reader:
    """One browser: its own cookies, CSRF token from the cookie, no redirects followed."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def get(self, url, **kwargs):
        return answered(self.http.get(url, **kwargs))

    def post(self, url, data=None, *, htmx=False):
        if "csrftoken" not in self.http.cookies:
            self.get("/accounts/login/")
        headers = {"X-CSRFToken": self.http.cookies["csrftoken"], "Referer": self.base_url}
        if htmx:
            headers["HX-Request"] = "true"
        return answered(self.http.post(url, data=data or {}, headers=headers))

    def sign_in(self, email, password=BROWSER_PASSWORD):
        return self.post("/accounts/login/", {"login": email, "password": password})

    def signed_in(self) -> bool:
        # The notices are for signed-in readers only; anyone else is sent to log in.
        return self.get("/notices/").status_code == 200

    def close(self):
        self.http.close()


def answered(response):
    """Anything but a server error; a 503 only as a deliberate "try again"."""
    where = (response.request.url, response.status_code)
    assert response.status_code < 500 or response.status_code == 503, where
    if response.status_code == 503:
        assert "Retry-After" in response.headers, where
    assert not SERVER_ERROR.search(response.text), response.text[:500]
    return response


def link_in_mail(mail_dir: Path, address: str, path: str) -> str:
    """The path of the newest link to `path` in the mail to `address` (the file backend's)."""
    pattern = re.compile(rf"http://[^/\s]+({re.escape(path)}\S+)")
    found = []
    for file in sorted(mail_dir.glob("*.log"), key=lambda file: file.stat().st_mtime):
        for message in file.read_text().split("-" * 79):
            if f"To: {address}" in message:
                found += pattern.findall(message)
    assert found, f"no mail to {address} with a link to {path}"
    return found[-1]


def server_log(base_url) -> str:
    """What the server under test printed (tests.services.uvicorn writes it to a temp file)."""
    started = f"Uvicorn running on {base_url}"
    logs = Path(tempfile.gettempdir()).glob("briefing-uvicorn-*.log")
    # Newest first: an older server may have had the same port.
    for log in sorted(logs, key=lambda log: log.stat().st_mtime, reverse=True):
        text = log.read_text(errors="replace")
        if started in text:
            return text
    raise AssertionError(f"no log says {started!r}")


def test_every_reader_path_works_while_redis_is_down(
    production_env, private_redis, demo_article, tmp_path
):
    mail_dir = tmp_path / "mail"
    env = {
        **production_env,
        "REDIS_URL": private_redis.url,
        "EMAIL_FILE_PATH": str(mail_dir),
        "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
        "ARTICLE_PAGE_CACHE_SECONDS": "5",
    }
    reader = browser_account("redis_down_reader")
    other = browser_account("redis_down_other")
    # Someone else's comment, approved, to reply to, like and report.
    theirs = Comment.objects.add_root(
        instance=Comment(
            article=demo_article,
            author=other,
            body="Written before the outage.",
            body_html=render_body("Written before the outage."),
            status=Comment.Status.APPROVED,
        )
    )
    poll = Poll.objects.filter(article=demo_article, choices__isnull=False).distinct().first()
    choice = poll.choices.first()
    article_url = demo_article.get_absolute_url()

    with uvicorn(env) as base_url:
        readers = []

        def new_reader():
            readers.append(Reader(base_url))
            return readers[-1]

        try:
            assert new_reader().get(article_url).status_code == 200  # Redis still up

            private_redis.stop()
            outage_started = time.monotonic()

            # Newcomers read the article (their shared copy is kept per process now).
            for _ in range(2):
                assert new_reader().get(article_url).status_code == 200

            # Signing in with the right password lands signed in.
            ada = new_reader()
            response = ada.sign_in(reader.email)
            assert response.status_code == 302, response.text[:500]
            assert ada.signed_in()

            # A wrong password: the form again, with its message.
            wrong = new_reader().sign_in(reader.email, "not the password")
            assert wrong.status_code == 200
            assert WRONG_PASSWORD in wrong.text

            # Signing up, then confirming the address from the email (which signs in).
            newcomer = new_reader()
            response = newcomer.post(
                "/accounts/signup/",
                {
                    "email": "outage.newcomer@example.com",
                    "username": "OutageNewcomer",
                    "password1": BROWSER_PASSWORD,
                },
            )
            assert response.status_code == 302, response.text[:500]
            assert response.headers["Location"] == "/accounts/confirm-email/"
            confirm = link_in_mail(
                mail_dir, "outage.newcomer@example.com", "/accounts/confirm-email/"
            )
            assert newcomer.get(confirm).status_code == 200
            assert newcomer.post(confirm).status_code == 302
            assert newcomer.signed_in()

            # A password reset: asked for, then set from the emailed link.
            forgetful = new_reader()
            response = forgetful.post(
                "/accounts/password/reset/", {"email": "outage.newcomer@example.com"}
            )
            assert response.status_code == 302
            assert forgetful.get(response.headers["Location"]).status_code == 200
            key_link = link_in_mail(
                mail_dir, "outage.newcomer@example.com", "/accounts/password/reset/key/"
            )
            response = forgetful.get(key_link)  # allauth moves the key into the session
            assert response.status_code == 302
            set_password = response.headers["Location"]
            assert forgetful.get(set_password).status_code == 200
            new_password = "another sturdy passphrase 7"
            response = forgetful.post(
                set_password, {"password1": new_password, "password2": new_password}
            )
            assert response.status_code == 302
            assert response.headers["Location"] == "/accounts/password/reset/key/done/"
            signs_in = new_reader().sign_in("outage.newcomer@example.com", new_password)
            assert signs_in.status_code == 302

            # The signed-in reader's article page, poll, comments and story.
            page = ada.get(article_url)
            assert page.status_code == 200
            assert TOKEN.search(page.text)
            vote = ada.post(f"/polls/{poll.pk}/vote/", {"choice": choice.pk}, htmx=True)
            assert vote.status_code == 200
            assert Vote.objects.filter(poll=poll, user=reader, choice=choice).exists()

            posted = ada.post(
                f"{article_url}comments/post/", {"body": "Posted during the outage."}, htmx=True
            )
            assert posted.status_code == 200
            mine = Comment.objects.get(pk=COMMENT_ID.search(posted.text)[1])
            assert (mine.author, mine.body) == (reader, "Posted during the outage.")

            edited = ada.post(
                f"/comments/{mine.pk}/edit/", {"body": "Edited during the outage."}, htmx=True
            )
            assert edited.status_code == 200
            mine.refresh_from_db()
            assert mine.body == "Edited during the outage."

            replied = ada.post(
                f"/comments/{theirs.pk}/reply/", {"body": "A reply during the outage."}, htmx=True
            )
            assert replied.status_code == 200
            theirs.refresh_from_db()  # treebeard reads the count of children first
            assert Comment.objects.get_children(theirs).filter(author=reader).exists()

            assert ada.post(f"/comments/{theirs.pk}/like/", htmx=True).status_code == 200
            assert Like.objects.filter(comment=theirs, reader=reader).exists()
            report = ada.post(f"/comments/{theirs.pk}/report/", {"reason": "spam"}, htmx=True)
            assert report.status_code == 200
            assert Report.objects.filter(comment=theirs, reporter=reader).exists()

            follow = ada.post(f"{article_url}follow/", htmx=True)
            assert follow.status_code == 200
            assert StoryFollow.objects.filter(user=reader).exists()

            assert ada.get("/notices/").status_code == 200
            assert ada.get("/notices/link/").status_code == 200

            # Live updates: the stream ends (the page retries), polling says to try again.
            with ada.http.stream("GET", f"{article_url}events/", timeout=15) as stream:
                assert stream.status_code == 200
                assert "retry:" in stream.read().decode()
            updates = ada.get(f"{article_url}updates/", params={"since": "0-0"})
            assert updates.status_code == 503

            assert ada.post("/accounts/logout/").status_code == 302
            assert not ada.signed_in()

            health = httpx.get(f"{base_url}/healthz", timeout=30)
            assert health.status_code == 503
            assert health.json()["redis"].startswith("down")
            outage_seconds = time.monotonic() - outage_started

            private_redis.start()
            wait_until(
                lambda: httpx.get(f"{base_url}/healthz", timeout=30).status_code == 200,
                timeout=30,
                what="/healthz once Redis is back",
            )
            again = new_reader()
            assert again.sign_in(reader.email).status_code == 302
            assert again.signed_in()

            # The processes try Redis again a few seconds after their last failure.
            def noticed_redis_is_back():
                new_reader().get(article_url)
                return OUTAGE_ENDS in server_log(base_url)

            wait_until(noticed_redis_is_back, timeout=20, what="the server noticing Redis is back")
        finally:
            for each in readers:
                each.close()

        log = server_log(base_url)
    starts = log.count(OUTAGE_STARTS)
    print(
        f"outage of {outage_seconds:.1f} s, {len(readers)} readers: "
        f"{starts} outage warning(s), {log.count(OUTAGE_ENDS)} 'back'"
    )
    assert 1 <= starts <= 2, "once per process (2), not once per request"
    assert "Internal Server Error" not in log


@contextlib.contextmanager
def hung(redis_server):
    """Redis stops answering without closing its connections (SIGSTOP), as a hung host does."""
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        redis_server.process.send_signal(signal.SIGCONT)


def test_a_hung_redis_costs_readers_one_short_timeout_not_a_wait_on_every_request(
    production_env, private_redis, demo_article
):
    # The newcomers' page copy stays fresh for the whole test: a render would wait
    # for the live events' id (events.py has its own client and timeout).
    env = {**production_env, "REDIS_URL": private_redis.url, "ARTICLE_PAGE_CACHE_SECONDS": "60"}
    reader = browser_account("hung_redis_reader")
    article_url = demo_article.get_absolute_url()

    with uvicorn(env, workers=1) as base_url, hung(private_redis):
        started = time.monotonic()
        health = httpx.get(f"{base_url}/healthz", timeout=60)
        health_seconds = time.monotonic() - started
        assert health.status_code == 503
        assert health.json()["redis"] == "down: TimeoutError"
        # Each check gives up after its own timeout (2 s) rather than waiting on Redis.
        assert health_seconds < 10

        timings = []
        for attempt in range(6):
            ada = Reader(base_url)
            started = time.monotonic()
            assert ada.get(article_url).status_code == 200
            password = BROWSER_PASSWORD if attempt % 2 else "not the password"
            signed_in = ada.sign_in(reader.email, password)
            assert signed_in.status_code == (302 if attempt % 2 else 200)
            timings.append(time.monotonic() - started)
            ada.close()

        # A comment queues its moderation on the broker, which does not answer either.
        ada = Reader(base_url)
        ada.sign_in(reader.email)
        started = time.monotonic()
        posted = ada.post(
            f"{article_url}comments/post/", {"body": "Posted while Redis hangs."}, htmx=True
        )
        post_seconds = time.monotonic() - started
        ada.close()
        assert posted.status_code == 200
        comment = Comment.objects.get(body="Posted while Redis hangs.")
        assert comment.status == Comment.Status.PENDING
    each = ", ".join(f"{seconds:.1f}" for seconds in timings)
    print(
        f"hung Redis: /healthz in {health_seconds:.1f} s; page and sign-in: {each} s; "
        f"a comment in {post_seconds:.1f} s"
    )
    # Queueing gives up after the broker's socket timeout (5 s), tried twice.
    assert post_seconds < 20
    # The first reader waits for the cache's socket timeout (1 s) and for the live
    # events' id (2 s). The next ones skip Redis, but for one call every few
    # seconds; paying each call's timeout instead would cost them 5 s and more.
    assert timings[0] < 10
    assert max(timings[1:]) < 4
