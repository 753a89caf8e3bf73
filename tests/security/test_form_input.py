"""Random, huge, mis-encoded and mistyped form posts: never a 500, never a half-done write.

Vote, withdraw, proposal, comment, reply and report, each with and without
HX-Request: a refused post answers 4xx with something to read and leaves every
count as it was; only a 2xx/3xx answer may have written anything.
"""

from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment, Report
from comments.services import approve_comment, post_comment
from polls.models import Choice, Poll, Vote
from tests.security import bounded

FIELD_NAMES = st.sampled_from(
    ["choice", "text", "body", "show_stance", "poll", "reason", "note", "csrfmiddlewaretoken"]
)
VALUES = st.one_of(
    st.binary(max_size=60),  # invalid UTF-8 as often as not
    st.text(max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"\x00",
            b"\xed\xa0\x80",  # a UTF-8-encoded lone surrogate
            b"\xff\xfe",
            b"-1",
            b"0",
            b"99999999999999999999999",
            b"1e9",
            b"NaN",
            b"[1,2]",
            b'{"choice": 1}',
            b"on",
            b"other",
            b"spam",
            b"Yes",
            b"<script>alert(1)</script>",
        ]
    ),
    st.integers(1, 6).map(lambda size: b"x" * (10_000 * size)),  # huge
)


def form_bodies():
    """A urlencoded body of random fields, the real names among them, repeats allowed."""
    fields = st.lists(st.tuples(FIELD_NAMES | st.text(max_size=8).map(str.encode), VALUES))
    return fields.map(
        lambda pairs: "&".join(
            f"{quote_from_bytes(name if isinstance(name, bytes) else name.encode())}="
            f"{quote_from_bytes(value)}"
            for name, value in pairs
        )
    )


@pytest.fixture
def fast(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = ""
    for name in ("POLL_RATE_PER_VOTER", "POLL_RATE_PER_IP", "COMMENT_RATE_PER_READER"):
        setattr(settings, name, "100000/m")
    settings.REPORT_RATE_PER_READER = "100000/m"


def counts():
    return (
        Vote.objects.count(),
        Choice.objects.count(),
        Comment.objects.count(),
        Report.objects.count(),
        sum(Choice.objects.values_list("vote_count", flat=True)),
        sum(Choice.objects.values_list("proposal_count", flat=True)),
    )


@pytest.fixture
def targets(fast, demo_article, other_reader_account):
    yes_no = Poll.objects.filter(article=demo_article, kind=Poll.Kind.YES_NO).first()
    open_poll = Poll.objects.filter(article=demo_article, kind=Poll.Kind.OPEN).first()
    comment = post_comment(article=demo_article, author=other_reader_account, body="Hello there.")
    approve_comment(comment.pk)
    return {
        "vote": reverse("polls:vote", args=[yes_no.pk]),
        "withdraw": reverse("polls:withdraw", args=[yes_no.pk]),
        "propose": reverse("polls:propose", args=[open_poll.pk]),
        "comment": reverse("comments:post", args=[demo_article.slug]),
        "reply": reverse("comments:reply", args=[comment.pk]),
        "report": reverse("comments:report", args=[comment.pk]),
    }


def post(client, url, body, *, htmx, content_type="application/x-www-form-urlencoded"):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=body, content_type=content_type, headers=headers)


def assert_handled(response, before):
    """No 500; a refusal says something and wrote nothing."""
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response.content.strip(), "a refusal with nothing to read"
        assert counts() == before
    else:
        assert response.status_code in {200, 201, 204, 303}


ENDPOINTS = ["vote", "withdraw", "propose", "comment", "reply", "report"]


@bounded(25)
@given(endpoint=st.sampled_from(ENDPOINTS), body=form_bodies(), htmx=st.booleans())
def test_random_form_posts_never_fail_with_500(targets, reader, endpoint, body, htmx):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    before = counts()
    assert_handled(post(client, targets[endpoint], body, htmx=htmx), before)


@bounded(20)
@given(endpoint=st.sampled_from(ENDPOINTS[:3]), body=form_bodies(), htmx=st.booleans())
def test_random_poll_posts_from_anonymous_readers_never_fail(targets, endpoint, body, htmx):
    client = Client(raise_request_exception=False)
    before = counts()
    assert_handled(post(client, targets[endpoint], body, htmx=htmx), before)


# Bodies that are wrong in one specific way, for every endpoint.
BAD_BODIES = {
    "empty": b"",
    "invalid utf-8": b"body=%FF%FE%FA&text=%C3%28&note=%ED%A0%80&choice=%FF&reason=%FF",
    "nul": b"body=a%00b&text=a%00b&note=a%00b&choice=1%00&reason=other%00",
    "huge": b"body=" + b"x" * 300_000 + b"&text=" + b"y" * 300_000 + b"&note=" + b"z" * 300_000,
    "wrong types": b"choice=1&choice=abc&poll=xyz&reason=1&reason=2&show_stance=maybe",
    "not a form": b'{"body": "hello", "choice": 1}',
    "only spaces": b"body=+++%09%0A&text=+++&note=+&reason=other",
    "over the upload limit": b"body=" + b"x" * 3_000_000,
    "too many fields": b"&".join(b"f%d=1" % n for n in range(2000)),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("kind", list(BAD_BODIES))
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "withdraw"])  # takes no input
def test_bad_input_is_refused_with_4xx_and_writes_nothing(targets, reader, endpoint, kind, htmx):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    before = counts()
    content_type = "application/json" if kind == "not a form" else None
    response = post(
        client,
        targets[endpoint],
        BAD_BODIES[kind],
        htmx=htmx,
        content_type=content_type or "application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.content.strip()
    assert counts() == before


def test_a_body_sent_in_another_encoding_is_refused_not_mangled(targets, reader):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    before = counts()
    # "café" in Latin-1: the \xe9 alone is not UTF-8.
    response = post(client, targets["comment"], b"body=caf%E9+au+lait", htmx=True)
    assert response.status_code == 422
    assert "could not be read" in response.content.decode()
    assert counts() == before


def test_a_multipart_upload_in_place_of_text_is_refused(targets, reader):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    before = counts()
    with open(__file__, "rb") as upload:
        response = client.post(targets["comment"], {"body": upload})
    assert response.status_code == 422
    assert b"Write something before posting." in response.content
    assert counts() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_post_without_a_valid_csrf_token_is_refused(targets, reader, endpoint, token, htmx):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(reader)
    client.get(reverse("articles:detail", args=["breaking-asean-urges-restraint"]))
    data = {"body": "A fine comment.", "text": "An answer", "choice": "1", "reason": "spam"}
    headers = {"HX-Request": "true"} if htmx else {}
    if token == "wrong":
        data["csrfmiddlewaretoken"] = "x" * 64
        headers["X-CSRFToken"] = "y" * 64
    before = counts()
    response = client.post(targets[endpoint], data, headers=headers)
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert counts() == before


@pytest.mark.parametrize("endpoint", ["vote", "withdraw", "propose", "comment"])
def test_the_wrong_method_is_refused(targets, reader, endpoint):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(targets[endpoint])
        assert response.status_code == 405, (method, response.status_code)
