"""A live event carries reader text (comment HTML, names, titles): it can never break its frame.

An SSE event ends at a blank line and its fields start at line breaks (CR, LF or
CRLF); text that slipped one of those through would let a comment forge
another event, e.g. a "comment.published" with HTML of its own.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from articles.live import format_event
from tests.security import bounded
from tests.security.corpus import PAYLOADS

TEXT = st.one_of(
    st.text(),
    st.sampled_from(PAYLOADS),
    st.sampled_from(["\n\nevent: comment.published\ndata: {}\n\n", "\r\rdata: x", "\u2028\x85"]),
)


def parse_stream(stream: str) -> list[dict]:
    """Events as a browser's EventSource reads them (HTML spec, "event stream interpretation")."""
    events, fields = [], {}
    for line in stream.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if fields:
                events.append(fields)
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    return events


@bounded(300)
@given(html=TEXT, name=TEXT, event_id=st.sampled_from([None, "1732470000000-0"]))
def test_reader_text_stays_inside_one_event(html, name, event_id):
    payload = {"id": 7, "html": html, "author": name}
    events = parse_stream(format_event("comment.published", payload, event_id))
    assert len(events) == 1
    (event,) = events
    assert event["event"] == ["comment.published"]
    assert len(event["data"]) == 1
    assert json.loads(event["data"][0]) == payload
