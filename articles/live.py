"""An article's live event stream, as server-sent events, and what editors announce on it."""

import json
import logging
import random
import threading
import time
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
) -> StreamingHttpResponse:
    stream = event_stream(article_id, last_id, release=release)
    if release is not None:
        # A stream cancelled before its first byte never runs its `finally`.
        weakref.finalize(stream, release)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


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
