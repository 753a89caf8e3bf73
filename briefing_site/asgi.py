import gc
import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

django_application = get_asgi_application()

import asyncio  # noqa: E402
from contextlib import aclosing  # noqa: E402

from asgiref.sync import sync_to_async  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402


class LiveEventsHandler(ASGIHandler):
    """Django, for the long-lived event streams, at the least cost per open stream.

    Django runs each request in its own "thread-sensitive" context, and the
    thread that serves its synchronous parts (middleware, signals) lives as long
    as the response, which for an event stream is minutes. Thousands of open
    streams would be thousands of idle threads. Here the few synchronous steps
    of opening a stream share asgiref's one thread instead.

    A process holds tens of thousands of these streams idle, so each holds
    only what sending needs: the response streams in the server's own task,
    beside one small task that notices the reader leaving, and the request
    (headers, session, user) is let go once the response exists. A response
    that can send itself (`send_over_asgi`, an article's events) is handed the
    server's `send`: the article's fan-out then writes each event to every
    reader itself.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        await signals.request_started.asend(sender=self.__class__, scope=scope)
        response = await self.respond(scope, body_file)
        try:
            await self.send_until_disconnect(response, receive, send)
        finally:
            await sync_to_async(response.close)()

    async def respond(self, scope, body_file):
        """The response; the request it answers is garbage once this returns."""
        try:
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                return error_response
            response = await self.run_get_response(request)
            if response.streaming:
                # Django closes the request along with the response, so the response
                # holds it (headers, session, user, the URL resolver's trail) for as
                # long as the stream lasts. A GET has nothing of its own to close.
                request.close()
                response._resource_closers.remove(request.close)
                # Its attributes point back at it (the lazy user, the CSP nonce, htmx's
                # details): emptied, it is freed at once rather than at the collector's
                # next full pass, which this module makes rare.
                request.__dict__.clear()
            return response
        finally:
            body_file.close()

    async def send_until_disconnect(self, response, receive, send):
        """Send the response; stop, as Django does, when the reader disconnects."""
        sending = asyncio.current_task()
        sent = False

        def reader_left(listening):
            if listening.cancelled():
                return
            listening.exception()  # RequestAborted: expected, nothing to report
            if not sent:
                sending.cancel()

        listening = asyncio.ensure_future(self.listen_for_disconnect(receive))
        listening.add_done_callback(reader_left)
        try:
            await self.send_streaming(response, send)
        except asyncio.CancelledError:
            if not (listening.done() and not listening.cancelled()):
                raise  # the server is stopping, not the reader leaving
            sending.uncancel()
        finally:
            sent = True
            listening.cancel()

    async def send_streaming(self, response, send):
        """Django's send_response, keeping nothing of the headers once they are sent."""
        if not response.streaming:
            await self.send_response(response, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": self.headers_of(response),
            }
        )
        sends_itself = getattr(response, "send_over_asgi", None)
        if sends_itself is not None:
            await sends_itself(send)  # an article's events (articles.live.LiveStream)
        else:
            # Each part is one event: small, and sent as it comes.
            async with aclosing(aiter(response)) as content:
                async for part in content:
                    await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})

    @staticmethod
    def headers_of(response):
        headers = [
            (header.encode("ascii"), value.encode("latin1")) for header, value in response.items()
        ]
        for cookie in response.cookies.values():
            headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
        return headers


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
