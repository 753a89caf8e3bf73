import asyncio

from briefing_site.events import InProcessBus


def test_subscribers_get_new_events_in_order():
    bus = InProcessBus()

    async def scenario():
        received = []
        stream = bus.subscribe(1)

        async def read_three():
            async for event in stream:
                received.append((event.kind, event.payload))
                if len(received) == 3:
                    return

        reader = asyncio.create_task(read_three())
        await asyncio.sleep(0.01)
        for n in range(3):
            bus.publish(1, "poll.results", {"n": n})
        bus.publish(2, "poll.results", {"other": "article"})
        await asyncio.wait_for(reader, 2)
        return received

    assert asyncio.run(scenario()) == [("poll.results", {"n": n}) for n in range(3)]


def test_a_reconnecting_reader_gets_exactly_what_it_missed():
    bus = InProcessBus()
    seen = bus.publish(1, "poll.results", {"n": 0})
    for n in range(1, 4):
        bus.publish(1, "poll.results", {"n": n})

    async def scenario():
        received = []
        async for event in bus.subscribe(1, last_id=seen):
            received.append(event.payload["n"])
            if len(received) == 3:
                break
        return received

    assert asyncio.run(scenario()) == [1, 2, 3]


def test_history_is_bounded():
    bus = InProcessBus(history=5)
    for n in range(20):
        bus.publish(1, "x", {"n": n})
    assert [event.payload["n"] for event in bus.history(1)] == [15, 16, 17, 18, 19]
