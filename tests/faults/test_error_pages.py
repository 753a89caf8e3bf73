"""Unit tests (SQLite, no services) for what the fault tests made the app do.

A database outage is a 503 "try again" page; rate limits whose Redis is down
let the request through. The integration tests beside this file show both
against real services.
"""

import time

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from briefing_site.cache import FailOpenRedisCache
from briefing_site.errors import server_error
from comments.models import Comment
from tests.services import free_port


def handled(request, error):
    """What handler500 answers while `error` is being handled, as Django calls it."""
    try:
        raise error
    except Exception:
        return server_error(request)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command"),
        OperationalError("couldn't get a connection after 20.00 sec"),
        InterfaceError("the connection is closed"),
    ],
)
def test_a_database_outage_answers_503_try_again_without_details(rf, error):
    response = handled(rf.get("/articles/some-story/"), error)
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in page.lower()
    assert "connection" not in page  # the error's text stays in the log


def test_any_other_error_is_still_a_500(rf):
    response = handled(rf.get("/"), ValueError("a bug"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "a bug" not in page


def dead_redis_url():
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def test_rate_limit_counters_on_a_dead_redis_answer_unknown_at_once():
    cache = FailOpenRedisCache(dead_redis_url(), {"OPTIONS": {"socket_connect_timeout": 2}})
    started = time.monotonic()
    assert cache.add("count", 1, 60) is False
    assert cache.incr("count") is None
    assert cache.get("count") is None
    assert time.monotonic() - started < 5


def test_a_reader_can_comment_while_the_rate_limits_redis_is_down(
    client, reader, demo_article, settings
):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "briefing_site.cache.FailOpenRedisCache",
            "LOCATION": dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 2},
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    client.force_login(reader)
    response = client.post(
        reverse("comments:post", args=[demo_article.slug]), {"body": "Still here."}
    )
    assert response.status_code == 303
    assert Comment.objects.get().body == "Still here."
