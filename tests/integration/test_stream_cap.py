"""One client cannot hold the server with event streams: past its cap it gets 429,
pages are still served, and a closed stream gives its slot back."""

import contextlib
import time

import httpx
import pytest

from tests.services import uvicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CAP = 5


@pytest.fixture
def capped_server(production_env):
    with uvicorn({**production_env, "LIVE_STREAMS_PER_ADDRESS": str(CAP)}, workers=1) as base_url:
        yield base_url


def open_stream(stack, client, url, readers):
    response = stack.enter_context(client.stream("GET", url))
    if response.status_code == 200:
        # The stream is served (its first line arrived), not only accepted. The
        # line reader is kept: dropping it would close the stream.
        lines = response.iter_lines()
        assert next(lines).startswith("retry:")
        readers.append(lines)
    return response


def test_streams_past_the_cap_are_refused_and_pages_still_served(capped_server, demo_article):
    url = f"{demo_article.get_absolute_url()}events/"
    with contextlib.ExitStack() as stack:
        clients = [
            stack.enter_context(httpx.Client(base_url=capped_server, timeout=10))
            for _ in range(CAP + 3)
        ]
        readers = []
        statuses = [open_stream(stack, client, url, readers).status_code for client in clients]
        assert statuses == [200] * CAP + [429] * 3

        page = httpx.get(f"{capped_server}{demo_article.get_absolute_url()}", timeout=10)
        assert page.status_code == 200
        assert "Breaking: ASEAN Urges Restraint" in page.text

    # Every stream above was closed by its client: the slots are free again.
    deadline = time.monotonic() + 10
    while True:
        with (
            httpx.Client(base_url=capped_server, timeout=10) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code == 200 or time.monotonic() > deadline:
                break
        time.sleep(0.2)
    assert response.status_code == 200
