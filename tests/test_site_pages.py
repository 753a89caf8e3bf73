"""The community guidelines: a page of the site that editors write in the admin."""

from django.urls import reverse

from briefing_site.models import SitePage


def test_readers_find_the_guidelines_from_every_page(client, db, demo_article):
    article = client.get(demo_article.get_absolute_url()).content.decode()
    assert f'<a href="{reverse("guidelines")}">Community guidelines</a>' in article
    page = client.get(reverse("guidelines")).content.decode()
    assert '<h1 class="page-title">Community guidelines</h1>' in page
    assert "<h2>Not published</h2>" in page


def test_an_editor_rewrites_the_guidelines_in_the_admin_and_readers_see_it(client, editor):
    guidelines = SitePage.objects.get(slug="guidelines")
    client.force_login(editor)
    response = client.post(
        reverse("admin:briefing_site_sitepage_change", args=[guidelines.pk]),
        {"title": "House rules", "slug": "guidelines", "body": "## Be kind\n\nAlways."},
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(reverse("guidelines")).content.decode()
    assert "House rules" in page
    assert "<h2>Be kind</h2>" in page


def test_a_page_body_is_markdown_without_raw_html_or_scripts(client, db):
    SitePage.objects.create(
        slug="about",
        title="About",
        body="<script>alert(1)</script>\n\n[a link](javascript:alert(1)) and [ok](https://example.org)",
    )
    page = client.get(reverse("site-page", args=["about"])).content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    assert '<a href="https://example.org" rel="noopener">ok</a>' in page


def test_readers_pointed_to_deleted_guidelines_still_read_the_first_version(client, db):
    SitePage.objects.filter(slug="guidelines").delete()
    page = client.get(reverse("guidelines"))
    assert page.status_code == 200
    assert "<h2>Not published</h2>" in page.content.decode()
    assert client.get(reverse("site-page", args=["about"])).status_code == 404
