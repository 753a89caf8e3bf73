"""The live event bus: both back ends keep order, stay bounded, replay, drop slow readers."""

import asyncio
import contextlib

import pytest
from django.db import transaction

from briefing_site import events
from briefing_site.events import InProcessBus, RedisStreamBus

BACK_ENDS = [
    pytest.param("memory", id="in-process"),
    pytest.param("redis", id="redis-streams", marks=pytest.mark.integration),
]


@pytest.fixture(params=BACK_ENDS)
def bus(request):
    if request.param == "memory":
        return InProcessBus(history=50)
    redis_url = request.getfixturevalue("redis_url")
    return RedisStreamBus(redis_url, history=50)


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 10))


def test_readers_get_new_events_of_their_article_in_order(bus):
    async def scenario():
        async with bus.subscription(1) as subscription:
            for n in range(3):
                await asyncio.to_thread(bus.publish, 1, "poll.results", {"n": n})
            await asyncio.to_thread(bus.publish, 2, "poll.results", {"other": "article"})
            return [(await subscription.next(timeout=5)).payload for _ in range(3)]

    assert run(scenario) == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_a_reader_resuming_after_an_id_gets_exactly_what_it_missed(bus):
    seen = bus.publish(1, "comment.removed", {"n": 0})
    for n in range(1, 4):
        bus.publish(1, "comment.removed", {"n": n})

    async def scenario():
        async with bus.subscription(1, last_id=seen) as subscription:
            replayed = [(await subscription.next(timeout=5)).payload["n"] for _ in range(3)]
            await asyncio.to_thread(bus.publish, 1, "comment.removed", {"n": 4})
            live = (await subscription.next(timeout=5)).payload["n"]
            nothing_more = await subscription.next(timeout=0.3)
            return replayed, live, nothing_more, subscription.gap

    assert run(scenario) == ([1, 2, 3], 4, None, False)


def test_ids_grow_and_the_history_is_bounded(bus):
    ids = [bus.publish(1, "x", {"n": n}) for n in range(400)]
    assert ids == sorted(ids, key=events.sort_key)
    kept = bus.history(1)
    # Redis trims approximately (whole nodes), never below the bound.
    assert 50 <= len(kept) < 200
    assert kept[-1].payload == {"n": 399}


def test_resuming_from_an_event_no_longer_held_is_reported_as_a_gap(bus):
    first = bus.publish(1, "x", {"n": 0})
    for n in range(1, 400):
        bus.publish(1, "x", {"n": n})

    async def scenario():
        async with bus.subscription(1, last_id=first) as subscription:
            return subscription.gap

    assert run(scenario) is True
    assert bus.has_gap(1, bus.last_id(1)) is False
    assert bus.has_gap(1, events.START) is False


def test_a_reader_that_falls_too_far_behind_is_dropped(bus):
    async def scenario():
        async with bus.subscription(1) as subscription:
            for n in range(events.QUEUE_PER_READER + 10):
                await asyncio.to_thread(bus.publish, 1, "x", {"n": n})
            await asyncio.sleep(0.5)  # let the fan-out deliver

            async def read_all():
                while True:
                    await subscription.next(timeout=5)

            with pytest.raises(events.Dropped):
                await read_all()

    run(scenario)


def test_a_closed_reader_leaves_no_trace(bus):
    async def scenario():
        async with bus.subscription(7):
            assert bus.reader_count(7) == 1
        return bus.reader_count(7)

    assert run(scenario) == 0


@pytest.mark.integration
def test_one_redis_connection_reads_an_article_for_all_its_readers_in_a_process(redis_url):
    import redis

    bus = RedisStreamBus(redis_url)
    admin = redis.Redis.from_url(redis_url)

    def blocked_readers():
        clients = admin.client_list()
        return sum(1 for client in clients if client.get("cmd") == "xread")

    async def scenario():
        before = await asyncio.to_thread(blocked_readers)
        async with contextlib.AsyncExitStack() as stack:
            subscriptions = [
                await stack.enter_async_context(bus.subscription(11)) for _ in range(100)
            ]
            await asyncio.sleep(0.3)
            during = await asyncio.to_thread(blocked_readers)
            await asyncio.to_thread(bus.publish, 11, "x", {"n": 1})
            received = [await s.next(timeout=5) for s in subscriptions]
        await asyncio.sleep(0.3)
        after = await asyncio.to_thread(blocked_readers)
        return before, during, after, {event.payload["n"] for event in received}

    before, during, after, received = run(scenario)
    assert during - before == 1
    assert after == before
    assert received == {1}


@pytest.mark.integration
def test_a_reader_stays_connected_through_a_quiet_spell(redis_url):
    """Longer than a blocking read and than redis-py's default socket timeout."""
    bus = RedisStreamBus(redis_url)

    async def scenario():
        async with bus.subscription(12) as subscription:
            quiet = await subscription.next(timeout=11)
            await asyncio.to_thread(bus.publish, 12, "x", {"n": 1})
            return quiet, (await subscription.next(timeout=5)).payload

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) == (None, {"n": 1})


@pytest.mark.django_db(transaction=True)
def test_events_are_published_on_commit_only(settings):
    settings.REDIS_URL = ""
    events.reset_streams()

    def failing_write():
        with transaction.atomic():
            events.publish_on_commit(3, "comment.removed", lambda: {"id": 1})
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        failing_write()
    assert events.history(3, None) == []

    with transaction.atomic():
        events.publish_on_commit(3, "comment.removed", lambda: {"id": 2})
        assert events.history(3, None) == []
    assert [event.payload for event in events.history(3, None)] == [{"id": 2}]


def test_a_broken_bus_never_fails_the_write(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert events.publish(1, "x", {}) is None
    assert events.last_id(1) is None


def test_the_latest_of_the_ids_a_reader_sends_wins():
    assert events.later_id("1700000000000-5", "1700000000001-0") == "1700000000001-0"
    assert events.later_id(None, "1700000000000-2") == "1700000000000-2"
    assert events.later_id("not-an-id", "") is None


def test_events_published_together_reach_each_article_in_order(bus):
    first, second, third = bus.publish_many(
        [(21, "x", {"n": 1}), (22, "x", {"n": 2}), (21, "x", {"n": 3})]
    )

    assert [(event.id, event.payload["n"]) for event in bus.history(21)] == [(first, 1), (third, 3)]
    assert [(event.id, event.payload["n"]) for event in bus.history(22)] == [(second, 2)]
