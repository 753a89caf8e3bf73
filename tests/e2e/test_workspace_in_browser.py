"""A moderator signs in, lands on the workspace and works the held queue: one key at a
desk, one tap on a phone; the next item is on screen without a reload."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from briefing_site.roles import MODERATORS
from comments.models import Comment, CommentRevision, ModerationDecision
from comments.rendering import render_body
from tests.e2e.test_csp_in_browser import Watched
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# `make screenshots` points this at tests/e2e/screenshots/.
SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")
WORKSPACE = "/admin/comments/comment/workspace/"


def held_comment(article, author, body, *, minutes_ago, earlier=None):
    """A comment the pipeline held `minutes_ago`, edited from `earlier` if given."""
    comment = Comment.objects.add_root(
        instance=Comment(
            article=article,
            author=author,
            body=body,
            body_html=render_body(body),
            status=Comment.Status.HELD,
            toxicity=0.7134,
            version=2 if earlier else 1,
        )
    )
    posted = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Comment.objects.filter(pk=comment.pk).update(
        created_at=posted, edited_at=posted + dt.timedelta(minutes=1) if earlier else None
    )
    if earlier:
        CommentRevision.objects.create(comment=comment, version=1, body=earlier, written_at=posted)
    ModerationDecision.objects.create(
        comment=comment,
        version=comment.version,
        outcome="hold",
        phase="toxicity",
        reasons=["toxic language"],
        score=0.7134,
    )
    return comment


@pytest.fixture
def held_queue(demo_article):
    """Three held comments by one reader, oldest first; the second was edited."""
    author = browser_account("lena_writes")
    return [
        held_comment(demo_article, author, "You are all **idiots** here.", minutes_ago=50),
        held_comment(
            demo_article,
            author,
            "The talks will fail, visit my blog for the real story.",
            minutes_ago=40,
            earlier="The talks will fail, everyone knows it.",
        ),
        held_comment(demo_article, author, "Ceasefire now, nothing else.", minutes_ago=30),
    ]


def sign_in(chromium, app_server, user, **context_options):
    """Log in from the site's own log-in page, as a moderator would: no page to return to."""
    context = chromium.new_context(**context_options)
    page = context.new_page()
    page.goto(f"{app_server}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/comments/comment/workspace/")
    return context, page


def card(page, comment):
    return page.locator(f"#card-{comment.pk}")


def shot(page_or_element, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page_or_element.screenshot(path=str(Path(SCREENSHOTS) / name))


def test_a_moderator_decides_the_oldest_held_comment_with_one_key(chromium, app_server, held_queue):
    oldest, edited, newest = held_queue
    moderator = browser_account("mira_moderates", group=MODERATORS)
    context, page = sign_in(
        chromium, app_server, moderator, viewport={"width": 1280, "height": 900}
    )
    try:
        expect(page.locator(".queue-tabs [aria-current=page]")).to_contain_text("Held 3")
        cards = page.locator("[data-card]")
        expect(cards.first).to_have_id(f"card-{oldest.pk}")
        expect(cards.first).to_have_class("workspace-card current")
        expect(cards.first.locator(".card-body strong")).to_have_text("idiots")
        expect(cards.first).to_contain_text("toxicity 0.71")
        shot(page, "workspace-1280.png")

        page.keyboard.press("?")
        expect(page.locator("#keys-help")).to_be_visible()
        expect(page.locator("#keys-help")).to_contain_text("Approve the current item")
        page.keyboard.press("?")
        expect(page.locator("#keys-help")).to_be_hidden()

        page.evaluate("window.noReload = true")
        page.keyboard.press("a")
        expect(card(page, oldest)).to_have_count(0)
        expect(cards.first).to_have_id(f"card-{edited.pk}")
        expect(cards.first).to_be_in_viewport()
        expect(cards.first).to_be_focused()
        expect(page.locator(".workspace-notice")).to_contain_text("Approved")
        assert page.evaluate("window.noReload") is True  # no reload: htmx swapped the queue
        oldest.refresh_from_db()
        assert oldest.status == Comment.Status.APPROVED

        change = cards.first.locator(".card-change .diff")
        expect(change.locator("del")).to_contain_text("everyone knows it.")
        expect(change.locator("ins")).to_contain_text("visit my blog for the real story.")
        shot(cards.first, "workspace-edited-card.png")

        # j moves on, k comes back; r rejects the current one with its preselected reason.
        page.keyboard.press("j")
        expect(card(page, newest)).to_be_focused()
        page.keyboard.press("k")
        expect(card(page, edited)).to_be_focused()
        page.keyboard.press("r")
        expect(card(page, edited)).to_have_count(0)
        expect(cards.first).to_have_id(f"card-{newest.pk}")
        edited.refresh_from_db()
        assert (edited.status, edited.public_reason) == ("rejected", "Personal attack")
        expect(page.locator(".queue-tabs [aria-current=page]")).to_contain_text(
            "Held 1", timeout=8000
        )  # the counts refresh on their own

        # The admin's index leads back here, and tells how the queues are doing.
        page.goto(f"{app_server}/admin/")
        expect(page.locator(".moderation-home")).to_contain_text("Oldest held")
        shot(page, "admin-index-moderator.png")
        page.locator("#content-main .model-comment th a").click()
        page.wait_for_url("**/admin/comments/comment/workspace/")
    finally:
        context.close()


def test_on_a_phone_the_moderator_decides_with_one_tap(chromium, app_server, held_queue):
    oldest, edited, _newest = held_queue
    moderator = browser_account("tam_moderates", group=MODERATORS)
    context, page = sign_in(
        chromium,
        app_server,
        moderator,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    try:
        first = page.locator("[data-card]").first
        expect(first).to_have_id(f"card-{oldest.pk}")
        approve = first.get_by_role("button", name="Approve")
        expect(approve).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "workspace-360.png")
        approve.tap()
        expect(card(page, oldest)).to_have_count(0)
        expect(page.locator("[data-card]").first).to_have_id(f"card-{edited.pk}")
        expect(page.locator("[data-card]").first).to_be_in_viewport()
        oldest.refresh_from_db()
        assert oldest.status == Comment.Status.APPROVED
    finally:
        context.close()


def test_the_workspace_runs_under_the_content_security_policy(chromium, app_server, held_queue):
    _oldest, edited, _newest = held_queue
    browser = Watched(chromium, app_server, 1280)
    try:
        browser.log_in(browser_account("csp_moderates", group=MODERATORS), WORKSPACE)
        browser.page.keyboard.press("?")
        browser.page.keyboard.press("Escape")
        browser.page.keyboard.press("a")
        expect(browser.page.locator("[data-card]").first).to_have_id(f"card-{edited.pk}")
        browser.assert_clean()
    finally:
        browser.context.close()
