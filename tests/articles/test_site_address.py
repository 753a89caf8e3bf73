"""Links that work wherever the site runs: every absolute link comes from SITE_URL."""

import datetime as dt
import os
import re
import subprocess
import sys
import urllib.request
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles import following
from articles.publishing import publish, start_followup

pytestmark = pytest.mark.django_db(transaction=True)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(live_server, settings):
    """The site on the live server's port (never 8000), with SITE_URL saying so."""
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    assert not live_server.url.endswith(":8000")
    return live_server.url


@pytest.fixture
def story(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    return demo_article


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_the_links_in_a_follow_up_email_open_the_follow_up(site, story, reader):
    following.follow(reader, story)
    piece = start_followup(story, title="Officials meet", slug="officials-meet", lead="They met.")
    publish(piece)

    [email] = mail.outbox
    links = re.findall(r"https?://\S+", email.body)
    assert links
    assert all(link.startswith(site + "/") for link in links)
    status, page = get(site + piece.get_absolute_url())
    assert (status, "Officials meet" in page) == (200, True)
    for link in links:
        assert get(link)[0] == 200


@pytest.mark.parametrize("feed", ["articles:feed-atom", "articles:story-atom"])
def test_a_feeds_links_open_its_articles(feed, site, story):
    args = [story.slug] if feed == "articles:story-atom" else []
    status, body = get(site + reverse(feed, args=args))
    assert status == 200
    root = ElementTree.fromstring(body)  # noqa: S314 - our own feed
    links = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert site + reverse(feed, args=args) in links  # the feed's own address
    entries = [entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")]
    assert entries == [site + story.get_absolute_url()]
    assert get(entries[0])[0] == 200


def test_the_sitemap_robots_txt_and_canonical_link_name_the_site_address(site, story, client):
    # Asked under another host name (as behind a proxy), the links still name SITE_URL.
    sitemap = client.get(reverse("django.contrib.sitemaps.views.sitemap")).content.decode()
    assert f"<loc>{site}{story.get_absolute_url()}</loc>" in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {site}/sitemap.xml" in robots
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="{site}{story.get_absolute_url()}">' in page


def test_make_run_s_host_and_port_make_the_default_site_address(tmp_path):
    env = {**os.environ, "HOST": "192.0.2.7", "PORT": "8123"}
    env.pop("SITE_URL", None)
    code = "from django.conf import settings; print(settings.SITE_URL)"
    printed = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "briefing_site.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    ).stdout.strip()
    assert printed == "http://192.0.2.7:8123"
    makefile = (django_settings.BASE_DIR / "Makefile").read_text()
    assert "export HOST PORT" in makefile


def test_a_follow_up_with_only_a_lead_shows_it_and_an_imported_lead_shows_once(client, story):
    piece = start_followup(story, title="Officials meet", slug="officials-meet", lead="They met.")
    publish(piece)
    page = client.get(piece.get_absolute_url()).content.decode()
    assert '<div class="lead"><p>They met.</p></div>' in page

    body = client.get(story.get_absolute_url()).content.decode().split("</head>")[1]
    assert body.count(escape(story.lead)) == 1
