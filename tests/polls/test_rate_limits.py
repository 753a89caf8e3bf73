"""The poll write limits: their settings, the client address, and both counting back ends."""

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from polls import ratelimits


class FakePipeline:
    """Just enough of a Redis pipeline: SET NX, INCR, run them in order."""

    def __init__(self, store):
        self.store, self.commands = store, []

    def set(self, key, value, ex, nx):
        self.commands.append(("set", key, value))

    def incr(self, key):
        self.commands.append(("incr", key, None))

    def execute(self):
        replies = []
        for command, key, value in self.commands:
            if command == "set":
                replies.append(None if key in self.store else self.store.setdefault(key, value))
            else:
                self.store[key] += 1
                replies.append(self.store[key])
        return replies


class FakeRedis:
    def __init__(self):
        self.store, self.round_trips = {}, 0

    def pipeline(self, transaction):
        self.round_trips += 1
        return FakePipeline(self.store)


@pytest.fixture
def anonymous_post(rf: RequestFactory):
    def make(address="203.0.113.9", cookie=None):
        request = rf.post("/polls/1/vote/", REMOTE_ADDR=address)
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        if cookie:
            request.COOKIES["voter"] = cookie
        return request

    return make


@pytest.mark.parametrize(
    ("rate", "expected"), [("20/m", (20, 60)), ("300/5m", (300, 300)), ("1/d", (1, 86400))]
)
def test_rates_read_as_requests_per_window(rate, expected):
    assert ratelimits.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["20", "20/x", "many/m", ""])
def test_a_malformed_rate_fails_loudly(rate):
    with pytest.raises(ImproperlyConfigured):
        ratelimits.parse_rate(rate)


def test_an_ipv6_reader_is_counted_by_their_network(anonymous_post):
    one = ratelimits.client_address(anonymous_post("2001:db8:1:2::10"))
    other = ratelimits.client_address(anonymous_post("2001:db8:1:2:ffff::1"))
    assert one == other == "2001:db8:1:2::"


def test_the_cache_counts_without_redis(anonymous_post, settings):
    settings.POLL_RATE_PER_IP = "2/h"
    limited = [ratelimits.is_limited(anonymous_post(cookie=f"c{n}")) for n in range(3)]
    assert limited == [False, False, True]
    assert not ratelimits.is_limited(anonymous_post(address="198.51.100.1"))


def test_with_redis_both_limits_count_in_one_round_trip(anonymous_post, settings, monkeypatch):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    settings.POLL_RATE_PER_VOTER = "2/h"
    fake = FakeRedis()
    monkeypatch.setattr(ratelimits, "redis_client", lambda: fake)
    limited = [ratelimits.is_limited(anonymous_post(cookie="same-voter")) for _ in range(3)]
    assert limited == [False, False, True]
    assert fake.round_trips == 3
    assert sorted(fake.store.values()) == [3, 3]  # the voter's counter and the address's


@pytest.mark.parametrize(("fail_open", "limited"), [(True, False), (False, True)])
def test_with_redis_down_the_fail_open_setting_decides(
    anonymous_post, settings, monkeypatch, fail_open, limited
):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    settings.RATELIMIT_FAIL_OPEN = fail_open

    def unreachable():
        raise redis.ConnectionError("no route to Redis")

    monkeypatch.setattr(ratelimits, "redis_client", unreachable)
    assert ratelimits.is_limited(anonymous_post()) is limited
