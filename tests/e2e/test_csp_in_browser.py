"""The Content-Security-Policy in a real browser: readers, moderators and editors go about
their work on the production server and the browser blocks nothing.

Every page of a watched browser context reports each `securitypolicyviolation` event
and console error back to the test, across navigations; the tests assert there are
none, and that what htmx, the live updates and the admin's scripts do still happens.
"""

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from briefing_site.roles import EDITORS, MODERATORS
from comments.models import Comment
from comments.services import approve_comment, post_comment
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Set to a folder to keep screenshots of the pages under the policy.
SCREENSHOTS = os.environ.get("CSP_SCREENSHOTS")

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportViolation({
    page: location.pathname,
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


class Watched:
    """A browser context whose pages report policy violations and console errors."""

    def __init__(self, chromium, app_server, width):
        self.app_server = app_server
        self.violations = []
        self.errors = []
        self.context = chromium.new_context(viewport={"width": width, "height": 900})
        self.context.expose_function("reportViolation", lambda found: self.violations.append(found))
        self.context.add_init_script(REPORT_VIOLATIONS)
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
        # The admin's pages name no icon, so the browser tries /favicon.ico: not ours to judge.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.errors.append(f"{message.text} ({message.location['url']})")

    def goto(self, path):
        response = self.page.goto(f"{self.app_server}{path}")
        policy = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy
        assert "'unsafe-eval'" not in policy
        return response

    def log_in(self, user, next_url):
        self.goto(f"/accounts/login/?next={next_url}")
        self.page.get_by_label("Email").fill(user.email)
        self.page.get_by_label("Password").fill(BROWSER_PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(f"**{next_url}")

    def assert_clean(self):
        # A violation event is dispatched as a task: let the last ones arrive.
        self.page.wait_for_timeout(300)
        assert self.violations == []
        assert self.errors == []


@pytest.fixture
def watched(chromium, app_server):
    contexts = []

    def open_watched(width=1280):
        context = Watched(chromium, app_server, width)
        contexts.append(context)
        return context

    yield open_watched
    for context in contexts:
        context.context.close()


def shoot(page, name, *parts):
    """The top of the page and the given parts of it, when SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
        for number, part in enumerate(parts, 1):
            part.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{number}.png"))


def test_the_policy_blocks_what_it_should_and_is_seen_doing_so(watched, demo_article):
    """The watch works: an inline script and an inline style are blocked and reported."""
    browser = watched()
    browser.goto(demo_article.get_absolute_url())
    browser.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
          const div = document.createElement("div");
          div.innerHTML = '<p style="color: red">styled</p>';
          document.body.append(div);
        }"""
    )
    browser.page.wait_for_timeout(300)
    assert browser.page.evaluate("window.inlineRan") is None
    assert {v["directive"] for v in browser.violations} == {"script-src-elem", "style-src-attr"}


def test_a_reader_votes_comments_and_sees_live_updates_with_nothing_blocked(
    watched, demo_article, app_server
):
    reader = browser_account("kanya_reads")
    other = browser_account("bo_writes")
    browser = watched()
    page = browser.page

    browser.log_in(reader, "/")
    expect(page.get_by_role("link", name=demo_article.title).first).to_be_visible()
    page.get_by_role("link", name=demo_article.title).first.click()
    page.wait_for_url(f"**{demo_article.get_absolute_url()}")
    live_state = page.locator("article[data-live-state]")
    expect(live_state).to_have_attribute("data-live-state", "streaming")
    page.evaluate("window.noReload = true")

    # A vote with htmx: the results replace the form.
    poll = page.locator("section.poll").filter(has_text="Yes").first
    poll.get_by_label("Yes", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_text("1 reader voted.")).to_be_visible()

    # A comment with htmx: it appears, awaiting moderation, or already published
    # when a Celery worker started by an earlier test of the session took it first.
    discussion = page.locator("#discussion-article")
    discussion.get_by_label("Your comment").fill("Observers should publish their reports.")
    discussion.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment-entry").filter(has_text="publish their reports")
    expect(mine).to_be_visible()

    # Another reader's comment arrives live, behind its button.
    theirs = post_comment(article=demo_article, author=other, body="Maps first, then talks.")
    approve_comment(theirs.pk)
    show = page.get_by_role("button", name="1 new comment: show")
    expect(show).to_be_visible()
    show.click()
    arrived = page.locator(".comment-entry").filter(has_text="Maps first")
    expect(arrived).to_be_visible()

    # The reply form opens with htmx and its Cancel (static js/site.js) empties the slot.
    arrived.get_by_role("link", name="Reply").click()
    reply_slot = page.locator(f"#reply-slot-{theirs.pk}")
    expect(reply_slot.locator(".compose--reply")).to_be_visible()
    reply_slot.get_by_role("button", name="Cancel").click()
    expect(reply_slot.locator(".compose--reply")).to_have_count(0)

    assert page.evaluate("window.noReload") is True
    shoot(page, "csp-article-1280", poll, discussion)
    browser.goto("/accounts/email/")  # the reader's account page
    expect(page.get_by_text(reader.email)).to_be_visible()
    browser.assert_clean()

    # The stream itself: no sniffing, and the policy like every response.
    with httpx.stream(
        "GET", f"{app_server}{demo_article.get_absolute_url()}events/", timeout=10
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in stream.headers["content-security-policy"]


def test_an_anonymous_reader_on_a_phone_meets_nothing_blocked(watched, demo_article):
    browser = watched(width=360)
    browser.goto("/")
    browser.goto(demo_article.get_absolute_url())
    expect(browser.page.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "streaming"
    )
    poll = browser.page.locator("section.poll").filter(has_text="Yes").first
    poll.get_by_label("No", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_text("1 reader voted.")).to_be_visible()
    shoot(browser.page, "csp-article-360", poll, browser.page.locator("#discussion-article"))
    browser.goto("/accounts/login/")
    browser.goto("/accounts/signup/")
    browser.assert_clean()


@pytest.mark.parametrize("width", [1280, 360])
def test_a_moderator_works_the_queue_with_nothing_blocked(watched, demo_article, width):
    # Held for a moderator by a worker if one runs (the session may have started one),
    # else pending: on the queue's first page either way.
    demo_article.premoderate = True
    demo_article.save(update_fields=["premoderate"])
    author = browser_account("ada_writes")
    comment = post_comment(article=demo_article, author=author, body="Waiting for a moderator.")
    moderator = browser_account("mo_moderates", group=MODERATORS)
    browser = watched(width)
    page = browser.page
    queue = "/admin/comments/comment/"

    browser.log_in(moderator, queue)
    expect(page.get_by_text("Waiting for a moderator.")).to_be_visible()
    expect(page.get_by_role("heading", name="Queue health")).to_be_visible()
    shoot(page, f"csp-admin-queue-{width}")

    # An action that asks first: its page's "No, take me back" (admin's cancel.js).
    page.locator(f"input[name=_selected_action][value='{comment.pk}']").check()
    page.locator("select[name=action]").select_option("reject")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reject 1 comment")
    page.get_by_role("link", name="No, take me back").click()
    page.wait_for_url(re.compile(r"/admin/comments/comment/"))

    # Select all (admin's actions.js), approve.
    page.goto(f"{browser.app_server}{queue}")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved 1 comment.")
    assert Comment.objects.get(pk=comment.pk).status == "approved"

    # The comment's own page, with its inlines.
    browser.goto(f"/admin/comments/comment/{comment.pk}/change/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    browser.assert_clean()


def test_an_editor_uses_the_date_widgets_with_nothing_blocked(watched, demo_article):
    editor = browser_account("nita_edits", group=EDITORS)
    browser = watched()
    page = browser.page
    change = f"/admin/articles/article/{demo_article.pk}/change/"
    browser.log_in(editor, change)

    # DateTimeShortcuts: "Today" and "Now", and the calendar pop-up.
    page.locator("#id_publish_at_0").fill("")
    page.locator("#id_publish_at_0 + .datetimeshortcuts a").first.click()  # Today
    expect(page.locator("#id_publish_at_0")).not_to_have_value("")
    page.locator("#id_publish_at_1 + .datetimeshortcuts a").first.click()  # Now
    expect(page.locator("#id_publish_at_1")).not_to_have_value("")
    calendar_link = page.locator("#id_publish_at_0 + .datetimeshortcuts a").last
    calendar_link.click()
    calendar_id = calendar_link.get_attribute("id").replace("calendarlink", "calendarbox")
    calendar = page.locator(f"#{calendar_id}")
    expect(calendar).to_be_visible()
    calendar.get_by_role("link", name="Cancel").click()
    expect(calendar).to_be_hidden()

    browser.goto("/admin/articles/article/")
    browser.goto("/admin/polls/poll/")
    browser.assert_clean()
