"""An article's event stream as the ASGI server runs it: what an open stream holds, how it ends."""

import asyncio
import gc

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.urls import reverse

from articles import live
from briefing_site import events
from briefing_site.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

READER = "198.51.100.9"


def stream_request(path):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"text/event-stream")],
        "client": (READER, 40000),
        "server": ("localhost", 80),
    }


class Reader:
    """The ASGI server's side of one stream: the request, then what the app sends."""

    def __init__(self):
        self.start = None
        self.text = ""
        self.arrived = asyncio.Event()
        self.leaves = asyncio.Event()
        self.asked = 0

    async def receive(self):
        self.asked += 1
        if self.asked == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.leaves.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.start = message
        else:
            self.text += message.get("body", b"").decode()
            self.arrived.set()

    async def until(self, text):
        while text not in self.text:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)


def requests_alive():
    gc.collect()
    return sum(type(thing) is ASGIRequest for thing in gc.get_objects())


def test_an_open_stream_delivers_events_holds_no_request_and_ends_when_the_reader_leaves(
    demo_article,
):
    path = reverse("articles:events", args=[demo_article.slug])

    async def scenario():
        reader = Reader()
        serving = asyncio.create_task(
            application(stream_request(path), reader.receive, reader.send)
        )
        await reader.until("event: ready")
        await asyncio.to_thread(events.publish, demo_article.pk, "poll.results", {"poll": 3})
        await reader.until("event: poll.results")
        held = requests_alive(), live.stream_slots.open_from(READER)
        reader.leaves.set()
        await asyncio.wait_for(serving, 10)
        return reader, held

    reader, (requests_held, slots_held) = asyncio.run(scenario())
    headers = dict(reader.start["headers"])
    assert reader.start["status"] == 200
    assert headers[b"Content-Type"] == b"text/event-stream"
    assert headers[b"X-Accel-Buffering"] == b"no"
    assert b"Content-Security-Policy" in headers  # the site's middleware still answers
    assert reader.text.startswith("retry: 3000\n\n")
    assert 'data: {"poll":3}' in reader.text
    assert requests_held == 0
    assert slots_held == 1
    assert live.stream_slots.open_from(READER) == 0


def open_streams(path, readers, last_id=None):
    """Serve a stream to each reader; returns the serving tasks once every one is ready."""
    scope = stream_request(path)
    if last_id is not None:
        scope = {**scope, "headers": [*scope["headers"], (b"last-event-id", last_id.encode())]}
    return [
        asyncio.create_task(application(scope, reader.receive, reader.send)) for reader in readers
    ]


async def all_ready(readers):
    await asyncio.gather(*(reader.until("event: ready") for reader in readers))


async def all_leave(readers, serving):
    """Every reader hangs up; returns once each of their streams has ended."""
    for reader in readers:
        reader.leaves.set()
    await asyncio.wait_for(asyncio.gather(*serving), 10)


def publish(article, kind, payload):
    return asyncio.to_thread(events.publish, article.pk, kind, payload)


def test_every_reader_of_an_article_gets_each_event_once_as_the_stream_bytes_say(
    demo_article, settings
):
    settings.LIVE_STREAMS_PER_ADDRESS = 100
    path = reverse("articles:events", args=[demo_article.slug])

    async def scenario():
        readers = [Reader() for _ in range(60)]
        serving = open_streams(path, readers)
        await all_ready(readers)
        ids = [await publish(demo_article, "poll.results", {"poll": n}) for n in range(3)]
        await asyncio.gather(*(reader.until('{"poll":2}') for reader in readers))
        await all_leave(readers, serving)
        return readers, ids, events.get_bus().reader_count(demo_article.pk)

    readers, ids, left_open = asyncio.run(scenario())
    expected = "retry: 3000\n\nevent: ready\ndata: {}\n\n" + "".join(
        f'id: {event_id}\nevent: poll.results\ndata: {{"poll":{n}}}\n\n'
        for n, event_id in enumerate(ids)
    )
    assert {reader.text for reader in readers} == {expected}
    assert live.stream_slots.open_from(READER) == 0
    assert left_open == 0


def test_a_reader_gone_in_the_middle_of_an_event_keeps_it_from_no_one_else(demo_article):
    path = reverse("articles:events", args=[demo_article.slug])

    class Broken(Reader):
        """Its connection fails as the event is written to it."""

        async def send(self, message):
            if b"poll.results" in message.get("body", b""):
                raise OSError("connection reset")
            await super().send(message)

    class Leaving(Reader):
        """It hangs up as the event reaches it."""

        async def send(self, message):
            await super().send(message)
            if b"poll.results" in message.get("body", b""):
                self.leaves.set()

    async def scenario():
        readers = [Reader(), Broken(), Leaving(), Reader(), Broken(), Reader()]
        serving = open_streams(path, readers)
        await all_ready(readers)
        await publish(demo_article, "poll.results", {"poll": 1})
        staying = [reader for reader in readers if type(reader) is Reader]
        await asyncio.gather(*(reader.until("poll.results") for reader in staying))
        # The broken and the leaving streams end by themselves.
        ended = [serving[n] for n, reader in enumerate(readers) if reader not in staying]
        await asyncio.wait_for(asyncio.gather(*ended), 10)
        still_open = events.get_bus().reader_count(demo_article.pk)
        await publish(demo_article, "poll.results", {"poll": 2})
        await asyncio.gather(*(reader.until('{"poll":2}') for reader in staying))
        await all_leave(staying, serving)
        return staying, still_open, events.get_bus().reader_count(demo_article.pk)

    staying, still_open, left_open = asyncio.run(scenario())
    assert still_open == 3
    assert all(reader.text.count("event: poll.results") == 2 for reader in staying)
    assert live.stream_slots.open_from(READER) == 0
    assert left_open == 0


class Slow(Reader):
    """A connection that takes nothing more until `flowing` is set, like a full socket."""

    def __init__(self):
        super().__init__()
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def send(self, message):
        await self.flowing.wait()
        await super().send(message)


def test_a_slow_reader_gets_every_event_in_order_once_its_connection_drains(demo_article):
    path = reverse("articles:events", args=[demo_article.slug])

    async def scenario():
        slow, quick = Slow(), Reader()
        serving = open_streams(path, [slow, quick])
        await all_ready([slow, quick])
        slow.flowing.clear()
        for n in range(5):
            await publish(demo_article, "poll.results", {"poll": n})
        await quick.until('{"poll":4}')
        behind = slow.text.count("poll.results")
        slow.flowing.set()
        await slow.until('{"poll":4}')
        await all_leave([slow, quick], serving)
        return slow, quick, behind

    slow, quick, behind = asyncio.run(scenario())
    assert behind == 0
    assert slow.text == quick.text
    assert [f'{{"poll":{n}}}' in slow.text for n in range(5)] == [True] * 5


def test_a_reader_too_far_behind_is_let_go_and_the_others_carry_on(demo_article):
    path = reverse("articles:events", args=[demo_article.slug])
    too_many = events.QUEUE_PER_READER + 5

    async def scenario():
        slow, quick = Slow(), Reader()
        serving = open_streams(path, [slow, quick])
        await all_ready([slow, quick])
        slow.flowing.clear()
        await asyncio.to_thread(
            events.get_bus().publish_many,
            [(demo_article.pk, "poll.results", {"poll": n}) for n in range(too_many)],
        )
        await quick.until(f'{{"poll":{too_many - 1}}}')
        slow.flowing.set()
        await asyncio.wait_for(serving[0], 10)  # its stream ends: it reconnects and replays
        quick.leaves.set()
        await asyncio.wait_for(serving[1], 10)
        return slow

    slow = asyncio.run(scenario())
    assert slow.text.count("poll.results") < too_many
    assert live.stream_slots.open_from(READER) == 0


def test_a_resuming_reader_gets_what_it_missed_then_live_events_each_once(demo_article):
    path = reverse("articles:events", args=[demo_article.slug])
    seen = events.publish(demo_article.pk, "poll.results", {"poll": 0})
    for n in (1, 2):
        events.publish(demo_article.pk, "poll.results", {"poll": n})

    async def scenario():
        reader = Reader()
        serving = open_streams(path, [reader], last_id=seen)
        await reader.until('{"poll":2}')
        await publish(demo_article, "poll.results", {"poll": 3})
        await reader.until('{"poll":3}')
        reader.leaves.set()
        await asyncio.wait_for(serving[0], 10)
        return reader.text

    text = asyncio.run(scenario())
    polls = [line for line in text.splitlines() if line.startswith('data: {"poll')]
    assert polls == [f'data: {{"poll":{n}}}' for n in (1, 2, 3)]
    assert text.startswith("retry: 3000\n\nevent: ready\ndata: {}\n\nid: ")


def test_a_quiet_stream_sends_heartbeats_and_ends_after_its_lifetime(demo_article, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(live, "STREAM_LIFETIME_SECONDS", 1)
    path = reverse("articles:events", args=[demo_article.slug])

    async def scenario():
        reader = Reader()
        serving = open_streams(path, [reader])
        await reader.until(": heartbeat\n\n")
        await publish(demo_article, "poll.results", {"poll": 1})
        await asyncio.wait_for(serving[0], 10)  # the server ends it, the reader stays
        return reader.text

    text = asyncio.run(scenario())
    assert text.startswith("retry: 3000\n\nevent: ready\ndata: {}\n\n: heartbeat\n\n")
    assert '{"poll":1}' in text
    assert text.count(": heartbeat") >= 2
    assert live.stream_slots.open_from(READER) == 0
