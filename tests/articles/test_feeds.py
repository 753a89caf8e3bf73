"""Feeds and the sitemap list published articles only, with their summaries and times."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.publishing import publish, start_followup

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker


@pytest.fixture
def story(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    followup = start_followup(
        demo_article, title="Officials meet", slug="officials-meet", lead="They met on Thursday."
    )
    publish(followup, at=timezone.now() - dt.timedelta(hours=1))
    followup.refresh_from_db()
    draft = start_followup(demo_article, title="Secret draft", slug="secret-draft")
    scheduled = start_followup(demo_article, title="Embargoed", slug="embargoed")
    Article.objects.filter(pk=scheduled.pk).update(
        status=Article.Status.SCHEDULED, publish_at=timezone.now() + dt.timedelta(hours=3)
    )
    return demo_article, followup, draft


def atom_entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.find(f"{ATOM}summary").text,
            "published": entry.find(f"{ATOM}published").text,
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_the_latest_feed_lists_published_articles_newest_first(client, story):
    demo_article, followup, _ = story
    entries = atom_entries(client, reverse("articles:feed-atom"))
    assert [entry["title"] for entry in entries] == ["Officials meet", demo_article.title]
    assert entries[0]["summary"] == "They met on Thursday."
    assert entries[0]["link"].endswith(followup.get_absolute_url())
    assert dt.datetime.fromisoformat(entries[0]["published"]) == followup.published_at


def test_a_storys_feed_has_its_published_pieces_from_any_of_its_articles(client, story):
    demo_article, followup, _ = story
    for article in (demo_article, followup):
        entries = atom_entries(client, reverse("articles:story-atom", args=[article.slug]))
        assert [entry["title"] for entry in entries] == ["Officials meet", demo_article.title]


def test_rss_too_and_drafts_nowhere(client, story):
    rss = client.get(reverse("articles:feed-rss")).content.decode()
    assert "<title>Officials meet</title>" in rss
    for url in (
        reverse("articles:feed-rss"),
        reverse("articles:feed-atom"),
        reverse("articles:story-rss", args=["officials-meet"]),
        reverse("django.contrib.sitemaps.views.sitemap"),
    ):
        body = client.get(url).content.decode()
        assert "Secret draft" not in body
        assert "secret-draft" not in body
        assert "embargoed" not in body.lower()
    assert client.get(reverse("articles:story-atom", args=["secret-draft"])).status_code == 404


def test_pages_advertise_their_feeds(client, story):
    demo_article, _, _ = story
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Briefing: latest articles" '
        f'href="{reverse("articles:feed-atom")}">'
    ) in page
    assert f'href="{reverse("articles:story-atom", args=[demo_article.slug])}"' in page


def test_the_sitemap_lists_published_articles(client, story, settings):
    settings.SITE_URL = "https://news.example.org"
    demo_article, followup, _ = story
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own sitemap
    locations = sorted(url.find(f"{SITEMAP}loc").text for url in root.findall(f"{SITEMAP}url"))
    assert locations == sorted(
        f"https://news.example.org{article.get_absolute_url()}"
        for article in (demo_article, followup)
    )
