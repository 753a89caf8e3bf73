"""Pages and JSON leave gzipped when the browser accepts it, under every server.

BREACH guesses a secret on a page from how well the page compresses. Briefing's
pages hold one secret, the CSRF token, and Django masks it anew for every answer;
session and CSRF cookies travel in headers, never in a body; and Django's
GZipMiddleware pads every compressed answer with up to 100 random bytes, so
lengths say nothing steady about what a page holds.
"""

from django.middleware.gzip import GZipMiddleware

EVENT_STREAM = "text/event-stream"


class CompressPages(GZipMiddleware):
    """Django's gzip, except for event streams: each event must reach the reader as it
    is written, and an event is too short to gain from compression on its own."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith(EVENT_STREAM):
            return response
        return super().process_response(request, response)
