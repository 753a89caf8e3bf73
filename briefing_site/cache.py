"""Django's Redis cache, made to carry on while Redis is down.

Every reader path goes through a cache: allauth throttles sign-in, sign-up,
password resets and confirmation mails in the default cache
(allauth.core.ratelimit), django-ratelimit counts comments, likes, reports
and follows, and newcomers share a cached copy of the article page. While
Redis is unreachable, Django's RedisCache raises redis's ConnectionError from
each of them: a server error for the reader. Here the request goes on instead,
in one of two ways, according to what the data is for:

- FailOpenRedisCache (django-ratelimit's counters): a count that cannot be
  read is unknown, and RATELIMIT_FAIL_OPEN lets the request through. Those
  limits only slow down noise that moderation sees anyway.
- FallbackRedisCache (the default cache): carries on in this process's memory.
  Answering "empty" would be safe for the page copy, but not for allauth's
  throttles: they are what stops password guessing (login_failed) and mail
  bombing through reset and confirmation emails, and "empty" would switch
  them off for as long as the outage lasts. Counted per process they still
  hold, only looser by the number of processes.

A dead or hung Redis must not cost every call its socket timeout: after a
failure, the caches on that server leave it alone for RETRY_SECONDS, then one
call tries it again. An outage is logged once when it starts and once when
Redis answers again, per process.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.crypto import salted_hmac
from redis import RedisError

log = logging.getLogger(__name__)

# How long Redis is left alone after a failure before one call tries it again.
RETRY_SECONDS = 5
# Keys the process keeps while Redis is down: counters, locks and a few pages.
FALLBACK_MAX_ENTRIES = 10_000


class Outage:
    """What this process knows of one Redis server: answering, or down since when.

    Shared by every cache on that server, so one outage is one warning.
    """

    def __init__(self, where: str):
        self.where = where
        self._lock = threading.Lock()
        self._down_since = None
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def should_try(self) -> bool:
        """False while Redis is left alone; after that, True for one caller at a time."""
        if not self.down:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            # This caller probes; the others keep skipping Redis until it knows.
            self._retry_at = now + RETRY_SECONDS
            return True

    def failed(self, error: Exception):
        with self._lock:
            now = time.monotonic()
            started = self._down_since is None
            if started:
                self._down_since = now
            self._retry_at = now + RETRY_SECONDS
        if started:
            log.warning(
                "Redis at %s is unreachable (%s: %s); the cache carries on without it "
                "and tries again every %s s.",
                self.where,
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )

    def answered(self):
        if not self.down:
            return
        with self._lock:
            down_since, self._down_since = self._down_since, None
        if down_since is not None:
            log.warning(
                "Redis at %s is back after %.0f s.", self.where, time.monotonic() - down_since
            )


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of(servers: list[str]) -> Outage:
    """The one Outage of these servers in this process."""
    where = ", ".join(_without_credentials(server) for server in servers)
    with _outages_lock:
        return _outages.setdefault(where, Outage(where))


def _without_credentials(server: str) -> str:
    """For the log: a password may be in the user part or the query."""
    parts = urlsplit(server)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
    return parts._replace(netloc=host, query="").geturl()


# What a Redis call returns when Redis did not answer it.
_NO_ANSWER = object()


class FailOpenRedisCache(RedisCache):
    """While Redis is down every key is absent and nothing is stored.

    `incr` answers None rather than raising: django-ratelimit takes None for an
    unknown count and, with RATELIMIT_FAIL_OPEN, lets the request through.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self.outage = outage_of(self._servers)

    def _redis(self, operation, *args):
        if not self.outage.should_try():
            return _NO_ANSWER
        try:
            answer = getattr(super(), operation)(*args)
        except RedisError as error:
            self.outage.failed(error)
            return _NO_ANSWER
        self.outage.answered()
        return answer

    def _call(self, operation, args, *, unknown):
        answer = self._redis(operation, *args)
        return self._without_redis(operation, args, unknown) if answer is _NO_ANSWER else answer

    def _without_redis(self, operation, args, unknown):
        return unknown

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", (key, value, timeout, version), unknown=False)

    def get(self, key, default=None, version=None):
        return self._call("get", (key, default, version), unknown=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", (key, value, timeout, version), unknown=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", (key, timeout, version), unknown=False)

    def delete(self, key, version=None):
        return self._call("delete", (key, version), unknown=False)

    def get_many(self, keys, version=None):
        return self._call("get_many", (keys, version), unknown={})

    def has_key(self, key, version=None):
        return self._call("has_key", (key, version), unknown=False)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", (key, delta, version), unknown=None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._call("set_many", (data, timeout, version), unknown=list(data))

    def delete_many(self, keys, version=None):
        return self._call("delete_many", (keys, version), unknown=None)

    def clear(self):
        return self._call("clear", (), unknown=False)


class FallbackRedisCache(FailOpenRedisCache):
    """While Redis is down, a local-memory cache of this process answers instead.

    It keeps what was written during the outage; once Redis answers again the
    cache reads Redis, and what is left here expires with its timeouts.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(
            f"redis-fallback:{self.outage.where}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    def _without_redis(self, operation, args, unknown):
        return getattr(self._local, operation)(*args)


def csrf_stand_in() -> str:
    """What a stored copy of a page or a part of it holds where the reader's CSRF token
    goes (each reader gets their own put in): derived from the secret key, so that no
    comment can hold it (a reader who typed it would see their token there)."""
    return "csrf-" + salted_hmac("briefing_site.cache", "csrf stand-in").hexdigest()[:32]
