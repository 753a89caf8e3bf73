"""Newcomers to a busy article share one copy of its page for a few seconds.

Anyone the page could be personal to is rendered fresh; live readers of a
shared copy are replayed whatever happened after it was made.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles import page_cache
from articles.models import Article
from briefing_site.cache import csrf_stand_in
from comments.services import approve_comment, post_comment
from polls.models import Poll, Vote

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SINCE = re.compile(r'data-live-since="([^"]*)"')


@pytest.fixture(autouse=True)
def _shared_page(settings):
    settings.ARTICLE_PAGE_CACHE_SECONDS = 5
    settings.COMMENTS_AUTO_APPROVE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = ""


def without_token(page):
    html = page.content.decode()
    return html.replace(TOKEN.search(html)[1], "")


def newcomer():
    return Client(enforce_csrf_checks=True)


def test_the_second_newcomer_gets_the_same_page_in_one_query(
    demo_article, django_assert_max_num_queries
):
    first = newcomer().get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in first
    with django_assert_max_num_queries(1):  # the article itself: is it still published?
        second = newcomer().get(demo_article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert demo_article.title in second.content.decode()
    assert without_token(second) == without_token(first)


def test_each_newcomer_gets_their_own_working_csrf_token(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    reader = newcomer()
    page = reader.get(demo_article.get_absolute_url())
    assert page["X-Page-Cache"] == "hit"
    assert "csrftoken" in page.cookies
    tokens = set(TOKEN.findall(page.content.decode()))
    assert len(tokens) == 1
    assert csrf_stand_in() not in tokens
    poll = Poll.objects.filter(article=demo_article, kind=Poll.Kind.YES_NO).get()
    vote = reader.post(
        reverse("polls:vote", args=[poll.pk]),
        {"choice": poll.choices.first().pk, "csrfmiddlewaretoken": tokens.pop()},
    )
    assert vote.status_code == 303
    assert Vote.objects.filter(poll=poll).count() == 1


def test_the_stored_copy_holds_nobodys_token(demo_article):
    page = newcomer().get(demo_article.get_absolute_url())
    demo_article.refresh_from_db()
    stored, _fresh_until = cache.get(page_cache.key(page.wsgi_request, demo_article))
    assert csrf_stand_in() in stored
    assert TOKEN.search(page.content.decode())[1] not in stored


def test_when_the_copy_goes_stale_one_reader_renews_it_while_the_others_get_the_stale_one(
    demo_article, monkeypatch
):
    first = newcomer().get(demo_article.get_absolute_url())
    demo_article.refresh_from_db()
    page_key = page_cache.key(first.wsgi_request, demo_article)
    html, fresh_until = cache.get(page_key)
    cache.set(page_key, (html.replace("</main>", "<p>An older copy</p></main>"), fresh_until))
    later = fresh_until + 1
    monkeypatch.setattr(page_cache.time, "time", lambda: later)

    cache.add(f"{page_key}:renewing", True)  # another reader is rendering the next copy
    stale = newcomer().get(demo_article.get_absolute_url())
    assert stale["X-Page-Cache"] == "hit"
    assert "An older copy" in stale.content.decode()

    cache.delete(f"{page_key}:renewing")  # nobody is
    renewed = newcomer().get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in renewed
    assert "An older copy" not in renewed.content.decode()
    assert "An older copy" not in newcomer().get(demo_article.get_absolute_url()).content.decode()


def test_signed_in_readers_neither_fill_nor_read_the_shared_copy(demo_article):
    ada = get_user_model().objects.create_user(username="Ada", email="ada@example.com")
    signed_in = Client()
    signed_in.force_login(ada)
    assert "Ada" in signed_in.get(demo_article.get_absolute_url()).content.decode()
    page = newcomer().get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in page  # the signed-in visit stored nothing
    assert ">Ada<" not in page.content.decode()
    again = signed_in.get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in again
    assert "Ada" in again.content.decode()


def test_a_voter_sees_their_own_vote_not_the_shared_copy(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    voter = Client()
    poll = Poll.objects.filter(article=demo_article, kind=Poll.Kind.YES_NO).get()
    voter.post(reverse("polls:vote", args=[poll.pk]), {"choice": poll.choices.first().pk})
    page = voter.get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in page
    assert "Your vote" in page.content.decode()


def test_an_editors_save_shows_at_once(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    demo_article.title = "Defence ministers agree on border monitors"
    demo_article.save()
    page = newcomer().get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in page
    assert "Defence ministers agree on border monitors" in page.content.decode()


def test_an_unpublished_article_is_gone_at_once(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    Article.objects.filter(pk=demo_article.pk).update(status=Article.Status.UNPUBLISHED)
    assert newcomer().get(demo_article.get_absolute_url()).status_code == 404


def test_other_orders_and_htmx_requests_are_rendered_fresh(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    url = demo_article.get_absolute_url()
    assert "X-Page-Cache" not in newcomer().get(url, {"sort": "new"})
    assert "X-Page-Cache" not in newcomer().get(url, headers={"HX-Request": "true"})


def test_a_live_reader_of_a_shared_copy_is_replayed_what_came_after_it(
    demo_article, django_capture_on_commit_callbacks, settings
):
    # The copy must outlive the first moderation, which loads the classifier (seconds).
    settings.ARTICLE_PAGE_CACHE_SECONDS = 120
    newcomer().get(demo_article.get_absolute_url())
    ada = get_user_model().objects.create_user(username="Ada", email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_comment(article=demo_article, author=ada, body="Monitors on both banks.")
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment.pk)
    page = newcomer().get(demo_article.get_absolute_url())
    assert page["X-Page-Cache"] == "hit"
    assert "Monitors on both banks." not in page.content.decode()
    since = SINCE.search(page.content.decode())[1]
    updates_url = reverse("articles:updates", args=[demo_article.slug])
    updates = newcomer().get(updates_url, {"since": since})
    assert updates.status_code == 200
    published = [e for e in updates.json()["events"] if e["event"] == "comment.published"]
    assert [e["data"]["id"] for e in published] == [comment.pk]


def test_without_a_cache_the_page_is_still_served(demo_article, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    page = newcomer().get(demo_article.get_absolute_url())
    assert page.status_code == 200
    assert demo_article.title in page.content.decode()


def test_turned_off_every_newcomer_gets_a_fresh_page(demo_article, settings):
    settings.ARTICLE_PAGE_CACHE_SECONDS = 0
    newcomer().get(demo_article.get_absolute_url())
    assert "X-Page-Cache" not in newcomer().get(demo_article.get_absolute_url())


# Behind nginx (`make serve`), nginx keeps the copy and puts each newcomer's CSRF secret in.


def asked_by_the_proxy(marker=None):
    return {"X-Shared-Copy": csrf_stand_in() if marker is None else marker}


def test_the_proxy_gets_the_copy_with_the_stand_in_and_no_cookie(demo_article):
    page = newcomer().get(demo_article.get_absolute_url(), headers=asked_by_the_proxy())
    assert page.status_code == 200
    assert set(TOKEN.findall(page.content.decode())) == {csrf_stand_in()}
    assert not page.cookies  # a copy that set a cookie would not be kept, nor shared


def test_a_wrong_marker_gets_a_readers_own_page(demo_article):
    page = newcomer().get(demo_article.get_absolute_url(), headers=asked_by_the_proxy("csrf-0"))
    assert csrf_stand_in() not in page.content.decode()
    assert "csrftoken" in page.cookies


def test_the_proxy_never_gets_a_personal_page_as_the_copy(demo_article):
    ada = get_user_model().objects.create_user(username="Ada", email="ada@example.com")
    signed_in = Client()
    signed_in.force_login(ada)
    page = signed_in.get(demo_article.get_absolute_url(), headers=asked_by_the_proxy())
    assert csrf_stand_in() not in page.content.decode()
    assert "Ada" in page.content.decode()


def test_the_secret_nginx_puts_in_passes_the_csrf_check(demo_article):
    """nginx's secret is 32 hex digits, sent as the cookie and put in the form unmasked."""
    copy = newcomer().get(demo_article.get_absolute_url(), headers=asked_by_the_proxy())
    secret = "0123456789abcdef0123456789abcdef"
    reader = newcomer()
    reader.cookies["csrftoken"] = secret
    token = TOKEN.search(copy.content.decode().replace(csrf_stand_in(), secret))[1]
    poll = Poll.objects.filter(article=demo_article, kind=Poll.Kind.YES_NO).get()
    choice = poll.choices.first().pk
    url = reverse("polls:vote", args=[poll.pk])
    assert reader.post(url, {"choice": choice, "csrfmiddlewaretoken": "f" * 32}).status_code == 403
    assert reader.post(url, {"choice": choice, "csrfmiddlewaretoken": token}).status_code == 303
    assert Vote.objects.filter(poll=poll).count() == 1


def test_an_empty_personal_cookie_makes_nobody_known(demo_article):
    newcomer().get(demo_article.get_absolute_url())
    reader = newcomer()
    reader.cookies["sessionid"] = ""
    assert reader.get(demo_article.get_absolute_url())["X-Page-Cache"] == "hit"


def test_nginx_is_told_how_long_and_sets_the_csrf_cookie_as_django_would(settings):
    settings.CSRF_COOKIE_SECURE = True
    told = page_cache.proxy_settings()
    assert told["seconds"] == 5
    assert told["stand_in"] == csrf_stand_in()
    assert told["personal_cookies"] == ["sessionid", "voter", "messages"]
    assert told["csrf_set_cookie"] == (
        "csrftoken=$request_id; Max-Age=31449600; Path=/; Secure; SameSite=Lax"
    )
    settings.CSRF_USE_SESSIONS = True
    assert page_cache.proxy_settings()["seconds"] == 0
