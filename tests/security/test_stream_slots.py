"""Event stream slots per client address: taken per stream, given back however it ends."""

import asyncio
import gc

from articles import live


def test_a_slot_comes_back_when_a_stream_ends_or_is_dropped_unstarted(settings):
    settings.LIVE_STREAMS_PER_ADDRESS = 2
    address = "198.51.100.7"
    first, second = live.take_stream_slot(address), live.take_stream_slot(address)
    assert first is not None
    assert second is not None
    assert live.take_stream_slot(address) is None
    assert live.take_stream_slot("198.51.100.8") is not None  # another address is not held

    # Dropped before its first byte (the reader left while the view ran).
    response = live.event_stream_response(1, None, release=first)
    del response
    gc.collect()
    assert live.stream_slots.open_from(address) == 1

    # Ended after it started (the reader disconnected): released once, not twice.
    stream = live.event_stream(1, None, release=second)

    async def read_one_line_then_close():
        await anext(stream)
        await stream.aclose()

    asyncio.run(read_one_line_then_close())
    second()
    assert live.stream_slots.open_from(address) == 0
    assert live.take_stream_slot(address) is not None
