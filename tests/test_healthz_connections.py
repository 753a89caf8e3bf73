"""/healthz keeps its Redis connections: a monitor polling it must not load Redis."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.test import override_settings

from briefing_site import health
from briefing_site.redis_clients import forget_clients
from tests.services import unavailable

REDIS = "redis://127.0.0.1:6379/13"
# The crowd of probes' own database: its connections are not counted as the test above's
# (xdist runs the two in parallel processes).
CROWD_REDIS = "redis://127.0.0.1:6379/10"
PROBES = 16


def probe_connection_ids(url=REDIS) -> set[int]:
    """The ids Redis gave this test's /healthz connections (ids are never reused); app
    servers of other tests probe their own database on the same Redis."""
    clients = redis.Redis.from_url(url).client_list()
    return {
        int(client["id"])
        for client in clients
        if client["name"] == "briefing-healthz" and client["db"] == url.rsplit("/", 1)[1]
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


def test_probes_arriving_together_on_a_fresh_process_all_find_redis_up(shared_redis):
    """A load balancer's probes and a monitor's can arrive at once, first thing after a
    start: each is answered "ok", none waits on or closes another's connection."""
    forget_clients()
    earlier = probe_connection_ids(CROWD_REDIS)
    start = threading.Barrier(PROBES)

    def probe(_):
        start.wait()
        return [health.ping(CROWD_REDIS) for _ in range(20)]

    try:
        with ThreadPoolExecutor(max_workers=PROBES) as pool:
            answers = [state for states in pool.map(probe, range(PROBES)) for state in states]
        assert set(answers) == {health.OK}
        # The probe's pool of four, waited for.
        assert len(probe_connection_ids(CROWD_REDIS) - earlier) <= 4
    finally:
        health.redis_client(CROWD_REDIS).connection_pool.disconnect()
        forget_clients()
