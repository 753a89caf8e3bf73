"""A discussion's count is what it holds; its order stays in the address; without
JavaScript its pages continue one another."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from comments.threads import THREADS_PER_PAGE
from tests.comments.conftest import HTMX


@pytest.fixture
def poll(demo_article):
    return demo_article.polls.get(kind="yes_no")


def heading_count(html, key="article"):
    return re.search(rf'<span class="count" id="count-{key}"[^>]*>\((\d+)\)</span>', html)[1]


def listed(html):
    """The comments a page lists, by their text, in order."""
    return re.findall(r'<div class="comment__body"[^>]*><p>([^<]*)</p>', html)


def discussion(article, **params):
    return reverse("comments:discussion", args=[article.slug]), params


# Counts


def test_the_article_counts_its_own_discussion_not_its_questions(
    client, reader, other_reader, say, demo_article, poll
):
    first = say(reader, "On the article")
    say(other_reader, "A reply on the article", parent=first)
    say(reader, "On the question", poll=poll)
    say(other_reader, "Also on the question", poll=poll)
    say(reader, "Waiting for moderation", approved=False)

    page = client.get(demo_article.get_absolute_url()).content.decode()

    assert heading_count(page) == "2"
    assert listed(page) == ["On the article", "A reply on the article"]
    assert "Discuss this question (2 comments)" in page


def test_a_question_discussion_shows_its_own_count(client, reader, say, demo_article, poll):
    say(reader, "On the article")
    say(reader, "On the question", poll=poll)
    url, params = discussion(demo_article, poll=poll.pk)

    page = client.get(url, params).content.decode()
    embedded = client.get(url, params, headers=HTMX).content.decode()

    assert heading_count(page, f"poll-{poll.pk}") == "1"
    assert heading_count(embedded, f"poll-{poll.pk}") == "1"
    assert listed(page) == ["On the question"]


def test_the_article_discussion_page_counts_the_same_as_the_article(
    client, reader, say, demo_article, poll
):
    say(reader, "On the article")
    say(reader, "On the question", poll=poll)
    url, _ = discussion(demo_article)
    assert heading_count(client.get(url).content.decode()) == "1"


@pytest.mark.django_db(transaction=True)
def test_a_posted_comment_brings_the_count_with_it(client, reader, say, demo_article, settings):
    settings.COMMENTS_AUTO_APPROVE = True  # approved as it is saved, as in development
    say(reader, "Already there")
    client.force_login(reader)
    url = reverse("comments:post", args=[demo_article.slug])

    answer = client.post(url, {"body": "Second one"}, headers=HTMX).content.decode()

    assert "Second one" in answer
    assert "awaiting moderation" not in answer
    assert '<span class="count" id="count-article" hx-swap-oob="true">(2)</span>' in answer


def test_a_comment_awaiting_moderation_leaves_the_count_to_the_live_events(
    client, reader, say, demo_article
):
    # Its approval's event brings the count; a count read when it was posted could
    # reach the page after that event and put the old number back.
    say(reader, "Already there")
    client.force_login(reader)
    url = reverse("comments:post", args=[demo_article.slug])

    answer = client.post(url, {"body": "Second one"}, headers=HTMX).content.decode()

    assert "awaiting moderation" in answer
    assert 'id="count-article"' not in answer


# Sort in the address


def test_choosing_an_order_on_the_article_puts_it_in_the_articles_address(
    client, reader, say, demo_article
):
    article_url = demo_article.get_absolute_url()
    url, _ = discussion(demo_article)

    page = client.get(article_url).content.decode()
    fragment = client.get(
        url,
        {"sort": "newest"},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{article_url}"},
    ).content.decode()

    for html in (page, fragment):
        assert f'hx-push-url="{article_url}?sort=newest#discussion-article"' in html
        assert f'hx-push-url="{article_url}?sort=oldest#discussion-article"' in html
    assert 'aria-current="true">Newest' in fragment


def test_the_order_in_the_address_is_the_order_the_article_shows(client, reader, say, demo_article):
    say(reader, "older")
    say(reader, "newer")
    page = client.get(demo_article.get_absolute_url(), {"sort": "newest"}).content.decode()
    assert listed(page) == ["newer", "older"]
    assert 'aria-current="true">Newest' in page
    page = client.get(demo_article.get_absolute_url(), {"sort": "oldest"}).content.decode()
    assert listed(page) == ["older", "newer"]


def test_a_discussion_page_keeps_its_own_order_in_its_address(client, demo_article, poll):
    url, _ = discussion(demo_article, poll=poll.pk)
    fragment = client.get(
        url,
        {"poll": poll.pk, "sort": "oldest"},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{url}?poll={poll.pk}"},
    ).content.decode()
    key = f"poll-{poll.pk}"
    assert f'hx-push-url="{url}?poll={poll.pk}&amp;sort=newest#discussion-{key}"' in fragment


def test_a_question_discussion_inside_the_article_leaves_the_address_alone(
    client, demo_article, poll
):
    url, _ = discussion(demo_article)
    fragment = client.get(
        url,
        {"poll": poll.pk},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{demo_article.get_absolute_url()}"},
    ).content.decode()
    assert "Newest" in fragment
    assert "hx-push-url" not in fragment


# Pages without JavaScript


@pytest.fixture
def many(reader, say):
    """Top-level comments "c00", "c01", ... posted in that order."""

    def add(first, last):
        for number in range(first, last):
            say(reader, f"c{number:02d}")

    return add


def test_show_more_without_javascript_opens_the_next_page_which_continues(
    client, demo_article, many
):
    many(0, 2 * THREADS_PER_PAGE + 5)
    url, _ = discussion(demo_article)

    first = client.get(url, {"sort": "oldest"}).content.decode()
    more = re.search(r'<a href="([^"]+)" hx-get="[^"]+"[^>]*class="show-more"', first)[1]
    second = client.get(more.replace("&amp;", "&")).content.decode()
    third = client.get(url, {"sort": "oldest", "page": 3}).content.decode()

    assert more == f"{url}?sort=oldest&amp;page=2"
    assert listed(first) == [f"c{n:02d}" for n in range(0, 20)]
    assert listed(second) == [f"c{n:02d}" for n in range(20, 40)]
    assert listed(third) == [f"c{n:02d}" for n in range(40, 45)]
    assert "Page 2 of 3" in second
    assert "<title>Discussion, page 2 of 3" in second
    assert f'<a href="{url}?sort=oldest&amp;page=1" rel="prev">Earlier comments' in second
    assert f'<a href="{url}?sort=oldest&amp;page=3" rel="next">Later comments' in second
    assert 'rel="next"' not in third
    assert "Page 3 of 3" in third


def test_show_more_with_javascript_still_appends_the_next_threads(client, demo_article, many):
    many(0, THREADS_PER_PAGE + 2)
    url, _ = discussion(demo_article)
    first = client.get(url, {"sort": "oldest"}).content.decode()
    after = re.search(r'hx-get="([^"]+)"[^>]*class="show-more"', first)[1].replace("&amp;", "&")
    fragment = client.get(after, headers=HTMX).content.decode()
    assert listed(fragment) == ["c20", "c21"]
    assert "<h2" not in fragment


def test_a_page_costs_the_same_queries_however_long_the_discussion(
    client, reader, demo_article, many, django_assert_max_num_queries
):
    client.force_login(reader)
    url, _ = discussion(demo_article)
    many(0, 2 * THREADS_PER_PAGE + 1)
    with django_assert_max_num_queries(14) as short:
        assert client.get(url, {"page": 2}).status_code == 200
    many(2 * THREADS_PER_PAGE + 1, 5 * THREADS_PER_PAGE)
    with django_assert_max_num_queries(14) as long:
        page = client.get(url, {"page": 2}).content.decode()
    assert "Page 2 of 5" in page
    assert len(long.captured_queries) == len(short.captured_queries)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "4", "99999999999999999999", "1.5", "²"])
def test_a_page_that_does_not_exist_is_a_clear_refusal(client, demo_article, many, page):
    many(0, 2 * THREADS_PER_PAGE + 1)
    url, _ = discussion(demo_article)
    answer = client.get(url, {"page": page})
    assert answer.status_code == 400
    assert "That page of comments does not exist." in answer.content.decode()


def test_a_discussion_page_describes_itself_to_search_results(client, demo_article, poll):
    url, _ = discussion(demo_article)
    article_page = client.get(url).content.decode()
    question_page = client.get(url, {"poll": poll.pk}).content.decode()
    about = f"Readers’ discussion of “{escape(demo_article.title)}”"
    assert f'<meta name="description" content="{about}.">' in article_page
    assert f'<meta name="description" content="{about}, under “{escape(poll.question)}”.">' in (
        question_page
    )


def test_search_engines_index_a_discussion_once_whatever_its_order(
    client, demo_article, many, settings
):
    settings.SITE_URL = "https://briefing.example"
    many(0, THREADS_PER_PAGE + 5)
    url, _ = discussion(demo_article)
    best = client.get(url, {"sort": "best"}).content.decode()
    second = client.get(url, {"sort": "best", "page": 2}).content.decode()
    assert f'<link rel="canonical" href="https://briefing.example{url}">' in best
    assert f'<link rel="canonical" href="https://briefing.example{url}?page=2">' in second
    assert "noindex" not in best


def test_page_one_of_an_empty_discussion_is_there(client, demo_article):
    url, _ = discussion(demo_article)
    page = client.get(url, {"page": 1}).content.decode()
    assert "No comments yet." in page
