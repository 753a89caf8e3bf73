"""The story page: every published piece of a story in order, with its time, its lead, the
questions it asked and what readers said; reached from every article of the story; with
its own feeds. The front page shows each story once, by its latest piece."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from articles.importer import import_briefing
from articles.models import Article, FollowupQuestion
from polls.models import Poll
from tests.articles.html_checks import html_problems, time_values

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DAY_ONE = timezone.now().replace(microsecond=123456) - dt.timedelta(days=3)


@pytest.fixture
def story(demo_article):
    """The demo article, published three days ago (with microseconds in its time)."""
    Article.objects.filter(pk=demo_article.pk).update(published_at=DAY_ONE)
    demo_article.refresh_from_db()
    return demo_article


def piece(follows, slug, *, hours, status=Article.Status.PUBLISHED, lead=None):
    return Article.objects.create(
        title=f"Follow-up: {slug.replace('-', ' ')}",
        slug=slug,
        lead=lead if lead is not None else f"What {slug} adds.",
        follows=follows,
        status=status,
        published_at=DAY_ONE + dt.timedelta(hours=hours),
        keywords=list(follows.keywords),
    )


def followup_with_questions(story, demo_briefing, slug, *, hours):
    """A follow-up imported from a briefing, with reader questions of its own."""
    article = import_briefing(
        demo_briefing, slug=slug, status=Article.Status.DRAFT, follows=story
    ).article
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED,
        published_at=DAY_ONE + dt.timedelta(hours=hours),
        title=f"Follow-up {slug}",
    )
    return article


def page_of(client, story):
    response = client.get(f"/stories/{story.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_every_published_piece_oldest_first_with_its_time_and_lead(client, story):
    second = piece(story, "ministers-meet", hours=5)
    third = piece(second, "ceasefire-holds", hours=30)
    piece(third, "unfinished-draft", hours=40, status=Article.Status.DRAFT)
    piece(third, "not-yet-out", hours=24 * 10)  # dated in the future

    page = page_of(client, story)
    assert page.index(story.title) < page.index(second.title) < page.index(third.title)
    for each in (story, second, third):
        assert f'href="{each.get_absolute_url()}"' in page
        assert f"{each.lead[:60]}" in page
    assert "unfinished-draft" not in page
    assert "not-yet-out" not in page
    assert "3 pieces" in page
    assert html_problems(page) == []
    expected = DAY_ONE.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert expected in time_values(page)  # to the second: no microseconds


def test_every_article_of_the_story_links_to_it(client, story):
    second = piece(story, "ministers-meet", hours=5)
    for each in (story, second):
        page = client.get(each.get_absolute_url()).content.decode()
        assert f'href="/stories/{story.slug}/"' in page


def test_a_follow_ups_address_leads_to_the_story_under_its_first_articles_slug(client, story):
    second = piece(story, "ministers-meet", hours=5)
    response = client.get(f"/stories/{second.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/stories/{story.slug}/"


def test_drafts_and_unknown_addresses_are_404_pages(client, story):
    piece(story, "unfinished-draft", hours=5, status=Article.Status.DRAFT)
    for slug in ["unfinished-draft", "no-such-story"]:
        response = client.get(f"/stories/{slug}/")
        assert response.status_code == 404
        assert "<html" in response.content.decode()
    assert client.post(f"/stories/{story.slug}/").status_code == 405


def test_a_withdrawn_first_article_neither_names_nor_addresses_the_story(client, story):
    second = piece(story, "ministers-meet", hours=5)
    third = piece(second, "ceasefire-holds", hours=30)
    Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED)
    assert client.get(f"/stories/{story.slug}/").status_code == 404
    page = page_of(client, second)
    assert story.title not in page
    assert f"/articles/{story.slug}/" not in page
    assert f'href="/stories/{second.slug}/"' in client.get(third.get_absolute_url()).text


def test_it_lists_each_pieces_questions_with_the_results_a_reader_may_see(client, story):
    poll = Poll.objects.get(article=story, kind=Poll.Kind.YES_NO)
    yes = poll.choices.get(text="Yes")
    Client().post(f"/polls/{poll.pk}/vote/", {"choice": yes.pk})

    # Results show after one's own vote: not yet to this reader.
    page = page_of(client, story)
    assert poll.question in page
    assert "What mechanisms should international organizations adopt" in page
    assert f'href="{story.get_absolute_url()}#poll-{poll.pk}">Answer it in the article' in page
    assert "1 reader voted" not in page

    client.post(f"/polls/{poll.pk}/vote/", {"choice": yes.pk})
    page = page_of(client, story)
    assert "What readers said" in page
    assert "2 readers voted" in page
    assert "Your vote" in page
    assert html_problems(page) == []


def test_results_a_follow_up_published_show_to_every_reader(client, story):
    poll = Poll.objects.get(article=story, kind=Poll.Kind.YES_NO)
    Client().post(f"/polls/{poll.pk}/vote/", {"choice": poll.choices.get(text="No").pk})
    later = piece(story, "what-readers-think", hours=5)
    FollowupQuestion.objects.create(followup=later, poll=poll, show_results=True)

    page = page_of(client, story)
    assert "What readers said" in page
    assert "1 reader voted" in page
    assert "100%" in page


def test_results_taken_up_by_an_unpublished_follow_up_stay_hidden(client, story):
    poll = Poll.objects.get(article=story, kind=Poll.Kind.YES_NO)
    Client().post(f"/polls/{poll.pk}/vote/", {"choice": poll.choices.get(text="No").pk})
    draft = piece(story, "draft-results", hours=5, status=Article.Status.DRAFT)
    FollowupQuestion.objects.create(followup=draft, poll=poll, show_results=True)
    assert "1 reader voted" not in page_of(client, story)


def test_its_queries_do_not_grow_with_the_story(
    client, story, demo_briefing, django_assert_max_num_queries
):
    followup_with_questions(story, demo_briefing, "piece-1", hours=1)
    with django_assert_max_num_queries(8) as short:
        page_of(client, story)
    for n in range(2, 12):
        followup_with_questions(story, demo_briefing, f"piece-{n}", hours=n)
    with django_assert_max_num_queries(len(short.captured_queries)):
        page = page_of(client, story)
    assert "12 pieces" in page
    assert "Follow-up piece-11" in page
    assert page.count("Questions asked") == 12


def test_its_feeds_list_the_pieces_newest_first_and_link_the_story_page(client, story):
    second = piece(story, "ministers-meet", hours=5)
    piece(second, "unfinished-draft", hours=6, status=Article.Status.DRAFT)
    story_page = page_of(client, story)
    assert f'href="/stories/{story.slug}/feed.atom"' in story_page
    assert f'href="/stories/{story.slug}/feed.rss"' in story_page

    feed = ET.fromstring(client.get(f"/stories/{story.slug}/feed.atom").content)  # noqa: S314
    links = [link.get("href") for link in feed.findall(f"{ATOM}link")]
    assert f"{settings.SITE_URL.rstrip('/')}/stories/{story.slug}/" in links
    assert f"{settings.SITE_URL.rstrip('/')}/stories/{story.slug}/feed.atom" in links
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert titles == [second.title, story.title]

    rss = client.get(f"/stories/{story.slug}/feed.rss")
    assert rss.status_code == 200
    assert second.title in rss.content.decode()


def test_the_article_page_offers_the_story_feed_and_the_old_feed_addresses_still_work(
    client, story
):
    second = piece(story, "ministers-meet", hours=5)
    page = client.get(second.get_absolute_url()).content.decode()
    feed_link = f'title="Briefing: the story so far" href="/stories/{story.slug}/feed.atom"'
    assert feed_link in page
    for old in [f"/articles/{second.slug}/story.atom", f"/articles/{story.slug}/story.rss"]:
        response = client.get(old)
        assert response.status_code == 200
        assert second.title in response.content.decode()


def test_the_front_page_shows_each_story_once_by_its_latest_piece(client, story):
    second = piece(story, "ministers-meet", hours=5)
    third = piece(second, "ceasefire-holds", hours=30)
    piece(third, "unfinished-draft", hours=40, status=Article.Status.DRAFT)
    lone = Article.objects.create(
        title="A lone report",
        slug="lone-report",
        status=Article.Status.PUBLISHED,
        published_at=DAY_ONE + dt.timedelta(hours=10),
    )

    page = client.get("/").content.decode()
    assert page.count('class="article-card"') == 2
    assert page.index(third.title) < page.index(lone.title)
    assert f'href="{story.get_absolute_url()}"' not in page
    assert f'href="{second.get_absolute_url()}"' not in page
    assert f'<a href="/stories/{story.slug}/">The story so far</a>: 3 pieces' in page
    assert "unfinished-draft" not in page
    assert page.count("The story so far") == 1  # a lone article is no story
    assert html_problems(page) == []
