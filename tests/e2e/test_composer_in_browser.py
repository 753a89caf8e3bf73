"""Where the reader acts, in Chromium with JavaScript on and off, at 1280 and 360 px: a
closed article, a pre-moderated composer, a suspended and a banned reader, and the
composer's preview, length counter, guidelines and edit window. Every page visited
must leave the console free of errors."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles import publishing
from articles.models import Article
from comments.models import AuthorStanding
from comments.rendering import MAX_BODY_LENGTH
from comments.services import approve_comment, post_comment
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 800)}
JS = {"js": True, "no-js": False}


def screenshot(page, name):
    # caret="initial": hiding the caret would inject a style the page's policy blocks.
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), caret="initial")


class Reader:
    """A signed-in reader's browser; console errors and failed loads are collected."""

    def __init__(self, chromium, app_server, user, *, viewport, javascript):
        width, height = VIEWPORTS[viewport]
        self.app_server = app_server
        self.errors = []
        self.context = chromium.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if user is not None:
            self.page.goto(f"{app_server}/accounts/login/")
            self.page.get_by_label("Email").fill(user.email)
            self.page.get_by_label("Password").fill(BROWSER_PASSWORD)
            self.page.get_by_role("button", name="Log in").click()
            self.page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def goto(self, path):
        self.page.goto(f"{self.app_server}{path}")

    def close(self):
        self.page.wait_for_timeout(200)  # let late console messages arrive
        self.context.close()
        # Answers the site refuses on purpose (a too-long comment: 422) log a console
        # error for the failed load in Chromium; only those are allowed.
        return [error for error in self.errors if "status of 422" not in error]


@pytest.fixture
def open_browser(chromium, app_server):
    opened = []

    def open_as(user, viewport, state):
        reader = Reader(chromium, app_server, user, viewport=viewport, javascript=JS[state])
        opened.append(reader)
        return reader

    yield open_as
    errors = [error for reader in opened for error in reader.close()]
    assert errors == []


def published(article, author, body):
    comment = post_comment(article=article, author=author, body=body)
    approve_comment(comment.pk)
    return comment


both_ways = pytest.mark.parametrize("state", JS)
both_sizes = pytest.mark.parametrize("viewport", VIEWPORTS)


@both_ways
@both_sizes
def test_a_closed_article_says_since_when_and_where_the_talk_goes_on(
    open_browser, demo_article, editor, viewport, state
):
    published(demo_article, browser_account(f"early_{viewport}_{state}"), "Said before the close.")
    followup = publishing.start_followup(
        demo_article, title="Talks resume in Jakarta", slug=f"talks-resume-{viewport}-{state}"
    )
    publishing.publish(followup)
    publishing.set_discussion(
        Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True
    )
    reader = open_browser(browser_account(f"late_{viewport}_{state}"), viewport, state)
    reader.goto(demo_article.get_absolute_url())
    page = reader.page
    note = page.locator("#discussion-article .comments-closed")
    expect(note).to_contain_text("Comments on this article are closed. They closed on")
    expect(note.locator("time")).to_have_count(1)
    link = note.get_by_role("link", name="Talks resume in Jakarta")
    expect(link).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_count(0)
    expect(page.get_by_role("link", name="Reply", exact=True)).to_have_count(0)
    expect(page.get_by_text("Said before the close.")).to_be_visible()
    note.scroll_into_view_if_needed()
    screenshot(page, f"closed-article-{viewport}-{state}")
    link.click()
    page.wait_for_url(f"**{followup.get_absolute_url()}**")
    expect(page.locator("#compose-article")).to_be_visible()


@both_ways
@both_sizes
def test_the_composer_of_a_premoderated_article_says_comments_are_reviewed(
    open_browser, demo_article, viewport, state
):
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)
    reader = open_browser(browser_account(f"patient_{viewport}_{state}"), viewport, state)
    reader.goto(demo_article.get_absolute_url())
    composer = reader.page.locator("#compose-article")
    note = composer.get_by_text("Comments on this article are reviewed by a moderator")
    expect(note).to_be_visible()
    composer.scroll_into_view_if_needed()
    screenshot(reader.page, f"premoderated-composer-{viewport}-{state}")


@both_ways
@both_sizes
@pytest.mark.parametrize("standing", ["suspended", "banned"])
def test_a_barred_reader_is_told_and_offered_no_composer_likes_or_reports(
    open_browser, demo_article, viewport, state, standing
):
    published(demo_article, browser_account(f"voice_{standing}_{viewport}_{state}"), "Go on.")
    user = browser_account(f"{standing}_{viewport}_{state}")
    until = timezone.now() + dt.timedelta(days=2)
    AuthorStanding.objects.create(
        user=user,
        banned_at=timezone.now() if standing == "banned" else None,
        suspended_until=until if standing == "suspended" else None,
    )
    reader = open_browser(user, viewport, state)
    reader.goto(demo_article.get_absolute_url())
    page = reader.page
    told = page.locator("#discussion-article .composer-barred")
    if standing == "suspended":
        expect(told).to_contain_text("suspended from the discussions until")
        expect(told).to_contain_text(timezone.localtime(until).strftime("%-d %B %Y"))
    else:
        expect(told).to_contain_text("a moderator banned it from the discussions")
    expect(told.get_by_role("link", name="community guidelines")).to_be_visible()
    expect(page.get_by_text("Go on.")).to_be_visible()
    for control in ("Like", "Reply", "Report"):
        expect(page.get_by_role("button", name=control, exact=True)).to_have_count(0)
        expect(page.get_by_role("link", name=control, exact=True)).to_have_count(0)
    expect(page.get_by_label("Your comment")).to_have_count(0)
    told.scroll_into_view_if_needed()
    screenshot(page, f"{standing}-reader-{viewport}-{state}")


@both_ways
@both_sizes
def test_the_composer_previews_counts_and_keeps_a_too_long_text(
    open_browser, demo_article, viewport, state, celery_worker
):
    reader = open_browser(browser_account(f"writer_{viewport}_{state}"), viewport, state)
    reader.goto(demo_article.get_absolute_url())
    page = reader.page
    composer = page.locator("#compose-article")
    expect(composer.get_by_role("link", name="community guidelines")).to_be_visible()
    box = page.get_by_label("Your comment")
    text = "A *careful* point with a [source](https://example.org/)."
    box.fill(text)
    count = page.locator("#body-article-count")
    if state == "js":
        expect(count).to_have_text(f"{MAX_BODY_LENGTH - len(text):,} characters left of 5,000.")
    else:
        expect(count).to_have_text("Up to 5,000 characters.")

    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".compose__preview-box")
    expect(preview).to_contain_text("Preview: not posted yet")
    expect(preview.locator("em")).to_have_text("careful")
    expect(preview.get_by_role("link", name="source")).to_have_attribute(
        "href", "https://example.org/"
    )
    expect(page.get_by_label("Your comment")).to_have_value(text)
    if state == "js":  # swapped in place: still the article
        assert page.url.endswith(demo_article.get_absolute_url())
    preview.scroll_into_view_if_needed()
    screenshot(page, f"composer-preview-{viewport}-{state}")

    too_long = "word " * (MAX_BODY_LENGTH // 5) + "over"
    page.get_by_label("Your comment").fill(too_long)
    if state == "js":
        count = page.locator("[data-count-for]").first
        expect(count).to_have_text("4 characters over the limit of 5,000.")
        expect(count).to_have_class("hint compose__count compose__count--over")
        count.scroll_into_view_if_needed()
        screenshot(page, f"composer-counter-over-{viewport}-{state}")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("alert").filter(has_text="Keep your comment to 5,000")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value(too_long)
    page.get_by_role("alert").first.scroll_into_view_if_needed()
    screenshot(page, f"composer-too-long-{viewport}-{state}")

    page.get_by_label("Your comment").fill("Short and posted.")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment-entry[data-mine]").filter(has_text="Short and posted.")
    expect(mine).to_contain_text("You can edit this for 15 minutes")
    if state == "js":  # the worker publishes it, and the page redraws it in place
        expect(mine.get_by_role("link", name="Reply")).to_be_visible(timeout=30_000)
    mine.scroll_into_view_if_needed()
    screenshot(page, f"composer-posted-{viewport}-{state}")
