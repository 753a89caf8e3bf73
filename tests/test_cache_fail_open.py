"""The Redis caches with Redis down (briefing_site/cache.py): unit tests without services.

A dead Redis is a port nothing listens on (every call is refused at once); a
hung one is a socket that accepts connections and never answers.
"""

import asyncio
import logging
import socket
import time

import pytest
import redis
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCacheClient
from django.urls import reverse

from briefing_site import cache as redis_caches
from briefing_site.cache import FailOpenRedisCache, FallbackRedisCache
from tests.accounts.conftest import PASSWORD, is_logged_in, log_in
from tests.services import free_port


@pytest.fixture(autouse=True)
def _no_outage_from_an_earlier_test(monkeypatch):
    """Outages are per process and per server; a port may come back in a later test."""
    monkeypatch.setattr(redis_caches, "_outages", {})


@pytest.fixture
def dead_redis_url():
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def hung_redis_url():
    """A server that takes connections into its backlog and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def make(cls, url, **options):
    made = cls(url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **options}})
    if isinstance(made, FallbackRedisCache):
        made._local.clear()  # the process memory of this address, from an earlier test
    return made


@pytest.fixture
def redis_down(settings, dead_redis_url):
    """The app's caches as production configures them, on a Redis that is down."""
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    settings.CACHES = {
        "default": {
            "BACKEND": "briefing_site.cache.FallbackRedisCache",
            "LOCATION": dead_redis_url,
            "OPTIONS": options,
        },
        "ratelimit": {
            "BACKEND": "briefing_site.cache.FailOpenRedisCache",
            "LOCATION": dead_redis_url,
            "OPTIONS": options,
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    default_cache.clear()  # only this process's memory: Redis is down
    return dead_redis_url


# What a counter that cannot be read answers.


def test_rate_limit_counters_on_a_dead_redis_are_unknown_and_nothing_raises(dead_redis_url):
    counters = make(FailOpenRedisCache, dead_redis_url)
    assert counters.add("count", 1, 60) is False
    assert counters.incr("count") is None  # django-ratelimit: unknown, let it through
    assert counters.get("count") is None
    assert counters.get("count", "fallback") == "fallback"
    assert counters.get_many(["a", "b"]) == {}
    assert counters.set("count", 3) is None
    assert counters.set_many({"a": 1, "b": 2}) == ["a", "b"]  # not stored
    assert counters.has_key("count") is False
    assert counters.touch("count") is False
    assert counters.delete("count") is False
    counters.delete_many(["a", "b"])
    assert counters.clear() is False


def test_the_default_cache_on_a_dead_redis_keeps_working_in_process_memory(dead_redis_url):
    kept = make(FallbackRedisCache, dead_redis_url)
    assert kept.add("lock", True, 10) is True
    assert kept.add("lock", True, 10) is False  # allauth's lock still excludes
    kept.set("history", [3, 2, 1], 60)
    assert kept.get("history") == [3, 2, 1]
    assert kept.get_or_set("page", lambda: "<html>", 5) == "<html>"
    assert kept.get_many(["history", "page", "absent"]) == {"history": [3, 2, 1], "page": "<html>"}
    kept.set("count", 1)
    assert kept.incr("count") == 2
    with pytest.raises(ValueError, match="not found"):
        kept.incr("absent")  # as Django's own caches say a key is missing
    assert kept.delete("count") is True
    assert kept.has_key("count") is False
    assert asyncio.run(kept.aget("history")) == [3, 2, 1]


def test_what_the_process_kept_expires_with_its_timeout(dead_redis_url, monkeypatch):
    kept = make(FallbackRedisCache, dead_redis_url)
    kept.set("page", "<html>", 5)
    later = time.time() + 6
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert kept.get("page") is None


def test_caches_on_one_server_share_what_the_process_kept(dead_redis_url):
    one, other = make(FallbackRedisCache, dead_redis_url), make(FallbackRedisCache, dead_redis_url)
    one.set("shared", 1)
    assert other.get("shared") == 1


def test_other_errors_are_not_an_outage(dead_redis_url, monkeypatch):
    """A bug (a key that is not a number, say) still shows, rather than reading as empty."""

    def refuses(client, key, delta):
        raise ValueError("not a number")

    monkeypatch.setattr(RedisCacheClient, "incr", refuses)
    with pytest.raises(ValueError, match="not a number"):
        make(FallbackRedisCache, dead_redis_url).incr("x")


# The circuit breaker and the log.


class CountingCalls:
    """Stands in for RedisCacheClient.get: counts calls, fails while `down`."""

    def __init__(self):
        self.calls = 0
        self.down = True

    def __call__(self, key, default):
        self.calls += 1
        if self.down:
            raise redis.ConnectionError("Connection refused")
        return "from redis"


@pytest.fixture
def redis_get(monkeypatch):
    calls = CountingCalls()
    monkeypatch.setattr(RedisCacheClient, "get", lambda client, key, default: calls(key, default))
    return calls


class Clock:
    """The breaker's clock (time.monotonic), moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


def test_after_a_failure_redis_is_left_alone_then_one_call_tries_again(
    dead_redis_url, redis_get, monkeypatch
):
    clock = Clock()
    monkeypatch.setattr(redis_caches, "time", clock)
    kept = make(FallbackRedisCache, dead_redis_url)
    for _ in range(50):
        assert kept.get("key") is None
    assert redis_get.calls == 1
    clock.now += redis_caches.RETRY_SECONDS - 0.1
    kept.get("key")
    assert redis_get.calls == 1
    clock.now += 0.1
    kept.get("key")
    kept.get("key")
    assert redis_get.calls == 2  # one probe, then left alone again
    redis_get.down = False
    clock.now += redis_caches.RETRY_SECONDS
    assert kept.get("key") == "from redis"
    assert kept.get("key") == "from redis"
    assert redis_get.calls == 4


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    dead_redis_url, redis_get, monkeypatch, caplog
):
    monkeypatch.setattr(redis_caches, "RETRY_SECONDS", 0)  # every call tries Redis
    caplog.set_level(logging.WARNING, logger="briefing_site.cache")
    page_copies = make(FallbackRedisCache, dead_redis_url)
    counters = make(FailOpenRedisCache, dead_redis_url)
    for _ in range(20):
        page_copies.get("page")
        counters.get("count")
    assert redis_get.calls == 40
    redis_get.down = False
    for _ in range(5):
        page_copies.get("page")
        counters.get("count")
    redis_get.down = True
    page_copies.get("page")

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3, messages
    down, back, down_again = messages
    assert "Redis at redis://127.0.0.1:" in down
    assert "is unreachable (ConnectionError: Connection refused)" in down
    assert "is back after" in back
    assert "is unreachable" in down_again


def test_the_log_names_the_server_without_its_password(monkeypatch, redis_get, caplog):
    caplog.set_level(logging.WARNING, logger="briefing_site.cache")
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/2?password=s3cret"
    make(FailOpenRedisCache, url).get("count")
    (message,) = [record.getMessage() for record in caplog.records]
    assert "s3cret" not in message
    assert "redis://127.0.0.1:" in message


def test_a_hung_redis_costs_one_timeout_not_one_per_call(hung_redis_url):
    kept = make(FallbackRedisCache, hung_redis_url, socket_timeout=0.5)
    started = time.monotonic()
    assert kept.get("page") is None
    first = time.monotonic() - started
    started = time.monotonic()
    for _ in range(100):
        kept.add("lock", True, 10)
        kept.get("page")
    rest = time.monotonic() - started
    assert 0.4 < first < 3
    assert rest < 0.5


def test_a_dead_redis_answers_at_once(dead_redis_url):
    started = time.monotonic()
    make(FallbackRedisCache, dead_redis_url).get("page")
    make(FailOpenRedisCache, dead_redis_url).incr("count")
    assert time.monotonic() - started < 1


# allauth on the default cache, with Redis down.


@pytest.fixture
def verified_reader(reader, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    EmailAddress.objects.create(user=reader, email=reader.email, primary=True, verified=True)
    return reader


def test_signing_in_with_redis_down_works(client, verified_reader, redis_down):
    response = log_in(client, "reader@example.com")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_wrong_password_with_redis_down_says_so(client, verified_reader, redis_down):
    response = log_in(client, "reader@example.com", "wrong password")
    assert response.status_code == 200
    assert "The email address or password is not correct." in response.content.decode()


def test_password_guessing_is_still_throttled_while_redis_is_down(
    client, verified_reader, redis_down, settings
):
    """Why the default cache falls back to memory rather than answering "empty"."""
    for _ in range(5):  # ACCOUNT_RATE_LIMITS: 5 failed log-ins in 5 minutes per email
        log_in(client, "reader@example.com", "wrong password")
    response = log_in(client, "reader@example.com", PASSWORD)
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert not is_logged_in(client)


def test_signing_up_and_asking_for_a_password_reset_with_redis_down(
    client, db, redis_down, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "username": "Newcomer", "password1": PASSWORD},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="newcomer@example.com").exists()
    response = client.post(reverse("account_reset_password"), {"email": "newcomer@example.com"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["newcomer@example.com"]] * 2


def test_the_newcomers_page_copy_is_kept_in_process_memory_while_redis_is_down(
    client, demo_article, redis_down, settings
):
    settings.ARTICLE_PAGE_CACHE_SECONDS = 5
    first = client.get(demo_article.get_absolute_url())
    client.cookies.clear()  # a newcomer again
    second = client.get(demo_article.get_absolute_url())
    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first
    assert second["X-Page-Cache"] == "hit"
