"""A Redis cache for rate-limit counters that lets requests through while Redis is down.

django-ratelimit counts with `cache.add()` then `cache.incr()`, and with
RATELIMIT_FAIL_OPEN it lets a request through when the count is unknown; but
it only expects a failed count, not the ConnectionError Django's Redis cache
raises, so a Redis outage turned every rate-limited POST (comments, replies,
reports, following a story) into a server error. Here a Redis error is an
unknown count, and the request goes on.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis import RedisError

log = logging.getLogger(__name__)


class FailOpenRedisCache(RedisCache):
    def _unknown(self, operation, error):
        log.warning("rate limits: %s failed, letting the request through: %s", operation, error)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._unknown("add", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._unknown("incr", error)
            return None

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._unknown("get", error)
            return None
