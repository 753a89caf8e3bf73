"""The vote path's Redis counters under a crowd and under broken connections, on the real Redis.

A vote's Redis calls share one client per process (polls.shared_redis). The
first crowd of a process must make exactly one: a spare client, once collected,
closed connections that other threads were reading from, and redis-py raised
ValueError ("I/O operation on closed file") from the rate limit. A connection
that breaks under a call, whatever redis-py raises for it, degrades the vote as
RATELIMIT_FAIL_OPEN says, never a 500.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.test import RequestFactory

from briefing_site.redis_clients import forget_clients
from polls import live, ratelimits
from polls.shared_redis import redis_client

pytestmark = pytest.mark.integration

CROWD = 150  # more than redis-py's default pool holds (100)


@pytest.fixture
def own_redis(redis_url, settings):
    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def anonymous_vote(address="203.0.113.9", cookie="a-voter"):
    request = RequestFactory().post("/polls/1/vote/", REMOTE_ADDR=address)
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    request.COOKIES["voter"] = cookie
    return request


def at_once(count, call):
    """`call(n)` in `count` threads started together; their results, or what they raised."""
    start = threading.Barrier(count)

    def one(n):
        start.wait()
        try:
            return call(n)
        except Exception as error:  # the test reports it
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_the_first_crowd_of_a_process_is_counted_vote_by_vote(own_redis, settings):
    settings.POLL_RATE_PER_IP = f"{CROWD}/h"
    settings.RATELIMIT_FAIL_OPEN = True  # a vote that could not be counted would pass unseen
    forget_clients()  # as in a process that just started

    limited = at_once(CROWD, lambda n: ratelimits.is_limited(anonymous_vote(cookie=f"v{n}")))

    assert limited == [False] * CROWD
    [address_counter] = own_redis.keys("polls:rate:ip:*")
    assert int(own_redis.get(address_counter)) == CROWD
    assert ratelimits.is_limited(anonymous_vote(cookie="one-too-many"))


@pytest.mark.parametrize(("fail_open", "refused"), [(True, False), (False, True)])
def test_connections_closed_under_votes_never_raise(own_redis, settings, fail_open, refused):
    """Another thread closes the client's connections while votes use them (as a fork or
    a closed client would): each vote is counted or degrades, none raises."""
    settings.RATELIMIT_FAIL_OPEN = fail_open
    settings.POLL_RATE_PER_VOTER = settings.POLL_RATE_PER_IP = "100000/h"
    pool = redis_client().connection_pool
    voting = threading.Event()

    def close_connections_meanwhile():
        while not voting.wait(0.0005):
            pool.disconnect(inuse_connections=True)

    def votes(n):
        limits, turns = set(), set()
        for _ in range(40):
            limits.add(ratelimits.is_limited(anonymous_vote(cookie=f"v{n}")))
            turns.add(live._claim_turn(n))
        return limits, turns

    closer = threading.Thread(target=close_connections_meanwhile)
    closer.start()
    try:
        outcomes = at_once(20, votes)
    finally:
        voting.set()
        closer.join()

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    limits = set().union(*(limits for limits, _ in outcomes))
    turns = set().union(*(turns for _, turns in outcomes))
    # No limit was reached: a refusal is a vote that met a closed connection.
    assert limits == ({False} if fail_open else {False, True})
    assert turns <= {0, live.PUBLISH_NOW, live.PUBLISH_TRAILING}
    # Once the connections are left alone, Redis counts again.
    assert ratelimits.is_limited(anonymous_vote(cookie="later")) is False
