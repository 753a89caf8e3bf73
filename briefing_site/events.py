"""Live events for an article's readers: publish from anywhere, subscribe from async views.

`publish(article_id, kind, payload)` is called once a write has committed (use
`publish_on_commit`). A reader's connection opens `subscription(article_id,
last_id)` and receives every event after `last_id`, then new ones as they come.

Two back ends, chosen by settings:

- Redis Streams when REDIS_URL is set: one stream per article, trimmed to
  about HISTORY_PER_ARTICLE events. In each process one task per active article
  reads the stream (XREAD BLOCK) and fans the events out to that process's
  connections, so a thousand readers of one article cost one Redis connection.
- An in-process bus for the embedded default (one process, bounded history).

A reader that falls QUEUE_PER_READER events behind is dropped: its stream ends
cleanly, the browser reconnects with Last-Event-ID and replays what it missed.
"""

import asyncio
import contextlib
import functools
import itertools
import json
import logging
import re
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass

import redis
import redis.asyncio
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

# Events kept per article for readers who reconnect with Last-Event-ID.
HISTORY_PER_ARTICLE = 1000
# Events a slow reader may fall behind by before it is dropped.
QUEUE_PER_READER = 256
# Streams of articles nobody writes to any more expire from Redis.
STREAM_TTL_SECONDS = 7 * 24 * 3600
# The id before every event: "replay everything the stream still holds".
START = "0-0"


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    payload: dict

    @functools.cached_property
    def key(self) -> tuple[int, int]:
        """sort_key(id), worked out once however many readers compare it."""
        return sort_key(self.id)


class Dropped(Exception):
    """The reader fell too far behind (or the bus lost its source); it should reconnect."""


# ASCII digits only: int() also reads "1_000", " 7" and other scripts' digits,
# which Redis refuses. Each part is an unsigned 64-bit number.
_EVENT_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})", re.ASCII)
_MAX_PART = 2**64 - 1


def sort_key(event_id: str | None) -> tuple[int, int]:
    """Ids sort as Redis stream ids do: milliseconds, then a sequence."""
    match = _EVENT_ID.fullmatch(event_id or "")
    if match is None:
        return (-1, -1)
    millis, sequence = int(match[1]), int(match[2])
    if millis > _MAX_PART or sequence > _MAX_PART:
        return (-1, -1)
    return millis, sequence


def is_event_id(value: str | None) -> bool:
    return sort_key(value) >= (0, 0)


def later_id(*candidates: str | None) -> str | None:
    """The latest of several ids a reader sent (Last-Event-ID header, ?since=)."""
    valid = [candidate for candidate in candidates if is_event_id(candidate)]
    return max(valid, key=sort_key) if valid else None


class Subscription:
    """One reader's view of an article's events, fed by its bus.

    `await next(timeout)` returns the next event, or None when `timeout` seconds
    pass without one (time for a heartbeat). `gap` is True when the reader asked
    to resume from an event the bus no longer holds: it missed something.

    A process holds one per open stream, tens of thousands of them idle: a
    list and one future while waiting, instead of a queue's four deques.

    The buses hand events to anything with the same `offer`, `offer_drop`,
    `replay` and `gap` (articles.live.LiveStream writes them straight to its reader).
    """

    __slots__ = ("_backlog", "_dropped", "_pending", "_waiter", "gap", "seen")

    def __init__(self, last_id: str | None):
        self.seen = last_id
        self.gap = False
        self._backlog: list[Event] = []  # the replay, delivered before anything offered
        self._pending: list[Event] = []
        self._dropped = False
        self._waiter: asyncio.Future | None = None

    def offer(self, event: Event):
        """Called by the bus, on the reader's event loop."""
        if self._dropped:
            return
        if len(self._pending) >= QUEUE_PER_READER:
            self.offer_drop()  # the reader ends and replays on reconnect
            return
        self._pending.append(event)
        self._wake()

    def offer_drop(self):
        self._pending.clear()
        self._dropped = True
        self._wake()

    def replay(self, events: list[Event]):
        self._backlog.extend(events)

    def _wake(self):
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    async def next(self, timeout: float | None = None) -> Event | None:
        while True:
            if self._backlog:
                event = self._backlog.pop(0)
            elif self._dropped:
                raise Dropped
            elif self._pending:
                event = self._pending.pop(0)
            elif not await self._wait(timeout):
                return None
            else:
                continue
            if self.seen is not None and event.key <= sort_key(self.seen):
                continue  # already delivered by the replay
            self.seen = event.id
            return event

    async def _wait(self, timeout: float | None) -> bool:
        """Until something is offered (True) or `timeout` seconds pass (False)."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _time_up, waiter)
        try:
            return await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


def _time_up(waiter: asyncio.Future):
    if not waiter.done():
        waiter.set_result(False)


class InProcessBus:
    """The embedded default: events live in this process's memory."""

    def __init__(self, history: int = HISTORY_PER_ARTICLE):
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)
        self._history: dict[int, deque[Event]] = {}
        self._readers: dict[int, set[tuple[asyncio.AbstractEventLoop, Subscription]]] = {}
        self._history_size = history

    def publish(self, article_id: int, kind: str, payload: dict) -> str:
        with self._lock:
            event = Event(f"{int(time.time() * 1000)}-{next(self._sequence)}", kind, payload)
            self._history.setdefault(article_id, deque(maxlen=self._history_size)).append(event)
            readers = list(self._readers.get(article_id, ()))
        for loop, subscription in readers:
            with contextlib.suppress(RuntimeError):  # that reader's loop has closed
                loop.call_soon_threadsafe(subscription.offer, event)
        return event.id

    def publish_many(self, events: list[tuple[int, str, dict]]) -> list[str]:
        return [self.publish(*event) for event in events]

    def last_id(self, article_id: int) -> str:
        with self._lock:
            events = self._history.get(article_id)
            return events[-1].id if events else START

    def history(self, article_id: int, after: str | None = None) -> list[Event]:
        with self._lock:
            events = list(self._history.get(article_id, ()))
        if after is None:
            return events
        return [event for event in events if sort_key(event.id) > sort_key(after)]

    def has_gap(self, article_id: int, after: str | None) -> bool:
        with self._lock:
            events = self._history.get(article_id)
            oldest = events[0].id if events else None
        return _missed_some(oldest, after)

    def reader_count(self, article_id: int) -> int:
        with self._lock:
            return len(self._readers.get(article_id, ()))

    @contextlib.asynccontextmanager
    async def subscription(self, article_id: int, last_id: str | None = None, into=None):
        subscription = Subscription(last_id) if into is None else into
        reader = (asyncio.get_running_loop(), subscription)
        with self._lock:
            self._readers.setdefault(article_id, set()).add(reader)
        try:
            if last_id is not None:
                subscription.gap = self.has_gap(article_id, last_id)
                subscription.replay(self.history(article_id, after=last_id))
            yield subscription
        finally:
            with self._lock:
                readers = self._readers.get(article_id)
                if readers is not None:
                    readers.discard(reader)
                    if not readers:
                        del self._readers[article_id]


def _missed_some(oldest: str | None, after: str | None) -> bool:
    """True when a reader resuming after `after` finds its next events trimmed away."""
    if after is None or after == START or oldest is None:
        return False
    return sort_key(oldest) > sort_key(after)


class RedisStreamBus:
    """One Redis stream per article; one reading task per active article per process."""

    def __init__(self, url: str, history: int = HISTORY_PER_ARTICLE):

        self._url = url
        self._history_size = history
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # One fan-out hub per event loop (uvicorn runs one loop per process).
        self._hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @staticmethod
    def key(article_id: int) -> str:
        return f"briefing:events:article:{article_id}"

    def publish(self, article_id: int, kind: str, payload: dict) -> str:
        return self.publish_many([(article_id, kind, payload)])[0]

    def publish_many(self, events: list[tuple[int, str, dict]]) -> list[str]:
        """publish() for each (article id, kind, payload), in one round trip to Redis."""
        pipe = self._redis.pipeline(transaction=False)
        for article_id, kind, payload in events:
            key = self.key(article_id)
            pipe.xadd(
                key,
                {"kind": kind, "payload": json.dumps(payload)},
                maxlen=self._history_size,
                approximate=True,
            )
            pipe.expire(key, STREAM_TTL_SECONDS)
        return [event_id.decode() for event_id in pipe.execute()[::2]]

    def last_id(self, article_id: int) -> str:
        newest = self._redis.xrevrange(self.key(article_id), count=1)
        return newest[0][0].decode() if newest else START

    def history(self, article_id: int, after: str | None = None) -> list[Event]:
        start = f"({after}" if after else "-"
        return [_decode(entry) for entry in self._redis.xrange(self.key(article_id), start, "+")]

    def has_gap(self, article_id: int, after: str | None) -> bool:
        oldest = self._redis.xrange(self.key(article_id), count=1)
        return _missed_some(oldest[0][0].decode() if oldest else None, after)

    def reader_count(self, article_id: int) -> int:
        hub = self._hubs.get(asyncio.get_running_loop())
        return hub.reader_count(article_id) if hub else 0

    def hub(self) -> "_StreamHub":
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(loop)
        if hub is None:
            hub = self._hubs[loop] = _StreamHub(self._url, self.key)
        return hub

    def subscription(self, article_id: int, last_id: str | None = None, into=None):
        return self.hub().subscription(article_id, last_id, into)


class _StreamHub:
    """This process's readers of article streams, on one event loop."""

    def __init__(self, url: str, key):

        # Replays share a pool; each article's blocking reader has its own connection.
        self._redis = redis.asyncio.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._url = url
        self._key = key
        self._readers: dict[int, _ArticleReader] = {}

    def reader_count(self, article_id: int) -> int:
        reader = self._readers.get(article_id)
        return len(reader.subscriptions) if reader else 0

    @contextlib.asynccontextmanager
    async def subscription(self, article_id: int, last_id: str | None, into=None):
        reader = self._readers.get(article_id)
        if reader is None or reader.stopped:
            reader = self._readers[article_id] = _ArticleReader(
                self._url, self._redis, self._key(article_id)
            )
        subscription = Subscription(last_id) if into is None else into
        reader.subscriptions.add(subscription)
        try:
            await reader.started()
            if last_id is not None:
                subscription.replay(await reader.replay_after(last_id))
                subscription.gap = await reader.has_gap(last_id)
            yield subscription
        finally:
            reader.subscriptions.discard(subscription)
            if not reader.subscriptions:
                reader.stop()
                if self._readers.get(article_id) is reader:
                    del self._readers[article_id]


class _ArticleReader:
    """Reads one article's stream and hands each event to every subscription."""

    BLOCK_MS = 10_000
    BATCH = 500

    def __init__(self, url: str, redis_client, key: str):

        self._redis = redis_client
        # Its own connection, closed when the last reader leaves (the server then
        # forgets the blocked read). The socket waits longer than a blocking read:
        # redis-py 8's default of 5 s would cut every quiet stream.
        self._reading = redis.asyncio.Redis.from_url(
            url,
            single_connection_client=True,
            socket_connect_timeout=2,
            socket_timeout=self.BLOCK_MS / 1000 + 5,
        )
        self._key = key
        self.subscriptions: set[Subscription] = set()
        self.stopped = False
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run())

    async def started(self):
        await asyncio.shield(self._ready)

    async def replay_after(self, last_id: str) -> list[Event]:
        entries = await self._redis.xrange(self._key, f"({last_id}", "+")
        return [_decode(entry) for entry in entries]

    async def has_gap(self, last_id: str) -> bool:
        oldest = await self._redis.xrange(self._key, count=1)
        return _missed_some(oldest[0][0].decode() if oldest else None, last_id)

    def stop(self):
        """Closing the connection ends the blocked read (cancelling it can leave it open)."""
        self.stopped = True
        self._closing = asyncio.get_running_loop().create_task(
            self._reading.connection_pool.disconnect()
        )

    async def _run(self):
        try:
            await self._read()
        finally:
            with contextlib.suppress(Exception):
                await self._reading.aclose()

    async def _read(self):
        try:
            # Start from the stream's newest id, not "$": every event after it
            # reaches the readers, and replays cover everything before it.
            newest = await self._redis.xrevrange(self._key, count=1)
            position = newest[0][0].decode() if newest else START
        except Exception as error:
            self._fail(error)
            return
        self._ready.set_result(position)
        while not self.stopped:
            try:
                batches = await self._reading.xread(
                    {self._key: position}, count=self.BATCH, block=self.BLOCK_MS
                )
            except Exception as error:
                if self.stopped:
                    return
                # Redis went away: every reader reconnects (and replays) later.
                log.warning("live events: reading %s failed: %s", self._key, error)
                self._fail(error)
                return
            for _stream, entries in batches or ():
                for entry in entries:
                    event = _decode(entry)
                    position = event.id
                    # A reader's offer never raises: one reader's trouble stops no other.
                    for subscription in list(self.subscriptions):
                        subscription.offer(event)

    def _fail(self, error: Exception):
        self.stopped = True
        if not self._ready.done():
            self._ready.set_exception(Dropped(str(error)))
        for subscription in list(self.subscriptions):
            subscription.offer_drop()


def _decode(entry) -> Event:
    event_id, fields = entry
    return Event(
        event_id.decode(),
        fields[b"kind"].decode(),
        json.loads(fields[b"payload"]),
    )


_buses: dict[str, InProcessBus | RedisStreamBus] = {}
_buses_lock = threading.Lock()


def get_bus() -> InProcessBus | RedisStreamBus:
    url = settings.REDIS_URL
    with _buses_lock:
        bus = _buses.get(url)
        if bus is None:
            bus = _buses[url] = RedisStreamBus(url) if url else InProcessBus()
        return bus


def reset_streams():
    """Forget every article's events (tests: article ids repeat between them)."""
    with _buses_lock:
        _buses.clear()
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=RedisStreamBus.key("*"), count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def publish(article_id: int, kind: str, payload: dict) -> str | None:
    """Send an event to the article's live readers; never fails the caller's write.

    Returns the event id, or None when the bus is unreachable (readers then
    catch up from the page on their next load).
    """
    try:
        return get_bus().publish(article_id, kind, payload)
    except Exception as error:
        log.warning("live events: could not publish %s for article %s: %s", kind, article_id, error)
        return None


def publish_on_commit(article_id: int, kind: str, payload_factory):
    """Publish once the current transaction commits: a rolled-back write never shows.

    `payload_factory` is called after the commit, so it can render from the
    committed state; when it returns None there is nothing to tell.
    """

    def publish_committed():
        try:
            payload = payload_factory()
        except Exception:
            log.exception("live events: could not build %s for article %s", kind, article_id)
            return
        if payload is not None:
            publish(article_id, kind, payload)

    transaction.on_commit(publish_committed)


def publish_many_on_commit(events_factory):
    """publish_on_commit() for several events in one round trip: `events_factory()` gives
    the [(article id, kind, payload)] to send once the transaction commits."""

    def publish_committed():
        try:
            events = events_factory()
        except Exception:
            log.exception("live events: could not build a batch of events")
            return
        if not events:
            return
        try:
            get_bus().publish_many(events)
        except Exception as error:
            log.warning("live events: could not publish %d events: %s", len(events), error)

    transaction.on_commit(publish_committed)


def last_id(article_id: int) -> str | None:
    """The newest event id of an article (what a page rendered now has seen)."""
    try:
        return get_bus().last_id(article_id)
    except Exception as error:
        log.warning("live events: no last id for article %s: %s", article_id, error)
        return None


def history(article_id: int, after: str | None) -> list[Event]:
    return get_bus().history(article_id, after)


def has_gap(article_id: int, after: str | None) -> bool:
    return get_bus().has_gap(article_id, after)


def subscription(article_id: int, last_id: str | None = None, into=None):
    """`async with subscription(id, last_id) as events: await events.next(timeout)`.

    With `into` (offer, offer_drop, replay and gap, as Subscription has them),
    the bus hands the events to it instead of a new Subscription, and yields it.
    """
    return get_bus().subscription(article_id, last_id, into)
