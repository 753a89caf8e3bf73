"""One Redis client per process for the vote path's counters and throttles.

Django's Redis cache builds a new client object for every call, which costs
more CPU than the round trip itself; a vote makes several. This client is
thread-safe and shares one connection pool.
"""

import functools

import redis
from django.conf import settings


@functools.cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
