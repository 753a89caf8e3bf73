"""The app as `make run` serves it in production mode: uvicorn, PostgreSQL, Redis."""

import re
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_healthz_sees_postgresql_redis_and_the_broker(app_server):
    status, _, body = fetch(f"{app_server}/healthz")
    assert status == 200
    assert body == b'{"status": "ok", "database": "ok", "redis": "ok", "broker": "ok"}'


def test_it_serves_the_imported_article(app_server, demo_article):
    status, headers, body = fetch(f"{app_server}{demo_article.get_absolute_url()}")
    page = body.decode()
    assert status == 200
    assert '<h1 id="headline">Breaking: ASEAN Urges Restraint' in page
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"

    status, _, body = fetch(f"{app_server}/")
    assert status == 200
    assert demo_article.get_absolute_url() in body.decode()


def test_static_files_are_hashed_compressed_and_cached_for_long(app_server, demo_article):
    _, _, body = fetch(f"{app_server}{demo_article.get_absolute_url()}")
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the stylesheet should be served under its content hash"
    status, headers, _ = fetch(f"{app_server}{stylesheet[1]}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") in {"gzip", "br"}
    assert "max-age=315360000" in headers["Cache-Control"]


def test_an_unknown_page_is_a_plain_404(app_server):
    status, _, body = fetch(f"{app_server}/articles/nothing-here/")
    assert status == 404
    assert b"Traceback" not in body
