"""Topic pages: every keyword chip leads to a page of the published articles that carry the
keyword, newest first, with its feeds; a keyword may hold any character."""

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles.models import Article
from articles.topics import topic_slug, topic_url
from tests.articles.html_checks import html_problems

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def article(title, keywords, *, days_ago=1, status=Article.Status.PUBLISHED, **fields):
    return Article.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        status=status,
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        lead=f"Lead of {title}.",
        keywords=keywords,
        **fields,
    )


def topic_links(page):
    start = page.index('<ul class="tags"')
    chips = page[start : page.index("</ul>", start)]
    return [part.split('"')[0] for part in chips.split('<a href="')[1:]]


def test_every_keyword_of_the_demo_article_leads_to_a_page_that_lists_it(client, demo_article):
    page = client.get(demo_article.get_absolute_url()).content.decode()
    links = topic_links(page)
    assert len(links) == len(demo_article.keywords) == 14
    for keyword, link in zip(demo_article.keywords, links, strict=True):
        topic_page = client.get(link)
        assert topic_page.status_code == 200, (keyword, link)
        text = topic_page.content.decode()
        assert f'<h1 class="story__title">{keyword}</h1>' in text
        assert f'href="{demo_article.get_absolute_url()}"' in text
    assert "/topics/counter-terrorism-cooperation/" in links  # U+2011, not "-", in the keyword
    assert "/topics/thai-cambodian-border-tensions/" in links


@pytest.mark.parametrize(
    ("keyword", "slug"),
    [
        ("counter\N{NON-BREAKING HYPHEN}terrorism cooperation", "counter-terrorism-cooperation"),
        ("Counter-terrorism  cooperation", "counter-terrorism-cooperation"),
        ("US/China trade", "us-china-trade"),
        ("50% tariffs?", "50-tariffs"),
        ("Đà Nẵng port", "đà-nẵng-port"),
        ("ความมั่นคง ชายแดน", "ความมั่นคง-ชายแดน"),
        ("C++ & Rust", "c-rust"),
        ("—", ""),
    ],
)
def test_a_keyword_in_any_characters_has_an_address_that_finds_it(client, keyword, slug):
    assert topic_slug(keyword) == slug
    carrier = article("Carrier", [keyword])
    if not slug:
        page = client.get(carrier.get_absolute_url()).content.decode()
        assert f'<li class="tag">{keyword}</li>' in page  # no letter or digit: no page
        return
    url = reverse("articles:topic", args=[slug])
    assert unquote(url) == f"/topics/{slug}/"
    response = client.get(url)
    assert response.status_code == 200
    assert carrier.title in response.content.decode()
    assert client.get(reverse("articles:topic-atom", args=[slug])).status_code == 200


def test_a_site_mounted_under_a_prefix_links_its_topics_under_it(client, db):
    carrier = article("Carrier", ["ASEAN restraint"])
    assert (
        '<a href="/topics/asean-restraint/">'
        in client.get(carrier.get_absolute_url()).content.decode()
    )
    set_script_prefix("/news/")
    try:
        assert topic_url("ASEAN restraint") == "/news/topics/asean-restraint/"
    finally:
        set_script_prefix("/")
    assert topic_url("ASEAN restraint") == "/topics/asean-restraint/"


def test_it_lists_published_carriers_newest_first_and_nothing_else(client, db):
    older = article("Older talks", ["ASEAN dialogue"], days_ago=3)
    newer = article("Newer talks", ["Regional security", "asean dialogue"], days_ago=1)
    article("Draft talks", ["ASEAN dialogue"], status=Article.Status.DRAFT)
    article("Future talks", ["ASEAN dialogue"], days_ago=-1)
    article("Other talks", ["ASEAN dialogue partners", "dialogue ASEAN"])

    page = client.get("/topics/asean-dialogue/").content.decode()
    assert page.index(newer.title) < page.index(older.title)
    assert "Draft talks" not in page
    assert "Future talks" not in page
    assert "Other talks" not in page
    assert "2 briefings" in page
    assert '<h1 class="story__title">asean dialogue</h1>' in page  # as its newest article says
    assert html_problems(page) == []


def test_another_spelling_of_the_address_redirects_to_the_topic(client, db):
    article("Talks", ["ASEAN dialogue"])
    response = client.get("/topics/ASEAN Dialogue/")
    assert response.status_code == 301
    assert response["Location"] == "/topics/asean-dialogue/"


@pytest.mark.parametrize(
    "url", ["/topics/no-such-topic/", "/topics/-/", "/topics/" + "a-" * 300 + "/"]
)
def test_an_unknown_topic_is_a_404_page(client, db, url):
    article("Talks", ["ASEAN dialogue"])
    response = client.get(url)
    assert response.status_code == 404
    assert "<html" in response.content.decode()


def test_a_topic_only_drafts_carry_is_unknown(client, db):
    article("Draft talks", ["Secret summit"], status=Article.Status.DRAFT)
    assert client.get("/topics/secret-summit/").status_code == 404
    assert client.get("/topics/secret-summit/feed.atom").status_code == 404


def test_its_feeds_list_the_carriers_at_the_site_address(client, db):
    article("Older talks", ["ASEAN dialogue"], days_ago=3)
    article("Newer talks", ["ASEAN dialogue"], days_ago=1)
    page = client.get("/topics/asean-dialogue/").content.decode()
    assert 'href="/topics/asean-dialogue/feed.atom"' in page
    assert 'href="/topics/asean-dialogue/feed.rss"' in page

    feed = ET.fromstring(client.get("/topics/asean-dialogue/feed.atom").content)  # noqa: S314
    site = settings.SITE_URL.rstrip("/")
    assert f"{site}/topics/asean-dialogue/" in [
        link.get("href") for link in feed.findall(f"{ATOM}link")
    ]
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Newer talks", "Older talks"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"{site}/articles/newer-talks/"
    rss = client.get("/topics/asean-dialogue/feed.rss")
    assert rss.status_code == 200
    assert "Older talks" in rss.content.decode()


def test_it_pages_through_many_articles(client, db):
    for n in range(25):
        article(f"Talks {n}", ["ASEAN dialogue"], days_ago=n + 1)
    first = client.get("/topics/asean-dialogue/").content.decode()
    assert first.count('class="article-card"') == 20
    assert 'href="?page=2" rel="next"' in first
    assert (
        client.get("/topics/asean-dialogue/?page=2").content.decode().count('class="article-card"')
        == 5
    )


def test_its_queries_do_not_grow_with_its_articles(client, db, django_assert_max_num_queries):
    for n in range(3):
        article(f"Talks {n}", ["ASEAN dialogue", "Mekong"], days_ago=n + 1)
    with django_assert_max_num_queries(2):
        client.get("/topics/asean-dialogue/")
    for n in range(3, 30):
        article(f"Talks {n}", ["ASEAN dialogue", "Mekong"], days_ago=n + 1)
    with django_assert_max_num_queries(2):
        page = client.get("/topics/asean-dialogue/").content.decode()
    assert "30 briefings" in page


@pytest.mark.parametrize(
    "address",
    [
        "%00",
        "%FF%FE",
        "..",
        "%2E%2E%2Fadmin",
        "\N{SUPERSCRIPT TWO}",
        "a%20" * 200,
        "%E2%80%91",
        "asean-restraint%0A",
        "<script>alert(1)</script>",
    ],
)
def test_no_address_gives_a_server_error(client, db, address):
    article("Talks", ["ASEAN restraint"])
    for suffix in ["/", "/feed.atom", "/feed.rss"]:
        response = client.get(f"/topics/{address}{suffix}")
        assert response.status_code in {200, 301, 404}, (address, suffix)
