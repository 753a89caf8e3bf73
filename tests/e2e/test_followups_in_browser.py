"""An editor schedules a follow-up in the admin; a reader of the story sees it arrive."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from articles.tasks import publish_scheduled_articles
from briefing_site.roles import EDITORS
from tests.services import BROWSER_PASSWORD, browser_account, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")


def log_in(chromium, app_server, user, next_url):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{app_server}/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")
    return context, page


def scheduled_time_comes(article):
    """Time passes to the article's publishing time; beat's task runs on the real worker."""
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now())
    publish_scheduled_articles.delay()
    wait_until(
        lambda: Article.objects.published().filter(pk=article.pk).exists(),
        timeout=30,
        what="the worker publishing the follow-up",
    )


def test_a_scheduled_follow_up_reaches_a_reader_of_the_story_live(
    chromium, own_app_server, celery_worker, demo_article
):
    app_server = own_app_server
    reader_context, reader = log_in(
        chromium, app_server, browser_account("somchai_reads"), demo_article.get_absolute_url()
    )
    editor_context, editor = log_in(
        chromium, app_server, browser_account("nita_edits", group=EDITORS), "/admin/"
    )
    try:
        reader.get_by_role("button", name="Follow this story").click()
        expect(reader.get_by_role("button", name="Following this story")).to_be_visible()
        expect(reader.locator("article[data-live-state]")).to_have_attribute(
            "data-live-state", "streaming"
        )
        reader.evaluate("window.noReload = true")

        editor.goto(f"{app_server}/admin/articles/article/{demo_article.pk}/change/")
        editor.get_by_role("link", name="Write a follow-up").click()
        editor.get_by_role("link", name="start an empty draft from its title").click()
        editor.get_by_label("Title").fill("Defence officials agree to meet in Bangkok")
        editor.get_by_label("Slug").fill("defence-officials-meet")
        editor.get_by_role("button", name="Create the draft follow-up").click()
        expect(editor.locator(".messagelist")).to_contain_text("Draft follow-up created")

        soon = timezone.localtime() + timezone.timedelta(minutes=10)
        editor.locator("#id_status").select_option("scheduled")
        editor.locator("#id_publish_at_0").fill(soon.strftime("%Y-%m-%d"))
        editor.locator("#id_publish_at_1").fill(soon.strftime("%H:%M:%S"))
        editor.locator("#id_lead").fill("The first meeting since the clashes is set for Thursday.")
        editor.get_by_role("button", name="Save", exact=True).click()
        expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
        followup = Article.objects.get(slug="defence-officials-meet")
        assert followup.status == Article.Status.SCHEDULED
        expect(reader.locator(".live-banner")).to_have_count(0)

        scheduled_time_comes(followup)

        banner = reader.locator(".live-banner")
        expect(banner).to_contain_text("Defence officials agree to meet in Bangkok")
        expect(reader.locator("#notices-link .badge")).to_have_text("1")
        if SCREENSHOTS:
            reader.screenshot(path=str(Path(SCREENSHOTS) / "follow-up-arrives.png"))
        assert reader.evaluate("window.noReload") is True
        banner.get_by_role("link", name="Defence officials agree to meet in Bangkok").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Defence officials agree to meet in Bangkok"
        )
        expect(reader.locator(".story-timeline")).to_contain_text(demo_article.title)
    finally:
        reader_context.close()
        editor_context.close()
