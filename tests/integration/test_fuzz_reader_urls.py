"""Every reader URL, every query parameter and form field, hostile values: no server error.

In production mode (DEBUG=0) through uvicorn on PostgreSQL and Redis, as an anonymous
reader and as a signed-in one. Ids written with other scripts' digits (superscripts,
circled and Arabic-Indic digits), underscores, signs, past 64 bits, NUL, bad UTF-8
and huge values are input like any other: the answer is a page or a 4xx, never a 5xx.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest
from django.contrib.auth import get_user_model

from comments.models import Comment
from comments.services import approve_comment, post_comment
from polls.models import Poll
from tests.services import uvicorn
from tests.stacks import signed_in_session

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# One value of each kind an id, a cursor or a text field can be hostile in (tests/security
# covers each rule with every variant): each is sent to every parameter of every URL.
HOSTILE = [
    "",
    "\N{SUPERSCRIPT TWO}",  # digits of other scripts pass str.isdigit()
    "\N{ARABIC-INDIC DIGIT ONE}",  # ... and int()
    "1_000",  # int() reads underscores
    "1_000-0",  # an event id with them
    "-1",
    "0",
    "1e9",
    "9223372036854775808",  # past a 64-bit signed integer
    "18446744073709551616-0",  # an event id past an unsigned one
    "\x00",
    "\ud800",  # a lone surrogate: no UTF-8 for it
    "<script>alert(1)</script>",
    "x" * 5000,
    "\u202egoogle.com",
]
RAW_HOSTILE = ["%FF%FE", "%ED%A0%80", "%C3%28", "%"]  # not UTF-8 (or not percent-encoded)

QUERY_PARAMETERS = ["page", "sort", "poll", "after", "since", "next", "article", "q"]
FORM_FIELDS = [
    "choice",
    "text",
    "body",
    "poll",
    "show_stance",
    "reason",
    "note",
    "action",
    "email",
    "picked",
    "preferences",
    "email_answered_questions",
]


def encoded(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def hostile_values():
    return [encoded(value) for value in HOSTILE] + RAW_HOSTILE


@pytest.fixture
def fuzz_server(production_env):
    env = {
        **production_env,
        "COMMENT_RATE_PER_READER": "100000/m",
        "COMMENT_EDIT_RATE_PER_READER": "100000/m",
        "REPORT_RATE_PER_READER": "100000/m",
        "POLL_MAX_PENDING_PROPOSALS": "100000",
        "POLL_MAX_CHOICES": "100000",
    }
    with uvicorn(env, workers=2) as base_url:
        yield base_url


@pytest.fixture
def site(demo_article, production_env):
    writer = get_user_model().objects.create_user("fuzz_writer", "fuzz_writer@example.com")
    comment = post_comment(article=demo_article, author=writer, body="A first comment.")
    approve_comment(comment.pk)
    comment.refresh_from_db()
    reply = post_comment(article=demo_article, author=writer, body="A reply.", parent=comment)
    approve_comment(reply.pk)
    polls = {poll.kind: poll for poll in Poll.objects.filter(article=demo_article)}
    article = demo_article.get_absolute_url()
    slug = demo_article.slug
    return {
        "session": signed_in_session(writer, production_env["SECRET_KEY"]),
        "article": article,
        "comment": Comment.objects.get(pk=comment.pk),
        "get": [
            "/",
            article,
            f"/articles/{slug}/comments/",
            f"/articles/{slug}/updates/",
            f"/comments/{comment.pk}/",
            f"/comments/{comment.pk}/replies/",
            f"/polls/{polls['yes_no'].pk}/",
            f"/articles/{slug}/story.atom",
            f"/articles/{slug}/story.rss",
            f"/stories/{slug}/",
            f"/stories/{slug}/feed.atom",
            "/topics/asean-restraint/",
            "/topics/asean-restraint/feed.rss",
            "/feeds/latest.atom",
            "/feeds/latest.rss",
            "/notices/",
            "/readers/fuzz_writer/",
            "/muted/",
            "/robots.txt",
            "/sitemap.xml",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
        ],
        "post": [
            f"/polls/{polls['yes_no'].pk}/vote/",
            f"/polls/{polls['yes_no'].pk}/withdraw/",
            f"/polls/{polls['open'].pk}/propose/",
            f"/articles/{slug}/comments/post/",
            f"/articles/{slug}/follow/",
            f"/comments/{comment.pk}/reply/",
            f"/comments/{comment.pk}/edit/",
            f"/comments/{comment.pk}/like/",
            f"/comments/{comment.pk}/report/",
            "/notices/",
            "/readers/fuzz_writer/mute/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            f"/comments/{comment.pk}/delete/",  # last: the author's delete takes no input
        ],
    }


def server_errors(client, site):
    """(method, url, field, value, status) of every answer in the 5xx range."""
    errors = []
    token = TOKEN.search(client.get(site["article"]).text)[1]
    headers = {"Referer": str(client.base_url), "X-CSRFToken": token}
    for url in site["get"]:
        for parameter in QUERY_PARAMETERS:
            for value in hostile_values():
                status = client.get(f"{url}?{parameter}={value}").status_code
                if status >= 500:
                    errors.append(("GET", url, parameter, value, status))
    for url in site["post"]:
        for field in FORM_FIELDS:
            for number, value in enumerate(hostile_values()):
                htmx = {"HX-Request": "true"} if number % 2 else {}
                status = client.post(
                    url,
                    content=f"csrfmiddlewaretoken={token}&{field}={value}",
                    headers={
                        **headers,
                        **htmx,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                ).status_code
                if status >= 500:
                    errors.append(("POST", url, field, value, status))
    return errors


def test_no_input_to_a_reader_url_is_a_server_error(fuzz_server, site):
    def errors_of(cookies):
        with httpx.Client(base_url=fuzz_server, timeout=30, cookies=cookies) as client:
            return server_errors(client, site)

    # The anonymous and the signed-in reader at once: the run takes half as long.
    with ThreadPoolExecutor(max_workers=2) as pool:
        anonymous, signed_in = pool.map(errors_of, [{}, {"sessionid": site["session"]}])
    found = {"anonymous": anonymous, "signed in": signed_in}
    assert found == {"anonymous": [], "signed in": []}
