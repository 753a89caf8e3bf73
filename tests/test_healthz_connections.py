"""/healthz keeps its Redis connections: a monitor polling it must not load Redis."""

import pytest
import redis
from django.test import override_settings

from tests.services import unavailable

REDIS = "redis://127.0.0.1:6379/13"


def probe_connection_ids() -> set[int]:
    """The ids Redis gave this test's /healthz connections (ids are never reused); app
    servers of other tests probe their own database on the same Redis."""
    clients = redis.Redis.from_url(REDIS).client_list()
    return {
        int(client["id"])
        for client in clients
        if client["name"] == "briefing-healthz" and client["db"] == REDIS.rsplit("/", 1)[1]
    }


@pytest.fixture
def shared_redis():
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis on 127.0.0.1:6379 does not answer ({error})")


@override_settings(REDIS_URL=REDIS, CELERY_BROKER_URL=REDIS, CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_opens_no_new_redis_connection_per_call(client, db, shared_redis):
    assert client.get("/healthz").status_code == 200
    first = probe_connection_ids()
    for _ in range(10):
        assert client.get("/healthz").status_code == 200
    assert len(first) == 1
    assert probe_connection_ids() == first
