"""Security headers: the Content-Security-Policy on every kind of response, templates
that keep to it, and production mode's HTTPS settings passing `check --deploy`."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from briefing_site import events
from comments.services import approve_comment, post_comment
from polls.models import Poll
from polls.voters import COOKIE_NAME
from tests.services import ROOT, manage

HTMX = {"HX-Request": "true"}

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy_of(response) -> dict[str, set[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_secured(response):
    policy = policy_of(response)
    assert policy == POLICY
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & policy["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def comment(demo_article, reader):
    comment = post_comment(article=demo_article, author=reader, body="Borders matter.")
    approve_comment(comment.pk)
    return comment


def test_the_front_page_carries_the_policy(client, demo_article):
    response = client.get(reverse("articles:list"))
    assert response.status_code == 200
    assert_secured(response)


def test_the_article_page_carries_the_policy(client, demo_article):
    response = client.get(demo_article.get_absolute_url())
    assert response.status_code == 200
    assert_secured(response)


def test_the_signed_in_article_page_carries_the_policy(client, demo_article, reader):
    client.force_login(reader)
    assert_secured(client.get(demo_article.get_absolute_url()))


def test_a_comment_page_carries_the_policy(client, comment):
    response = client.get(reverse("comments:detail", args=[comment.pk]))
    assert response.status_code == 200
    assert_secured(response)


def test_htmx_fragments_carry_the_policy(client, demo_article, comment, reader):
    poll = Poll.objects.filter(article=demo_article).first()
    fragment = client.get(reverse("polls:poll", args=[poll.pk]), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert_secured(fragment)
    client.force_login(reader)
    reply_form = client.get(reverse("comments:reply", args=[comment.pk]), headers=HTMX)
    assert reply_form.status_code == 200
    assert_secured(reply_form)


def test_the_log_in_and_sign_up_pages_carry_the_policy(client, db):
    assert_secured(client.get(reverse("account_login")))
    assert_secured(client.get(reverse("account_signup")))


def test_admin_pages_carry_the_policy(client, moderator, comment):
    client.force_login(moderator)
    for url in (
        reverse("admin:index"),
        reverse("admin:comments_comment_changelist"),
        reverse("admin:comments_comment_change", args=[comment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secured(response)


def test_feeds_and_the_sitemap_carry_the_policy(client, demo_article):
    for url in (
        reverse("articles:feed-atom"),
        reverse("articles:feed-rss"),
        reverse("articles:story-atom", args=[demo_article.slug]),
        "/sitemap.xml",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secured(response)


def test_the_live_updates_answer_carries_the_policy(client, demo_article):
    since = events.publish(demo_article.pk, "comment.removed", {"id": 1})
    events.publish(demo_article.pk, "comment.removed", {"id": 2})
    response = client.get(reverse("articles:updates", args=[demo_article.slug]), {"since": since})
    assert response.status_code == 200
    assert_secured(response)


@pytest.mark.django_db(transaction=True)
@pytest.mark.anyio
async def test_the_event_stream_carries_the_policy(async_client, anyio_backend, demo_article):
    response = await async_client.get(reverse("articles:events", args=[demo_article.slug]))
    assert response["Content-Type"].startswith("text/event-stream")
    assert_secured(response)
    await response.streaming_content.aclose()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_health_checks_carry_nosniff(client, db):
    response = client.get("/healthz")
    assert response["X-Content-Type-Options"] == "nosniff"


# Templates: nothing the policy would block, found before a browser does.

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(?:data-)?on[a-z]+\s*=", re.DOTALL)
# htmx evaluates these with Function(): hx-on*, js: values, [filters] on triggers.
HTMX_EVAL = re.compile(
    r"(?:data-)?hx-on\b|(?:hx-vals|hx-vars|hx-headers)\s*=\s*['\"]\s*(?:js|javascript):"
    r"|hx-trigger\s*=\s*['\"][^'\"]*\["
)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-zA-Z][^>]*?\sstyle\s*=", re.DOTALL)

RULES = {
    "an inline <script> (move it to a static file)": INLINE_SCRIPT,
    "an on*= event handler attribute": EVENT_HANDLER,
    "an htmx attribute that needs eval": HTMX_EVAL,
    "a javascript: URL": JAVASCRIPT_URL,
    "an inline style (style-src has no 'unsafe-inline')": INLINE_STYLE,
}


def project_templates() -> list[Path]:
    root = Path(ROOT)
    dirs = [root / "templates"] + [
        path
        for path in root.glob("*/templates")
        if not path.parts[-2].startswith(".") and path.parts[-2] not in {"tests", "staticfiles"}
    ]
    return sorted(path for folder in dirs for path in folder.rglob("*.html"))


def offences(text: str) -> list[str]:
    return [rule for rule, pattern in RULES.items() if pattern.search(text)]


def test_the_rules_catch_what_the_policy_blocks():
    assert offences('<script>alert(1)</script><script src="/s.js"></script>') == [
        "an inline <script> (move it to a static file)"
    ]
    assert offences('{{ data|json_script:"d" }}<script type="application/json">{}</script>') == []
    assert offences('<button type="button"\n  onclick="go()">') == [
        "an on*= event handler attribute"
    ]
    assert offences('<button hx-on:click="this.remove()">') == ["an htmx attribute that needs eval"]
    assert offences("<div hx-vals='js:{a: 1}'>") == ["an htmx attribute that needs eval"]
    assert offences('<a href="JavaScript:void(0)">') == ["a javascript: URL"]
    assert offences('<p style="color: red">') == [
        "an inline style (style-src has no 'unsafe-inline')"
    ]
    assert offences('<p class="once">Someone said online=yes</p><a href="/" hx-get="/">') == []


def test_no_template_holds_anything_the_policy_would_block():
    templates = project_templates()
    assert any(path.name == "base.html" for path in templates)
    found = {str(path.relative_to(ROOT)): offences(path.read_text()) for path in templates}
    assert {path: rules for path, rules in found.items() if rules} == {}


def test_our_scripts_do_not_need_eval():
    scripts = sorted(Path(ROOT).glob("*/static/**/*.js"))
    assert scripts
    pattern = re.compile(
        r"\beval\(|new Function\(|setTimeout\(\s*['\"]|setAttribute\(\s*['\"](?:on|style)"
    )
    assert [str(path) for path in scripts if pattern.search(path.read_text())] == []


def test_htmx_runs_without_eval_or_injected_styles(client, db):
    page = client.get(reverse("account_login")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert '"allowEval": false' in config
    assert '"includeIndicatorStyles": false' in config


# Cookies and production mode.


def test_the_voter_cookie_is_secure_when_sessions_are(client, settings, demo_article):
    settings.SESSION_COOKIE_SECURE = True
    poll = Poll.objects.filter(article=demo_article, kind=Poll.Kind.YES_NO).first()
    response = client.post(
        reverse("polls:vote", args=[poll.pk]), {"choice": poll.choices.first().pk}
    )
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_plain_http_is_redirected_but_for_health_checks(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert client.get("/healthz").status_code in {200, 503}
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_https_responses_carry_hsts_in_production(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/")


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp" * 10,
    "ALLOWED_HOSTS": "news.example.org",
}
SHOW = (
    "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
    "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
    "s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY)"
)


def test_production_mode_passes_every_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_mode_is_https_only():
    result = manage("shell", "--verbosity", "0", "-c", SHOW, **PRODUCTION)
    assert result.stdout.split() == [
        "True", "31536000", "True", "True", "True", "DENY", "same-origin"
    ]  # fmt: skip


def test_behind_a_redirecting_proxy_the_app_leaves_redirects_to_it():
    result = manage("shell", "--verbosity", "0", "-c", SHOW, SECURE_SSL_REDIRECT="0", **PRODUCTION)
    assert result.stdout.split()[:3] == ["False", "31536000", "True"]


def test_production_over_plain_http_neither_redirects_nor_sends_hsts():
    result = manage("shell", "--verbosity", "0", "-c", SHOW, SECURE_HTTPS="0", **PRODUCTION)
    assert result.stdout.split()[:3] == ["False", "0", "False"]


def test_the_policy_can_be_tried_report_only():
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY, bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY))",
        CSP_REPORT_ONLY="1",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["None", "True"]
