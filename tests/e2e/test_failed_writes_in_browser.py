"""A write the server could not take (a database outage's 503, no answer, a stale page)
keeps what the reader wrote and tells them what to do, with JavaScript on.

The outage itself is injected in tests/faults/; here the browser's side of it is shown
by answering the request as the server would during one.
"""

import os

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from polls.models import Vote
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UNREACHABLE = "We could not reach the site just now, so this was not saved."
OUT_OF_DATE = "This page is out of date, so this was not saved"
SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")
OUTAGE_PAGE = "<!doctype html><title>Back in a moment</title><h1>Back in a moment</h1>"


@pytest.fixture
def browser_page(chromium, app_server, demo_article):
    context = chromium.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def signed_in(page, app_server, article):
    user = browser_account("rosa_writes")
    page.goto(f"{app_server}/accounts/login/?next={article.get_absolute_url()}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return user


def test_a_comment_posted_during_an_outage_stays_in_its_box_and_goes_through_after(
    browser_page, app_server, demo_article
):
    page = browser_page
    author = signed_in(page, app_server, demo_article)
    page.evaluate("window.noReload = true")
    page.route(
        "**/comments/post/",
        lambda route: route.fulfill(status=503, body=OUTAGE_PAGE, content_type="text/html"),
    )
    box = page.get_by_label("Your comment").first
    box.fill("The monitors should report weekly.")
    box.locator("xpath=ancestor::form").get_by_role("button", name="Post comment").click()

    alert = page.get_by_role("alert").filter(has_text=UNREACHABLE)
    expect(alert).to_be_visible()
    expect(box).to_have_value("The monitors should report weekly.")
    if SCREENSHOTS:
        alert.scroll_into_view_if_needed()
        page.screenshot(path=f"{SCREENSHOTS}/comment-during-outage-phone.png")
    assert not Comment.objects.filter(author=author).exists()

    page.unroute("**/comments/post/")
    box.locator("xpath=ancestor::form").get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("The monitors should report weekly.").first).to_be_visible()
    expect(alert).to_have_count(0)
    assert Comment.objects.filter(author=author).count() == 1
    assert page.evaluate("window.noReload") is True


def test_a_vote_with_no_answer_or_a_stale_page_says_so_and_counts_nothing(
    browser_page, app_server, demo_article
):
    page = browser_page
    page.goto(f"{app_server}{demo_article.get_absolute_url()}")
    poll = page.locator("section.poll").first
    poll.get_by_label("Yes", exact=True).check()

    page.route("**/vote/", lambda route: route.abort("connectionrefused"))
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("alert")).to_contain_text(UNREACHABLE)
    expect(poll.get_by_label("Yes", exact=True)).to_be_checked()

    page.unroute("**/vote/")
    page.route(
        "**/vote/",
        lambda route: route.fulfill(status=403, body="CSRF verification failed."),
    )
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("alert")).to_contain_text(OUT_OF_DATE)
    assert Vote.objects.count() == 0

    page.unroute("**/vote/")
    poll.get_by_role("button", name="Vote").click()
    poll = page.locator("section.poll").first
    expect(poll.get_by_text("1 reader voted.")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=OUT_OF_DATE)).to_have_count(0)
