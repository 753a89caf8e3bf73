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
