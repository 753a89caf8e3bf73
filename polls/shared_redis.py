"""One Redis client per process for the vote path's counters and throttles.

Django's Redis cache builds a new client object for every call, which costs
more CPU than the round trip itself; a vote makes several. This client is
thread-safe and shares one connection pool.

Under ASGI every request runs in its own thread, and the first votes after a
start arrive together. Exactly one client is made, under a lock: a client that
redis-py makes from a URL owns its pool and disconnects all of that pool's
connections, in use or not, when it is garbage collected, which can happen in
any thread. The client here does not own its pool, so dropping a client never
closes a connection another thread is reading from.

The pool is bounded and blocking: a crowd of simultaneous votes waits a moment
for a connection rather than being refused one (redis-py's default pool raises
past 100, and a rate limit that cannot count lets the vote through uncounted).
"""

import threading

import redis
from django.conf import settings

# More than a process has requests touching Redis at the same instant; the
# connections are opened only as that many requests need them at once.
MAX_CONNECTIONS = 256
# How long a request waits for a free connection, as long as for an answer.
TIMEOUT_SECONDS = 2

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_client() -> redis.Redis:
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = _new_client(url)
    return client


def _new_client(url: str) -> redis.Redis:
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    return redis.Redis(connection_pool=pool)
