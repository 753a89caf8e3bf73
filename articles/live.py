"""An article's live event stream, as server-sent events, and what editors announce on it."""

import asyncio
import json
import logging
import random
import threading
import time
import types
import weakref
from collections import Counter
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse

from articles.models import Article
from briefing_site import events

log = logging.getLogger(__name__)

# A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15
# Streams end after a while (the browser resumes from Last-Event-ID at once),
# so server restarts are not held up and readers spread over new processes.
STREAM_LIFETIME_SECONDS = 300
# How long the browser waits before reconnecting after a stream ends.
RETRY_MILLISECONDS = 3000


async def live_article_id(slug: str) -> int | None:
    """The id of the published article with this slug, or None."""
    return await sync_to_async(_published_article_id)(slug)


def _published_article_id(slug: str) -> int | None:
    try:
        return Article.objects.published().filter(slug=slug).values_list("pk", flat=True).first()
    finally:
        # The stream stays open for minutes: it must not hold a database connection.
        connection.close()


class StreamSlots:
    """Open event streams per client address, in this server process.

    Each stream holds a connection and a file descriptor for minutes: one client
    must not take them all.
    """

    def __init__(self):
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()  # released from the event loop or the garbage collector

    def take(self, address: str, limit: int) -> Callable[[], None] | None:
        """A slot for one more stream from `address`: its release function, or None at the limit."""
        with self._lock:
            if self._open[address] >= limit:
                return None
            self._open[address] += 1
        released = False

        def release():
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                self._open[address] -= 1
                if self._open[address] <= 0:
                    del self._open[address]

        return release

    def open_from(self, address: str) -> int:
        with self._lock:
            return self._open[address]


stream_slots = StreamSlots()


def take_stream_slot(address: str) -> Callable[[], None] | None:
    return stream_slots.take(address, settings.LIVE_STREAMS_PER_ADDRESS)


def event_stream_response(
    article_id: int, last_id: str | None, *, release: Callable[[], None] | None = None
) -> "EventStreamResponse":
    return EventStreamResponse(article_id, last_id, release=release)


class EventStreamResponse(StreamingHttpResponse):
    """An article's event stream: event_stream() for any server to iterate, and
    send_over_asgi() for briefing_site.asgi, which has it write itself to the reader."""

    def __init__(self, article_id, last_id, *, release=None):
        stream = event_stream(article_id, last_id, release=release)
        if release is not None:
            # A stream cancelled before its first byte never runs its `finally`.
            weakref.finalize(stream, release)
        super().__init__(stream, content_type="text/event-stream")
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        self.article_id, self.last_id, self.release = article_id, last_id, release

    async def send_over_asgi(self, send):
        """The body, as event_stream() has it, through the ASGI `send` (headers sent)."""
        lifetime = STREAM_LIFETIME_SECONDS * random.uniform(0.8, 1.2)  # noqa: S311
        try:
            await LiveStream(send, lifetime).run(self.article_id, self.last_id)
        finally:
            if self.release is not None:
                self.release()


async def event_stream(article_id: int, last_id: str | None, *, lifetime=None, release=None):
    """The text of an SSE stream: what the reader missed since `last_id`, then live events.

    A `ready` event tells the page the stream works (a buffering proxy would hold
    it back, and the page then polls instead); `reset` tells it the events it
    asked to resume from are gone, so it should reload what it shows.
    """
    lifetime = lifetime or STREAM_LIFETIME_SECONDS * random.uniform(0.8, 1.2)  # noqa: S311
    ends_at = time.monotonic() + lifetime
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    try:
        async with events.subscription(article_id, last_id) as subscription:
            if subscription.gap:
                yield format_event("reset", {})
            yield format_event("ready", {})
            while (remaining := ends_at - time.monotonic()) > 0:
                event = await subscription.next(timeout=min(HEARTBEAT_SECONDS, remaining))
                if event is None:
                    yield ": heartbeat\n\n"
                    continue
                yield event_text(event)
    except events.Dropped:
        return  # fell behind, or the bus went away: the browser reconnects and replays
    except Exception as error:
        log.warning("live events: stream of article %s ended: %s", article_id, error)
    finally:
        if release is not None:
            release()


# Every reader of an article is handed the same event object in turn: its text
# is made once, not once per reader.
_last_text: tuple[events.Event | None, str] = (None, "")


def event_text(event: events.Event) -> str:
    global _last_text
    last, text = _last_text
    if last is not event:
        text = format_event(event.kind, event.payload, event.id)
        _last_text = (event, text)
    return text


def format_event(kind: str, payload: dict, event_id: str | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id else []
    lines += [f"event: {kind}", f"data: {json.dumps(payload, separators=(',', ':'))}"]
    return "\n".join(lines) + "\n\n"


def body_message(text: str) -> dict:
    return {"type": "http.response.body", "body": text.encode(), "more_body": True}


RETRY_MESSAGE = body_message(f"retry: {RETRY_MILLISECONDS}\n\n")
RESET_MESSAGE = body_message(format_event("reset", {}))
READY_MESSAGE = body_message(format_event("ready", {}))
HEARTBEAT_MESSAGE = body_message(": heartbeat\n\n")

# As with event_text(): one message per event, handed to every reader.
_last_message: tuple[events.Event | None, dict] = (None, {})


def event_message(event: events.Event) -> dict:
    global _last_message
    last, message = _last_message
    if last is not event:
        message = body_message(event_text(event))
        _last_message = (event, message)
    return message


class LiveStream:
    """One reader's event stream over ASGI, written by the article's fan-out itself.

    It sends what event_stream() yields, at the same moments. The bus offers each
    event to every reader in turn, and the offer sends the event's one shared
    message there and then: tens of thousands of readers cost a `send` each per
    event, not a task woken up, a generator stepped and a timer set and cancelled.
    The reader's own task waits meanwhile, and works only when the fan-out cannot
    write: while the stream catches up (the replay first), or when the connection
    takes no more for now (the server's `send` would wait). It then finishes that
    send and sends what was offered meanwhile; a reader QUEUE_PER_READER events
    behind is dropped, as a Subscription is.
    """

    __slots__ = (
        "_backlog",
        "_ending",
        "_ends_at",
        "_error",
        "_loop",
        "_queue",
        "_quiet_since",
        "_seen",
        "_send",
        "_stalled",
        "_timer",
        "_waiter",
        "gap",
    )

    def __init__(self, send, lifetime: float):
        self._send = send
        self._loop = asyncio.get_running_loop()
        self._seen = (-1, -1)  # the key of the last event sent, or before every event
        self._backlog: list[events.Event] = []  # the replay
        # What the fan-out offered that this task is to send; None while it writes itself.
        self._queue: list[events.Event] | None = []
        self._stalled = None  # (the send that would wait, what it waits on)
        self._waiter: asyncio.Future | None = None
        self._ends_at = self._loop.time() + lifetime
        self._quiet_since = self._loop.time()
        self._timer = None
        self._ending = False
        self._error: Exception | None = None
        self.gap = False

    async def run(self, article_id: int, last_id: str | None):
        """Send the stream until it ends: its lifetime, a drop, the bus failing."""
        self._seen = events.sort_key(last_id)
        await self._send(RETRY_MESSAGE)
        try:
            async with events.subscription(article_id, last_id, into=self):
                if self.gap:
                    await self._send(RESET_MESSAGE)
                await self._send(READY_MESSAGE)
                backlog, self._backlog = self._backlog, []
                for event in backlog:
                    await self._send_event(event)
                self._schedule(self._loop.time() + HEARTBEAT_SECONDS)
                await self._deliver()
        except events.Dropped:
            return  # the bus went away: the browser reconnects and replays
        except Exception as error:
            log.warning("live events: stream of article %s ended: %s", article_id, error)
        finally:
            self._ending = True
            if self._timer is not None:
                self._timer.cancel()

    async def _deliver(self):
        while True:
            if self._stalled is not None:
                sending, waits_on = self._stalled
                self._stalled = None
                await _finish(sending, waits_on)
            if self._ending:
                break
            if self._queue:
                await self._send_event(self._queue.pop(0))
                continue
            self._queue = None  # caught up: the fan-out writes from here on
            waiter = self._waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        if self._error is not None:
            raise self._error

    async def _send_event(self, event: events.Event):
        if event.key > self._seen:  # not already sent by the replay
            self._seen = event.key
            self._quiet_since = self._loop.time()
            await self._send(event_message(event))

    # The bus's side (Subscription's interface), on this stream's event loop.

    def replay(self, backlog: list[events.Event]):
        self._backlog.extend(backlog)

    def offer(self, event: events.Event):
        if self._ending:
            return
        if self._queue is not None:
            if len(self._queue) >= events.QUEUE_PER_READER:
                self.offer_drop()  # the reader ends and replays on reconnect
            else:
                self._queue.append(event)
                self._wake()
        elif event.key > self._seen:
            self._seen = event.key
            self._write(event_message(event))

    def offer_drop(self):
        self._end()

    def _write(self, message: dict):
        """Send `message` now; if the server's `send` has to wait, the stream's task finishes it."""
        self._quiet_since = self._loop.time()
        sending = self._send(message)
        try:
            waits_on = sending.send(None)
        except StopIteration:
            return
        except Exception as error:
            self._end(error)
            return
        self._stalled = (sending, waits_on)
        self._queue = []
        self._wake()

    def _end(self, error: Exception | None = None):
        self._ending = True
        self._error = error
        self._wake()

    def _wake(self):
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # A heartbeat after HEARTBEAT_SECONDS without an event; the end after the lifetime.

    def _schedule(self, due: float):
        self._timer = self._loop.call_at(min(due, self._ends_at), self._tick)

    def _tick(self):
        if self._ending:
            return
        now = self._loop.time()
        if now >= self._ends_at:
            self._end()
            return
        due = self._quiet_since + HEARTBEAT_SECONDS
        if now >= due:
            if self._queue is None:  # else events are on their way
                self._write(HEARTBEAT_MESSAGE)
            due = now + HEARTBEAT_SECONDS
        self._schedule(due)


@types.coroutine
def _finish(coroutine, waits_on):
    """Await `coroutine`, which was stepped by hand and now waits on `waits_on`: the
    awaiting task takes it over where it stopped, as if it had run it from the start."""
    while True:
        try:
            yield waits_on
        except BaseException as error:  # the task is cancelled: so is what it awaits
            try:
                waits_on = coroutine.throw(error)
            except StopIteration as stop:
                return stop.value
            continue
        return (yield from coroutine)


# Events that editors' actions send.


def article_updated(article: Article):
    """An editor changed a published article: its readers are offered the new version."""
    if not article.is_published:
        return
    events.publish_on_commit(
        article.pk,
        "article.updated",
        lambda: {"title": article.title, "url": article.get_absolute_url()},
    )


def followup_published(followup: Article, earlier_article_ids):
    """A follow-up is out: readers of the story's earlier articles see a banner."""
    payload = {
        "title": followup.title,
        "url": followup.get_absolute_url(),
        "summary": followup.lead[:300],
    }
    for article_id in earlier_article_ids:
        events.publish_on_commit(article_id, "followup.published", lambda: payload)
