"""Live events for an article's readers: publish from anywhere, subscribe from async views.

`publish(article_id, kind, payload)` is called after a write commits. Readers'
connections `subscribe(article_id, last_id)` and receive every event after
`last_id`, then new ones as they come. The embedded default is an in-process
bus (one process, bounded history); the Redis Streams back end for several
processes arrives with the live-updates feature and keeps this interface.
"""

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

# Events kept per article for readers who reconnect with Last-Event-ID.
HISTORY_PER_ARTICLE = 1000
# Events a slow reader may fall behind by before it is dropped.
QUEUE_PER_READER = 256


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    payload: dict


class InProcessBus:
    def __init__(self, history: int = HISTORY_PER_ARTICLE):
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)
        self._history: dict[int, deque[Event]] = {}
        self._readers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}
        self._history_size = history

    def publish(self, article_id: int, kind: str, payload: dict) -> str:
        with self._lock:
            # Ids sort like Redis stream ids: milliseconds, then a sequence.
            event = Event(f"{int(time.time() * 1000)}-{next(self._sequence)}", kind, payload)
            self._history.setdefault(article_id, deque(maxlen=self._history_size)).append(event)
            readers = list(self._readers.get(article_id, ()))
        for loop, queue in readers:
            loop.call_soon_threadsafe(_offer, queue, event)
        return event.id

    def history(self, article_id: int, after: str | None = None) -> list[Event]:
        with self._lock:
            events = list(self._history.get(article_id, ()))
        if after is None:
            return events
        return [event for event in events if _sort_key(event.id) > _sort_key(after)]

    async def subscribe(self, article_id: int, last_id: str | None = None) -> AsyncIterator[Event]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_PER_READER)
        reader = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._readers.setdefault(article_id, set()).add(reader)
            missed = [
                event
                for event in self._history.get(article_id, ())
                if last_id is not None and _sort_key(event.id) > _sort_key(last_id)
            ]
        try:
            seen = last_id
            for event in missed:
                seen = event.id
                yield event
            while True:
                event = await queue.get()
                if event is None:
                    return  # fell too far behind: the reader reconnects and replays
                if seen is not None and _sort_key(event.id) <= _sort_key(seen):
                    continue  # already replayed from history
                seen = event.id
                yield event
        finally:
            with self._lock:
                readers = self._readers.get(article_id)
                if readers is not None:
                    readers.discard(reader)
                    if not readers:
                        del self._readers[article_id]


def _offer(queue: asyncio.Queue, event: Event):
    try:
        queue.put_nowait(event)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)


def _sort_key(event_id: str) -> tuple[int, int]:
    try:
        millis, sequence = event_id.split("-", 1)
        return int(millis), int(sequence)
    except ValueError:
        return (0, 0)


_bus = InProcessBus()


def get_bus() -> InProcessBus:
    return _bus


def publish(article_id: int, kind: str, payload: dict) -> str:
    return get_bus().publish(article_id, kind, payload)


def subscribe(article_id: int, last_id: str | None = None) -> AsyncIterator[Event]:
    return get_bus().subscribe(article_id, last_id)
