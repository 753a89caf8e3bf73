"""An editor pastes a follow-up on the writing page, watches the preview, and publishes it."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from briefing_site.roles import EDITORS
from tests.articles.test_writing import FOLLOWUP_TEXT, MARKDOWN_TEXT
from tests.e2e.test_followups_in_browser import log_in, scheduled_time_comes
from tests.services import browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")


def test_an_editor_pastes_previews_and_publishes_a_follow_up(
    chromium, own_app_server, demo_article
):
    context, editor = log_in(
        chromium,
        own_app_server,
        browser_account("nita_writes", group=EDITORS),
        f"/admin/articles/article/{demo_article.pk}/change/",
    )
    try:
        editor.get_by_role("link", name="Write a follow-up").click()
        answered = demo_article.polls.order_by("position").first()
        editor.get_by_label(answered.question, exact=False).check()
        editor.locator("#id_text").fill(FOLLOWUP_TEXT)
        preview = editor.locator("#preview")
        expect(preview).to_contain_text("The first piles went in on Tuesday.")  # htmx, no click
        card = preview.locator(".poll--preview")
        expect(card).to_contain_text("Should the works run at night?")
        expect(card.locator(".result__text")).to_have_text(["Yes", "No", "Not sure"])
        expect(preview.locator("h1")).to_have_text("Bridge Works Begin")
        if SCREENSHOTS:
            editor.screenshot(path=str(Path(SCREENSHOTS) / "editor-writes.png"), full_page=True)
        editor.get_by_role("button", name="Publish").click()
        expect(editor.locator(".messagelist")).to_contain_text("Bridge Works Begin")
        piece = Article.objects.get(title="Bridge Works Begin")
        assert piece.is_published
        assert piece.story_id == demo_article.pk
        assert list(piece.questions.values_list("poll_id", flat=True)) == [answered.pk]
    finally:
        context.close()


def test_an_editor_switches_to_markdown_and_the_preview_follows(
    chromium, own_app_server, demo_article
):
    context, editor = log_in(
        chromium,
        own_app_server,
        browser_account("mark_writes", group=EDITORS),
        "/admin/articles/article/write/",
    )
    try:
        editor.locator("#id_text").fill(MARKDOWN_TEXT)
        preview = editor.locator("#preview")
        expect(preview.locator(".errornote")).to_contain_text("line")  # read as briefing text
        editor.get_by_label("Markdown").check()  # htmx: the preview follows, no click
        expect(preview.locator("h1")).to_have_text("Follow-up: Bridge Works Begin")
        expect(preview.locator(".poll--preview")).to_have_count(3)
        if SCREENSHOTS:
            editor.screenshot(
                path=str(Path(SCREENSHOTS) / "editor-writes-markdown.png"), full_page=True
            )
        editor.get_by_role("button", name="Save as draft").click()
        expect(editor.locator(".messagelist")).to_contain_text("Bridge Works Begin")
        assert Article.objects.get(slug="follow-up-bridge-works-begin").polls.count() == 3
    finally:
        context.close()


# A follow-up no test imports elsewhere: the page must take it as written today.
BORDER_TEXT = """Follow-up: Border Crossings Reopen After the Talks
Table of Contents
- 1. Follow-up: Border Crossings Reopen After the Talks
- 2. What Changed
- 3. Reader Questions
Four crossings reopened at dawn, a day after defence officials met.
What Changed
| Crossing | Opened |
| --- | --- |
| Aranyaprathet | 06:00 |
| Chong Chom | 07:30 |
Traders queued from before first light.
Reader Questions
Should the crossings stay open at night?
Keywords woven naturally: border crossings, trade.
"""


def test_a_follow_up_written_on_one_page_and_scheduled_reaches_a_reader_of_the_story(
    chromium, own_app_server, celery_worker, demo_article
):
    reader_context, reader = log_in(
        chromium, own_app_server, browser_account("dao_reads"), demo_article.get_absolute_url()
    )
    context, editor = log_in(
        chromium,
        own_app_server,
        browser_account("pim_writes", group=EDITORS),
        f"/admin/articles/article/{demo_article.pk}/change/",
    )
    try:
        expect(reader.locator("article[data-live-state]")).to_have_attribute(
            "data-live-state", "streaming"
        )
        editor.get_by_role("link", name="Write a follow-up").click()
        editor.locator("#id_text").fill(BORDER_TEXT)
        preview = editor.locator("#preview")
        expect(preview.locator("h1")).to_have_text("Border Crossings Reopen After the Talks")
        expect(preview.locator(".poll--preview")).to_contain_text(
            "Should the crossings stay open at night?"
        )
        in_two_minutes = timezone.localtime() + dt.timedelta(minutes=2)
        editor.locator("#id_publish_at").fill(in_two_minutes.strftime("%Y-%m-%d %H:%M:%S"))
        editor.get_by_role("button", name="Schedule").click()
        expect(editor.locator(".messagelist")).to_contain_text("Border Crossings Reopen")
        piece = Article.objects.get(title="Border Crossings Reopen After the Talks")
        assert piece.status == Article.Status.SCHEDULED
        assert abs(piece.publish_at - in_two_minutes) < dt.timedelta(seconds=1)
        expect(reader.locator(".live-banner")).to_have_count(0)

        scheduled_time_comes(piece)  # two minutes pass
        banner = reader.locator(".live-banner")
        expect(banner).to_contain_text("Border Crossings Reopen After the Talks")
        banner.get_by_role("link", name="Border Crossings Reopen After the Talks").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Border Crossings Reopen After the Talks"
        )
        expect(reader.locator(".lead")).to_contain_text("Four crossings reopened at dawn")
        expect(reader.locator("main")).to_contain_text("Traders queued from before first light.")
        expect(reader.locator("main table")).to_contain_text("Chong Chom")
    finally:
        reader_context.close()
        context.close()
