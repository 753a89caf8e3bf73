import gc
import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

django_application = get_asgi_application()

from django.core.handlers.asgi import ASGIHandler  # noqa: E402 - after Django is set up


class LiveEventsHandler(ASGIHandler):
    """Django, for the long-lived event streams, without a thread per connection.

    Django runs each request in its own "thread-sensitive" context, and the
    thread that serves its synchronous parts (middleware, signals) lives as long
    as the response, which for an event stream is minutes. Thousands of open
    streams would be thousands of idle threads. Here the few synchronous steps
    of opening a stream share asgiref's one thread instead.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


live_events_application = LiveEventsHandler()

# Thousands of open streams are many long-lived objects: the collector
# walking them all, several times a second, was half of a busy process's
# time. What is loaded at start-up stays out of its walks, and it runs less often.
gc.freeze()
gc.set_threshold(20_000, 20, 20)
EVENT_STREAM_PATH = re.compile(r"^/articles/[^/]+/events/$")


async def application(scope, receive, send):
    if scope["type"] == "http" and EVENT_STREAM_PATH.match(scope["path"]):
        return await live_events_application(scope, receive, send)
    return await django_application(scope, receive, send)
