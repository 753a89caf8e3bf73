"""Pages go out gzipped to browsers that accept it; event streams go out as written."""

import gzip

from django.contrib.auth import get_user_model
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from briefing_site.compression import CompressPages
from comments.services import approve_comment, post_comment

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def discussed(article, readers, comments):
    for n in range(comments):
        said = post_comment(
            article=article,
            author=readers[n % len(readers)],
            body=f"Point {n}: the monitors should report to both ministries every week.",
        )
        approve_comment(said.pk)


def test_a_busy_article_page_is_a_fifth_of_its_size_on_the_wire(client, demo_article):
    readers = [get_user_model().objects.create_user(f"reader{n}") for n in range(5)]
    discussed(demo_article, readers, comments=60)
    url = demo_article.get_absolute_url()
    plain = client.get(url)
    compressed = client.get(url, headers=GZIP)

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    page = gzip.decompress(compressed.content).decode()
    assert demo_article.title in page
    assert "Point 59: the monitors" in page
    assert len(compressed.content) < len(plain.content) / 5
    assert len(compressed.content) < 20_000


def test_compressed_pages_vary_in_length_so_their_size_gives_no_secret_away(client, db):
    lengths = {len(client.get("/", headers=GZIP).content) for _ in range(6)}
    assert len(lengths) > 1


def test_an_event_stream_is_not_compressed_even_when_the_browser_accepts_it():
    def stream(request):
        return StreamingHttpResponse(
            iter(["event: ready\ndata: {}\n\n"] * 50), content_type="text/event-stream"
        )

    request = RequestFactory().get("/articles/a/events/", headers=GZIP)
    response = CompressPages(stream)(request)
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content).startswith(b"event: ready")

    def page(request):
        return HttpResponse("<p>words</p>" * 100, content_type="text/html")

    assert CompressPages(page)(request)["Content-Encoding"] == "gzip"
