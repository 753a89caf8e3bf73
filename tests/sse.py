"""A small server-sent events reader for tests and benchmarks, over httpx."""

import json
import time
from dataclasses import dataclass

import httpx


@dataclass
class ServerEvent:
    id: str | None
    kind: str
    data: dict


class EventStream:
    """An open /events/ stream; `next()` returns the next event (heartbeats skipped)."""

    def __init__(self, client: httpx.Client, url: str, last_id: str | None = None, read=20):
        self._client, self._url, self._read = client, url, read
        self.last_id = last_id
        headers = {"Accept": "text/event-stream"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        self._context = client.stream(
            "GET", url, headers=headers, timeout=httpx.Timeout(10, read=read)
        )
        self.response = self._context.__enter__()
        self._lines = self.response.iter_lines()

    def next(self, *, skip=("ready",), deadline: float | None = None) -> ServerEvent:
        """The next event not in `skip`; TimeoutError once `deadline` (monotonic) has passed,
        seen at the next line the server sends (heartbeats included)."""
        while True:
            event = self._read_one(deadline)
            if event.kind not in skip:
                return event

    def _read_one(self, deadline: float | None = None) -> ServerEvent:
        event_id, kind, data = None, "message", []
        for line in self._lines:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("no such event before the deadline")
            if not line:
                if data:
                    self.last_id = event_id or self.last_id
                    return ServerEvent(event_id, kind, json.loads("\n".join(data)))
                continue  # a comment or retry block ended
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                event_id = value
            elif field == "event":
                kind = value
            elif field == "data":
                data.append(value)
        raise EOFError("the stream ended")

    def resume(self):
        """Reconnect as a browser does when its stream ends: from the last event seen."""
        self.close()
        self.__init__(self._client, self._url, self.last_id, self._read)

    def close(self):
        self._context.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
