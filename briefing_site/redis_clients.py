"""One Redis client per process for each use of Redis that keeps its own.

Django's Redis cache builds a new client object for every call, which costs more
CPU than the round trip itself; the vote path and /healthz each keep one client
(thread-safe, one connection pool) instead.

Under ASGI every request runs in its own thread, and the first requests after a
start arrive together. Exactly one client is made for each use, under a lock: a
client that redis-py makes from a URL owns its pool and disconnects all of that
pool's connections, in use or not, when it is garbage collected, which can happen
in any thread. The clients here do not own their pools, so dropping a client never
closes a connection another thread is reading from.

Each pool is bounded and blocking: a crowd of simultaneous requests waits a moment
for a connection rather than being refused one (redis-py's default pool raises
past its limit).
"""

import threading

import redis

_clients: dict[tuple, redis.Redis] = {}
_clients_lock = threading.Lock()


def shared_client(
    url: str, *, max_connections: int, timeout: float, client_name: str | None = None
) -> redis.Redis:
    """The process's client for Redis at `url` with these settings. `timeout` bounds
    connecting, each answer and the wait for a free connection alike; operators see
    the connections by `client_name` in CLIENT LIST."""
    key = (url, max_connections, timeout, client_name)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                pool = redis.BlockingConnectionPool.from_url(
                    url,
                    max_connections=max_connections,
                    timeout=timeout,
                    socket_connect_timeout=timeout,
                    socket_timeout=timeout,
                    client_name=client_name,
                )
                client = _clients[key] = redis.Redis(connection_pool=pool)
    return client


def forget_clients():
    """As in a process that just started (tests)."""
    with _clients_lock:
        _clients.clear()
