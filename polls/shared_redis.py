"""The vote path's Redis client for its counters and throttles: one per process
(briefing_site.redis_clients says why and how)."""

from django.conf import settings

from briefing_site.redis_clients import shared_client

# More than a process has requests touching Redis at the same instant; the
# connections are opened only as that many requests need them at once.
MAX_CONNECTIONS = 256
# How long a request waits for a free connection, as long as for an answer.
TIMEOUT_SECONDS = 2


def redis_client():
    return shared_client(
        settings.REDIS_URL, max_connections=MAX_CONNECTIONS, timeout=TIMEOUT_SECONDS
    )
