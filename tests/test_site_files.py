"""What browsers and crawlers ask every site for, and the site's own page for a refusal."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from briefing_site.refusals import refused


def test_robots_txt_keeps_crawlers_out_of_accounts_and_the_admin_and_names_the_sitemap(
    client, settings
):
    settings.SITE_URL = "https://news.example.org"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /admin/", "Disallow: /accounts/", "Disallow: /notices/"} <= set(lines)
    assert "Sitemap: https://news.example.org/sitemap.xml" in lines
    assert "Disallow: /" not in lines


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])


def test_a_refusal_is_the_site_page_with_its_sentence_and_to_htmx_the_sentence_alone(db):
    request = RequestFactory().get("/comments/1/?after=x")
    request.htmx = False
    request.user = AnonymousUser()
    page = refused(request, "This link to more replies is broken.", 400)
    assert page.status_code == 400
    html = page.content.decode()
    assert "This link to more replies is broken." in html
    assert "<h1" in html
    assert "Back to the latest briefings" in html

    request.htmx = True
    fragment = refused(request, "This link to more replies is broken.", 400)
    assert fragment.content.decode() == "This link to more replies is broken."


def test_a_request_django_cannot_read_gets_the_site_400_page(client, settings):
    settings.DEBUG = False
    response = client.get("/", HTTP_HOST="bad host!")
    assert response.status_code == 400
    assert "This request could not be read" in response.content.decode()
