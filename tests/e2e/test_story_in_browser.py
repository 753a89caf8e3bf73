"""A reader opens the whole story from one of its articles, on a desktop and on a phone, and
follows a keyword to its topic page."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, FollowupQuestion
from polls.models import Choice, Poll

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# `make screenshots` points this at tests/e2e/screenshots/, the pictures in the README.
SCREENSHOTS = Path(
    os.environ.get("BRIEFING_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts"
)
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 780)}


@pytest.fixture
def story(demo_article):
    """The demo article and two follow-ups; the second shows what readers said."""
    start = timezone.now() - dt.timedelta(days=2)
    Article.objects.filter(pk=demo_article.pk).update(published_at=start)
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.YES_NO)
    Choice.objects.filter(poll=poll, text="Yes").update(vote_count=31)
    Choice.objects.filter(poll=poll, text="No").update(vote_count=12)
    meeting = Article.objects.create(
        title="Defence officials agree to meet in Bangkok on Thursday",
        slug="defence-officials-meet",
        lead="The first meeting since the clashes is set for Thursday, with ASEAN observers.",
        follows=demo_article,
        status=Article.Status.PUBLISHED,
        published_at=start + dt.timedelta(hours=20),
        keywords=list(demo_article.keywords),
    )
    ceasefire = Article.objects.create(
        title="Ceasefire holds as talks resume; readers doubt blocs can enforce it alone",
        slug="ceasefire-holds",
        lead="A week on, the line is quiet. Most readers who answered want outside guarantees.",
        follows=meeting,
        status=Article.Status.PUBLISHED,
        published_at=start + dt.timedelta(days=1, hours=8),
        keywords=list(demo_article.keywords),
    )
    FollowupQuestion.objects.create(followup=ceasefire, poll=poll, show_results=True)
    return demo_article, meeting, ceasefire


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_reader_opens_the_whole_story_from_an_article(app_server, chromium, story, viewport):
    first, meeting, ceasefire = story
    width, height = VIEWPORTS[viewport]
    page = chromium.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{app_server}/")
        cards = page.locator(".article-card")
        expect(cards).to_have_count(1)  # the story once, by its latest piece
        expect(cards.first).to_contain_text(ceasefire.title)
        expect(cards.first).to_contain_text("3 pieces")
        if viewport == "desktop":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / "front-page-story.png")

        page.goto(f"{app_server}{meeting.get_absolute_url()}")
        timeline = page.get_by_role("navigation", name="This story", exact=True)
        if viewport == "desktop":
            timeline.screenshot(path=SCREENSHOTS / "article-story-link.png")
        timeline.get_by_role("link", name="The whole story").click()
        page.wait_for_url(f"**/stories/{first.slug}/")

        expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
        pieces = page.get_by_role("heading", level=2)
        expect(pieces.nth(0)).to_have_text(first.title)
        expect(pieces.nth(1)).to_have_text(meeting.title)
        expect(pieces.nth(2)).to_have_text(ceasefire.title)
        expect(page.get_by_text(meeting.lead)).to_be_visible()
        said = page.locator(".story-question").filter(has_text="regional blocs like ASEAN")
        expect(said).to_contain_text("What readers said")
        expect(said).to_contain_text("43 readers voted")
        expect(said.get_by_role("meter").first).to_have_attribute("value", "72")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"story-{viewport}.png", full_page=True)

        page.get_by_role("link", name="counter‑terrorism cooperation").click()
        page.wait_for_url("**/topics/counter-terrorism-cooperation/")
        expect(page.get_by_role("heading", level=1)).to_have_text("counter‑terrorism cooperation")
        expect(page.locator(".article-card")).to_have_count(3)
        if viewport == "desktop":
            page.screenshot(path=SCREENSHOTS / "topic-desktop.png")
    finally:
        page.close()
