"""A client's address is its own: X-Forwarded-For is believed only from configured proxies."""

import re

import httpx
import pytest

from polls.models import Poll, Vote
from tests.services import uvicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VOTES_PER_ADDRESS = 10


@pytest.fixture
def strict_server(production_env):
    env = {**production_env, "POLL_RATE_PER_IP": f"{VOTES_PER_ADDRESS}/m"}
    env.pop("FORWARDED_ALLOW_IPS", None)
    with uvicorn(env, workers=1) as base_url:
        yield base_url


def test_forged_forwarded_addresses_are_one_address(strict_server, demo_article):
    poll = Poll.objects.get(article=demo_article, kind="yes_no")
    choice = poll.choices.first()
    statuses = []
    for n in range(25):
        # A new reader each time (no voter cookie), claiming a new address.
        with httpx.Client(base_url=strict_server, timeout=10) as reader:
            token = TOKEN.search(reader.get(demo_article.get_absolute_url()).text)[1]
            response = reader.post(
                f"/polls/{poll.pk}/vote/",
                data={"choice": choice.pk, "csrfmiddlewaretoken": token},
                headers={
                    "HX-Request": "true",
                    "Referer": strict_server,
                    "X-Forwarded-For": f"203.0.113.{n + 1}",
                },
            )
            statuses.append(response.status_code)

    assert statuses == [200] * VOTES_PER_ADDRESS + [429] * (25 - VOTES_PER_ADDRESS)
    assert Vote.objects.filter(poll=poll).count() == VOTES_PER_ADDRESS
