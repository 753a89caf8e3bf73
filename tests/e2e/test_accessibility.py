"""axe-core finds no serious or critical accessibility problem on the pages readers and
moderators use, on a desktop and on a phone.

axe-core comes from npm (package.json pins it; `make test` installs it with `npm ci`).
The site's Content-Security-Policy allows only its own scripts, so the browser context
bypasses CSP to let the test inject axe; the page's own scripts run as usual.
"""

import os
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect

from briefing_site.roles import MODERATORS
from comments.models import Comment
from comments.services import approve_comment, post_comment
from tests.services import BROWSER_PASSWORD, ROOT, browser_account, unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(
    os.environ.get("BRIEFING_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts"
)
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 360, "height": 740},
}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        unavailable(f"{AXE.relative_to(ROOT)} is missing (make node-modules, or npm ci)")
    return AXE.read_text()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def lively_article(demo_article):
    """The demo article with a discussion: approved comments and replies, a pending one."""
    ada, bo = browser_account("ada_reads"), browser_account("bo_answers")
    poll = demo_article.polls.order_by("pk").first()

    def say(author, body, *, parent=None, on_poll=None, approved=True):
        # Nothing queued for a worker: one the session started earlier would otherwise
        # publish these again mid-test (redrawing them) or take the pending one off the
        # moderators' queue.
        with mock.patch("comments.services.comment_submitted"):
            comment = post_comment(
                article=demo_article, author=author, body=body, parent=parent, poll=on_poll
            )
        if approved:
            approve_comment(comment.pk)
        return Comment.objects.get(pk=comment.pk)

    root = say(ada, "ASEAN has **never** enforced a truce alone.")
    reply = say(bo, "The [2011 precedent](https://example.com/2011) says otherwise.", parent=root)
    say(ada, "A precedent is not a habit.", parent=reply)
    say(bo, "Observers first, then talks.")
    say(bo, "Regional blocs lack the teeth.", on_poll=poll)
    say(bo, "Still waiting for a moderator.", approved=False)
    demo_article.refresh_from_db()
    return demo_article


@pytest.fixture
def browser_page(chromium, app_server, viewport):
    contexts = []

    def open_page(path, *, as_user=None):
        context = chromium.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        if as_user is not None:
            page.goto(f"{app_server}/accounts/login/?next={path}")
            page.get_by_label("Email").fill(as_user.email)
            page.get_by_label("Password").fill(BROWSER_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        else:
            page.goto(f"{app_server}{path}")
        return page

    yield open_page
    for context in contexts:
        context.close()


def audit(page, axe_source, name, viewport, *, disable=()):
    """Run axe on the page as it is now; fail listing every serious or critical violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"a11y-{name}-{viewport}.png", full_page=True)
    page.add_script_tag(content=axe_source)
    options = {"resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = page.evaluate("options => axe.run(document, options)", options)
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]\n"
        + "\n".join(
            f"    {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1]}"
            for node in v["nodes"][:8]
        )
        for v in blocking
    )
    assert not blocking, f"{name} at {viewport} has accessibility violations:\n{report}"


def test_the_front_page(browser_page, axe_source, viewport, lively_article):
    page = browser_page("/")
    expect(page.get_by_role("link", name=lively_article.title)).to_be_visible()
    audit(page, axe_source, "front-page", viewport)


def test_the_article_with_its_discussion_and_polls_before_and_after_voting(
    browser_page, axe_source, viewport, lively_article
):
    page = browser_page(lively_article.get_absolute_url())
    expect(
        page.locator(".comment-entry").filter(has_text="A precedent is not a habit")
    ).to_be_visible()
    audit(page, axe_source, "article", viewport)

    poll = page.locator("section.poll").first
    poll.get_by_label("Yes", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(page.locator("section.poll").first.get_by_role("status")).to_have_text(
        "Your vote is counted."
    )
    page.locator("section.poll").first.get_by_role("link", name="Discuss this question").click()
    expect(page.get_by_text("Regional blocs lack the teeth.")).to_be_visible()
    audit(page, axe_source, "article-voted", viewport)


def test_the_article_for_a_signed_in_reader(browser_page, axe_source, viewport, lively_article):
    reader = browser_account("cy_reads")
    with mock.patch("comments.services.comment_submitted"):
        mine = post_comment(article=lively_article, author=reader, body="My own view, editable.")
    approve_comment(mine.pk)
    page = browser_page(lively_article.get_absolute_url(), as_user=reader)
    discussion = page.locator("#discussion-article")
    expect(discussion.get_by_label("Your comment")).to_be_visible()
    own = page.locator(".comment-entry").filter(has_text="My own view")
    expect(own.get_by_role("link", name="Edit")).to_be_visible()
    expect(own.get_by_role("button", name="Delete")).to_be_visible()
    audit(page, axe_source, "article-reader", viewport)

    # The reply and report forms open in place under their comments.
    truce = page.locator(".comment-entry").filter(has_text="never").first
    truce.get_by_role("link", name="Reply").click()
    expect(page.locator(".compose--reply").get_by_label("Your comment")).to_be_visible()
    other = page.locator(".comment-entry").filter(has_text="Observers first").first
    other.get_by_role("link", name="Report").click()
    expect(page.locator(".compose--report")).to_be_visible()
    audit(page, axe_source, "article-reader-forms", viewport)


def test_the_log_in_page_and_its_error(browser_page, axe_source, viewport, db):
    page = browser_page("/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    audit(page, axe_source, "login", viewport)

    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit(page, axe_source, "login-error", viewport)


def test_the_sign_up_page(browser_page, axe_source, viewport, db):
    page = browser_page("/accounts/signup/")
    expect(page.get_by_role("button", name="Sign up")).to_be_visible()
    audit(page, axe_source, "signup", viewport)


def test_the_moderation_queue(browser_page, axe_source, viewport, lively_article):
    moderator = browser_account("mo_moderates", group=MODERATORS)
    page = browser_page("/admin/comments/comment/?queue=pending", as_user=moderator)
    expect(page.get_by_text("Still waiting for a moderator.")).to_be_visible()
    audit(page, axe_source, "moderation-queue", viewport)
