"""PostgreSQL restarted, then stopped for a while, under readers' load.

The app (uvicorn, 2 processes, production mode, psycopg's pool) runs against a
private PostgreSQL cluster this test restarts and stops. While the database is
away a request answers 503 with a "try again" page, never a 500 or a
traceback; once it is back the same processes serve again, without a restart.
"""

import json
import re
import threading
import time
from collections import Counter

import httpx
import psycopg
import pytest

from tests.faults.conftest import manage_shell
from tests.services import ROOT, uvicorn

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SERVER_ERROR = re.compile(r"Traceback|Server Error|Internal Server Error")
ANONYMOUS_READERS = 8
WRITERS = 4


class Load(threading.Thread):
    """One reader in a loop: read the article, then vote (anonymous) or comment (signed in)."""

    def __init__(self, base_url, article_url, poll, *, session=None):
        super().__init__(daemon=True)
        self.base_url, self.article_url, self.poll = base_url, article_url, poll
        self.session = session
        self.results = []  # (monotonic time, what, status, body excerpt)
        self.stopping = threading.Event()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            n += 1
            cookies = {"sessionid": self.session} if self.session else {}
            # A new client each round: an anonymous reader is a new voter every time.
            with httpx.Client(base_url=self.base_url, cookies=cookies, timeout=60) as client:
                page = self.request(client, "page", "GET", self.article_url)
                token = TOKEN.search(page.text) if page is not None else None
                if token is None:
                    continue
                data = {"csrfmiddlewaretoken": token[1]}
                headers = {"HX-Request": "true", "Referer": self.base_url}
                if self.session:
                    data["body"] = f"Written under load, round {n} ({id(self)})."
                    self.request(
                        client, "comment", "POST", f"{self.article_url}comments/post/",
                        data=data, headers=headers,
                    )  # fmt: skip
                else:
                    data["choice"] = self.poll["choices"][n % len(self.poll["choices"])]
                    self.request(
                        client, "vote", "POST", f"/polls/{self.poll['id']}/vote/",
                        data=data, headers=headers,
                    )  # fmt: skip

    def request(self, client, what, method, url, **kwargs):
        try:
            response = client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            self.results.append((time.monotonic(), what, type(error).__name__, ""))
            time.sleep(0.2)
            return None
        self.results.append((time.monotonic(), what, response.status_code, response.text))
        if response.status_code >= 500:
            time.sleep(0.2)  # a reader waits a moment before trying again
        return response


def test_a_postgres_restart_and_outage_answer_503_and_the_app_recovers_by_itself(
    production_env, private_postgres, private_redis
):
    env = {
        **production_env,
        "DATABASE_URL": private_postgres.url,
        "REDIS_URL": private_redis.url,
        "COMMENT_RATE_PER_READER": "100000/m",
        "ARTICLE_PAGE_CACHE_SECONDS": "0",  # every page read goes to the database
        # Requests wait this long for a connection while the database is away
        # (20 s by default); shorter than the outage below, so some give up.
        "DB_POOL_TIMEOUT": "3",
    }
    manage_shell(env, "from django.core.management import call_command; "
                      "call_command('migrate', verbosity=0)")  # fmt: skip
    seeded = json.loads(
        manage_shell(
            env,
            "import json\n"
            "from importlib import import_module\n"
            "from django.conf import settings\n"
            "from django.contrib.auth import get_user_model\n"
            "from articles.briefing import parse_briefing\n"
            "from articles.importer import import_briefing\n"
            f"text = open('{ROOT}/articles/demo/asean-border-talks.txt', 'rb').read()\n"
            "article = import_briefing(parse_briefing(text)).article\n"
            "poll = article.polls.filter(choices__isnull=False).distinct().first()\n"
            "store = import_module(settings.SESSION_ENGINE).SessionStore\n"
            "sessions = []\n"
            f"for n in range({WRITERS}):\n"
            "    user = get_user_model().objects.create_user(f'writer{n}', f'w{n}@example.com')\n"
            "    session = store()\n"
            "    session['_auth_user_id'] = str(user.pk)\n"
            "    session['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'\n"
            "    session['_auth_user_hash'] = user.get_session_auth_hash()\n"
            "    session.save()\n"
            "    sessions.append(session.session_key)\n"
            "choices = list(poll.choices.values_list('pk', flat=True))\n"
            "print(json.dumps({'url': article.get_absolute_url(), 'sessions': sessions,\n"
            "    'poll': {'id': poll.pk, 'choices': choices}}))\n",
        )
        .strip()
        .splitlines()[-1]
    )

    with uvicorn(env) as base_url:
        readers = [
            Load(base_url, seeded["url"], seeded["poll"]) for _ in range(ANONYMOUS_READERS)
        ] + [
            Load(base_url, seeded["url"], seeded["poll"], session=key) for key in seeded["sessions"]
        ]
        for reader in readers:
            reader.start()
        try:
            marks = {"start": time.monotonic()}
            time.sleep(3)
            marks["restart"] = time.monotonic()
            private_postgres.restart()
            marks["restarted"] = time.monotonic()
            time.sleep(4)
            marks["stop"] = time.monotonic()
            private_postgres.stop()
            time.sleep(6)
            marks["start_again"] = time.monotonic()
            private_postgres.start()
            marks["started"] = time.monotonic()
            time.sleep(6)
            marks["end"] = time.monotonic()
        finally:
            for reader in readers:
                reader.stopping.set()
            for reader in readers:
                reader.join(timeout=90)

        # A restart while nobody is reading: the pool holds only idle connections,
        # all dead now. The next readers must not be the ones who find out.
        private_postgres.restart()
        with httpx.Client(base_url=base_url, timeout=30) as client:
            after_quiet_restart = Counter(client.get(seeded["url"]).status_code for _ in range(30))

    print(f"after a restart with no load: {dict(after_quiet_restart)}")
    assert after_quiet_restart == {200: 30}
    results = sorted(result for reader in readers for result in reader.results)
    statuses = Counter((what, status) for _, what, status, _ in results)
    print(f"marks: { {k: round(v - marks['start'], 1) for k, v in marks.items()} }")
    print(f"{len(results)} requests: {dict(statuses)}")
    for at, what, status, body in results:
        assert status in {200, 503}, (round(at - marks["start"], 1), what, status, body[:500])
        assert not SERVER_ERROR.search(body), body[:500]
        if status == 503:
            assert "try again" in body.lower()
    # Nothing a reader was told was saved is missing (a vote or comment that got
    # a 503 may or may not have committed before the connection died).
    with psycopg.connect(private_postgres.url.replace("postgres://", "postgresql://")) as conn:
        stored = {
            "vote": conn.execute("SELECT count(*) FROM polls_vote").fetchone()[0],
            "comment": conn.execute("SELECT count(*) FROM comments_comment").fetchone()[0],
        }
    for what in ("vote", "comment"):
        attempted = sum(n for (kind, _), n in statuses.items() if kind == what)
        assert statuses[(what, 200)] <= stored[what] <= attempted, (what, stored, statuses)
    failures = [at for at, _, status, _ in results if status != 200]
    print("not 200:", [(round(at - marks["start"], 1), what, status)
                       for at, what, status, _ in results if status != 200])  # fmt: skip
    assert failures, "the faults should have been noticed by some request"
    # After the database is back, the same processes serve every request.
    recovered = [r for r in results if r[0] > marks["started"]]
    first_ok = min(at for at, _, status, _ in recovered if status == 200)
    print(f"first success {first_ok - marks['started']:.2f} s after PostgreSQL was back")
    settled = [r for r in recovered if r[0] > first_ok + 2]
    assert settled
    assert {status for _, _, status, _ in settled} == {200}
