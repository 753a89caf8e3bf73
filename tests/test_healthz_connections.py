"""/healthz keeps its Redis connections: a monitor polling it must not load Redis."""

import redis
from django.test import override_settings

REDIS = "redis://127.0.0.1:6379/13"


def connections_opened() -> int:
    return redis.Redis.from_url(REDIS).info("stats")["total_connections_received"]


@override_settings(REDIS_URL=REDIS, CELERY_BROKER_URL=REDIS, CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_opens_no_new_redis_connection_per_call(client, db):
    assert client.get("/healthz").status_code == 200  # the first call may connect
    before = connections_opened()
    for _ in range(10):
        response = client.get("/healthz")
        assert response.status_code == 200
    # One for connections_opened itself.
    assert connections_opened() - before == 1
