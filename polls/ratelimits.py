"""Rate limits on readers' poll writes: per voter and per client address.

Each limit counts requests in fixed windows (`POLL_RATE_PER_VOTER`,
`POLL_RATE_PER_IP`, e.g. "20/m" or "300/5m"). With Redis both counters move
in one round trip (polls.shared_redis); elsewhere (the embedded
local-memory cache) they go through the cache. With Redis down, or any fault
in talking to it, requests are let through when `RATELIMIT_FAIL_OPEN` is set,
and refused otherwise: never a server error.
"""

import hashlib
import ipaddress
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from polls.shared_redis import redis_client

log = logging.getLogger(__name__)

RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/m' is (20, 60): at most 20 requests in each window of 60 seconds."""
    match = RATE.match(rate.strip())
    if match is None:
        raise ImproperlyConfigured(f"Rate {rate!r} is not like 20/m or 300/5m.")
    count, multiple, unit = match.groups()
    return int(count), PERIODS[unit] * int(multiple or 1)


def client_address(request) -> str:
    """The reader's address (IPv6 by its /64: one household, one address)."""
    address = request.META.get(settings.RATELIMIT_IP_META_KEY) or ""
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return address


def voter_identity(request) -> str:
    """The account, the voter cookie, or, for a request without one, the reader's
    address (behind a proxy REMOTE_ADDR is the proxy's: every new reader would share it)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if "voter" in request.COOKIES:
        return "cookie:" + request.COOKIES["voter"]
    return "address:" + client_address(request)


def is_limited(request) -> bool:
    """Count this request against both limits; True when either is exceeded."""
    limits = [
        ("voter", voter_identity(request), parse_rate(settings.POLL_RATE_PER_VOTER)),
        ("ip", client_address(request), parse_rate(settings.POLL_RATE_PER_IP)),
    ]
    now = int(time.time())
    counters, allowances = [], []
    for group, identity, (allowed, period) in limits:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        key = f"polls:rate:{group}:{period}:{now // period}:{digest}"
        counters.append((key, period + 1))
        allowances.append(allowed)
    try:
        counts = _count_in_redis(counters) if settings.REDIS_URL else _count_in_cache(counters)
    except Exception as error:  # redis-py raises more than RedisError when a connection breaks
        log.warning("poll rate limits not counted: %s: %s", type(error).__name__, error)
        return not settings.RATELIMIT_FAIL_OPEN
    return any(count > allowed for count, allowed in zip(counts, allowances, strict=True))


def _count_in_redis(counters) -> list[int]:
    pipe = redis_client().pipeline(transaction=False)
    for key, ttl in counters:
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incr(key)
    replies = pipe.execute()
    return replies[1::2]


def _count_in_cache(counters) -> list[int]:
    counts = []
    for key, ttl in counters:
        cache.add(key, 0, ttl)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between the two calls: this window starts now
            cache.add(key, 1, ttl)
            counts.append(1)
    return counts
