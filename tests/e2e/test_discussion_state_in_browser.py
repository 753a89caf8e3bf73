"""Two readers side by side on one discussion: nothing doubled, counts that add up, the
order kept in the address, pages that continue without JavaScript, and a close that
reaches every open page. The browser reports no console error on any page."""

import os
import re
import time
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect

from articles.models import Article
from articles.publishing import set_discussion
from comments.models import Comment
from comments.services import approve_comment, post_comment, reject_comment
from tests.services import BROWSER_PASSWORD, browser_account, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")


def snap(page, name, *, width=None):
    if not SCREENSHOTS:
        return
    if width:
        page.set_viewport_size({"width": width, "height": 900 if width > 500 else 780})
    page.locator("#discussion-article").scroll_into_view_if_needed()
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


class Reader:
    """One reader's browser, which records every console error and failed request."""

    def __init__(self, chromium, app_server, article, *, width=1280, javascript=True):
        self.app_server = app_server
        self.article = article
        self.errors = []
        self.context = chromium.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "response",
            lambda response: (
                response.status >= 400 and self.errors.append(f"{response.status} {response.url}")
            ),
        )

    def _console(self, message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.errors.append(f"{message.text} ({message.location['url']})")

    def open(self, path=None, *, as_user=None):
        path = path or self.article.get_absolute_url()
        if as_user:
            self.page.goto(f"{self.app_server}/accounts/login/?next={path}")
            self.page.get_by_label("Email").fill(as_user.email)
            self.page.get_by_label("Password").fill(BROWSER_PASSWORD)
            self.page.get_by_role("button", name="Log in").click()
            self.page.wait_for_url(f"**{path}")
        else:
            self.page.goto(f"{self.app_server}{path}")
        return self.page

    def streaming(self):
        expect(self.page.locator("article[data-live-state]")).to_have_attribute(
            "data-live-state", "streaming"
        )
        self.page.evaluate("window.noReload = true")


@pytest.fixture
def reader_at(app_server, demo_article, chromium):
    readers = []

    def open_browser(**options):
        reader = Reader(chromium, app_server, demo_article, **options)
        readers.append(reader)
        return reader

    yield open_browser
    for reader in readers:
        reader.context.close()


def said(article, author, text, **where):
    with mock.patch("comments.services.comment_submitted"):  # approved here, not queued
        comment = post_comment(article=article, author=author, body=text, **where)
    approve_comment(comment.pk)
    return comment


def approved(text):
    wait_until(
        lambda: Comment.objects.filter(body__contains=text, status="approved").exists(),
        timeout=60,
        what=f"the worker approving {text!r}",
    )


def entries(page, text):
    return page.locator("#comments-article > .comment-entry").filter(has_text=text)


def test_an_author_posting_five_times_sees_five_comments_and_another_reader_is_told(
    reader_at, celery_worker, demo_article
):
    ade, wen = browser_account("ade_posts"), browser_account("wen_watches")
    author, watcher = reader_at(), reader_at()
    author.open(as_user=ade)
    watcher.open(as_user=wen)
    author.streaming()
    watcher.streaming()
    page = author.page
    count = page.locator("#discussion-article h2 .count")
    expect(count).to_have_text("(0)")

    # The first posts' answers are held until the worker has approved them and the live
    # event has reached this page: the order in which a comment came back as news.
    def answer_after_the_event(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        posted = re.search(r"Post number (\d)", route.request.post_data or "")
        if posted and posted[1] in {"1", "2"}:
            approved(f"Post number {posted[1]}")
            time.sleep(1.5)
        route.fulfill(response=response)

    page.route("**/comments/post/", answer_after_the_event)
    composer = page.locator("#discussion-article form.compose")
    for number in range(1, 6):
        composer.get_by_label("Your comment").fill(f"Post number {number}, in a row.")
        composer.get_by_role("button", name="Post comment").click()
        expect(entries(page, f"Post number {number}")).to_have_count(1)
        expect(composer.get_by_label("Your comment")).to_have_value("")
    for number in range(1, 6):
        approved(f"Post number {number}")

    # Five comments, once each, published in place, and the count says five.
    expect(count).to_have_text("(5)")
    expect(entries(page, "Post number")).to_have_count(5)
    expect(page.locator("#discussion-article .comment__pending")).to_have_count(0)
    expect(page.locator("[data-new-comments-for]")).to_be_hidden()
    expect(entries(page, "Post number").locator("form[id^=like-]")).to_have_count(0)
    for number in range(1, 6):
        expect(
            page.locator(".comment-entry").filter(has_text=f"Post number {number}")
        ).to_have_count(1)
    snap(page, "live-author-five-posts")
    snap(page, "live-author-five-posts-phone", width=360)

    # The other reader is offered them, with the same count.
    show = watcher.page.get_by_role("button", name="5 new comments: show")
    expect(show).to_be_visible()
    expect(watcher.page.locator("#discussion-article h2 .count")).to_have_text("(5)")
    expect(watcher.page.get_by_text("No comments yet.")).to_have_count(0)
    snap(watcher.page, "live-watcher-announced")
    show.click()
    expect(entries(watcher.page, "Post number")).to_have_count(5)
    expect(watcher.page.locator("#discussion-article h2 .count")).to_have_text("(5)")
    expect(show).to_be_hidden()
    snap(watcher.page, "live-watcher-announced-phone", width=360)

    # A removal: both counts follow; its author sees why it went.
    third = Comment.objects.get(body__startswith="Post number 3")
    reject_comment(third.pk)
    expect(count).to_have_text("(4)")
    expect(watcher.page.locator("#discussion-article h2 .count")).to_have_text("(4)")
    expect(watcher.page.locator(f"#c{third.pk}")).to_have_count(0)
    expect(page.locator(f"#c{third.pk}")).to_contain_text("not published")

    # A live arrival from the watcher reaches the author as news, and the count with it.
    said(demo_article, wen, "A word from the watcher.")
    expect(page.get_by_role("button", name="1 new comment: show")).to_be_visible()
    expect(count).to_have_text("(5)")

    assert page.evaluate("window.noReload") is True
    assert watcher.page.evaluate("window.noReload") is True
    assert author.errors == []
    assert watcher.errors == []


def test_the_article_counts_its_own_discussion_and_each_question_its_own(reader_at, demo_article):
    ade = browser_account("ade_counts")
    poll = demo_article.polls.get(kind="yes_no")
    said(demo_article, ade, "On the article.")
    said(demo_article, ade, "On the question.", poll=poll)
    said(demo_article, ade, "Also on the question.", poll=poll)
    reader = reader_at()
    page = reader.open()
    expect(page.locator("#discussion-article h2 .count")).to_have_text("(1)")
    expect(page.locator("#comments-article .comment-entry")).to_have_count(1)
    page.get_by_role("link", name="Discuss this question (2 comments)").click()
    question = page.locator(f"#discussion-poll-{poll.pk}")
    expect(question.locator("h2 .count")).to_have_text("(2)")
    expect(question.locator(".comment-entry")).to_have_count(2)
    assert reader.errors == []


def test_the_chosen_order_stays_in_the_address_through_a_reload_and_back(reader_at, demo_article):
    ade = browser_account("ade_sorts")
    said(demo_article, ade, "The older comment.")
    said(demo_article, ade, "The newer comment.")
    Comment.objects.filter(body__startswith="The older").update(score=0.9)
    reader = reader_at()
    page = reader.open()
    article_url = demo_article.get_absolute_url()
    bodies = page.locator("#comments-article .comment__body")
    expect(bodies.first).to_have_text("The older comment.")  # best first

    page.locator("#discussion-article nav.sorts").get_by_role("link", name="Newest").click()
    expect(page).to_have_url(re.compile(re.escape(article_url) + r"\?sort=newest"))
    expect(bodies.first).to_have_text("The newer comment.")

    page.reload()
    newest = page.locator("#discussion-article nav.sorts").get_by_role("link", name="Newest")
    expect(newest).to_have_attribute("aria-current", "true")
    expect(bodies.first).to_have_text("The newer comment.")

    page.locator("#discussion-article nav.sorts").get_by_role("link", name="Oldest").click()
    expect(page).to_have_url(re.compile(r"\?sort=oldest"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?sort=newest"))
    expect(newest).to_have_attribute("aria-current", "true")
    expect(bodies.first).to_have_text("The newer comment.")
    snap(page, "discussion-sorted-newest")
    assert reader.errors == []


def test_show_more_without_javascript_continues_on_the_next_page(reader_at, demo_article):
    ade = browser_account("ade_pages")
    for number in range(25):
        said(demo_article, ade, f"Comment {number:02d} of many.")
    reader = reader_at(javascript=False)
    page = reader.open()
    page.locator("#discussion-article nav.sorts").get_by_role("link", name="Oldest").click()
    listed = page.locator("#comments-article .comment__body")
    expect(listed).to_have_count(20)
    expect(listed.first).to_have_text("Comment 00 of many.")

    page.get_by_role("link", name="Show more comments").click()
    expect(page).to_have_url(re.compile(r"sort=oldest&page=2"))
    expect(listed).to_have_count(5)
    expect(listed.first).to_have_text("Comment 20 of many.")
    expect(listed.last).to_have_text("Comment 24 of many.")
    expect(page.locator("nav.pages").get_by_text("Page 2 of 2")).to_be_visible()
    snap(page, "discussion-page-2-without-javascript")
    snap(page, "discussion-page-2-without-javascript-phone", width=360)
    page.get_by_role("link", name="Earlier comments (page 1)").click()
    expect(listed.first).to_have_text("Comment 00 of many.")
    assert reader.errors == []


def test_closing_comments_takes_the_composer_and_reply_links_off_open_pages(
    reader_at, demo_article, editor
):
    ade = browser_account("ade_closes")
    said(demo_article, ade, "Said before the close.")
    signed_in, anonymous = reader_at(), reader_at(width=360)
    signed_in.open(as_user=browser_account("wen_reads"))
    anonymous.open()
    signed_in.streaming()
    anonymous.streaming()
    for reader in (signed_in, anonymous):
        expect(reader.page.locator("[data-reply-link]")).to_have_count(1)

    set_discussion(Article.objects.filter(pk=demo_article.pk), actor=editor, comments_closed=True)

    for reader in (signed_in, anonymous):
        discussion = reader.page.locator("#discussion-article")
        expect(discussion.get_by_text("Comments on this article are closed.")).to_be_visible()
        expect(discussion.locator("form.compose")).to_have_count(0)
        expect(discussion.locator(".login-to-comment")).to_have_count(0)
        expect(reader.page.locator("[data-reply-link]")).to_have_count(0)
        assert reader.page.evaluate("window.noReload") is True
        assert reader.errors == []
    snap(signed_in.page, "live-comments-closed")
    snap(anonymous.page, "live-comments-closed-phone")
