"""A real discussion in a real browser: two readers sign up and talk, without a reload."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.services import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def confirmation_link(mail_dir: Path, address: str) -> str:
    for message in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        text = message.read_text()
        if f"To: {address}" in text:
            return LINK.search(text)[0]
    raise AssertionError(f"no confirmation email to {address}")


@pytest.fixture
def reader_in_browser(celery_worker, app_server, demo_article, production_env, chromium):
    """Readers in their own browsers; a real Celery worker moderates what they post."""
    contexts = []
    mail_dir = Path(production_env["EMAIL_FILE_PATH"])

    def sign_up(name):
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{app_server}{demo_article.get_absolute_url()}")
        page.get_by_role("link", name="Sign up").first.click()
        page.get_by_label("Email").fill(f"{name}@example.com")
        page.get_by_label("Display name").fill(name)
        page.get_by_label("Password").fill("a sturdy passphrase 42")
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Verify Your Email")
        page.goto(confirmation_link(mail_dir, f"{name}@example.com"))
        page.get_by_role("button", name="Confirm").click()
        # Confirming logs the reader in and takes them back to the article.
        page.wait_for_url(f"**{demo_article.get_absolute_url()}**")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        page.evaluate("window.noReload = true")
        return page

    yield sign_up
    for context in contexts:
        context.close()


def published(text):
    """Wait for the Celery worker to approve the comment containing `text`."""
    wait_until(
        lambda: Comment.objects.filter(body__contains=text, status="approved").exists(),
        timeout=60,
        what=f"the worker approving {text!r}",
    )


def discussion(page):
    return page.locator("#discussion-article")


def entry(page, text):
    return page.locator(".comment-entry").filter(has_text=text).first


def test_two_readers_hold_a_threaded_discussion(reader_in_browser):
    ada = reader_in_browser("ada_reads")
    discussion(ada).get_by_label("Your comment").fill("ASEAN has **never** enforced a truce alone.")
    discussion(ada).get_by_role("button", name="Post comment").click()
    expect(entry(ada, "enforced a truce alone")).to_contain_text("ada_reads")
    expect(discussion(ada).get_by_label("Your comment")).to_have_value("")
    published("enforced a truce alone")

    bo = reader_in_browser("bo_answers")
    mine = entry(bo, "enforced a truce alone")
    mine.get_by_role("button", name="Like").click()
    expect(
        entry(bo, "enforced a truce alone").get_by_role("button", name=re.compile("Liked"))
    ).to_be_visible()
    entry(bo, "enforced a truce alone").get_by_role("link", name="Reply").click()
    reply_box = bo.locator(".compose--reply")
    reply_box.get_by_label("Your comment").fill("The 2011 precedent says otherwise.")
    reply_box.get_by_role("button", name="Post reply").click()
    reply = entry(bo, "The 2011 precedent")
    expect(reply).to_have_class(re.compile("indent-2"))
    assert bo.evaluate("window.noReload") is True
    published("The 2011 precedent")

    ada.reload()
    ada.evaluate("window.noReload = true")
    expect(entry(ada, "The 2011 precedent")).to_be_visible()
    expect(entry(ada, "enforced a truce alone")).to_contain_text("1")  # the like
    entry(ada, "enforced a truce alone").get_by_role("link", name="Edit").click()
    ada.locator(".compose--edit").get_by_label("Your comment").fill(
        "ASEAN has rarely enforced a truce alone."
    )
    ada.locator(".compose--edit").get_by_role("button", name="Save").click()
    expect(entry(ada, "rarely enforced")).to_contain_text("edited")
    # An edit is moderated again, and the worker's approval redraws the line live: a
    # click on the line as it is redrawn would be lost, so the reader deletes after.
    published("rarely enforced")
    expect(entry(ada, "rarely enforced")).not_to_contain_text("awaiting moderation")

    ada.once("dialog", lambda dialog: dialog.accept())
    entry(ada, "rarely enforced").get_by_role("button", name="Delete").click()
    expect(ada.locator(".comment--gone")).to_have_text("[deleted]")
    expect(entry(ada, "The 2011 precedent")).to_be_visible()
    assert ada.evaluate("window.noReload") is True


def test_a_reader_shows_their_vote_in_a_questions_discussion(reader_in_browser):
    cy = reader_in_browser("cy_votes")
    poll = cy.locator("section.poll").first
    poll.get_by_label("No", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(cy.locator("section.poll").first.get_by_role("status")).to_have_text(
        "Your vote is counted."
    )
    cy.locator("section.poll").first.get_by_role("link", name="Discuss this question").click()
    question_discussion = cy.locator("section.poll").first.locator(".discussion")
    question_discussion.get_by_label("Your comment").fill("Regional blocs lack the teeth.")
    question_discussion.get_by_label(re.compile("Show my answer")).check()
    question_discussion.get_by_role("button", name="Post comment").click()
    posted = question_discussion.locator(".comment-entry").filter(has_text="lack the teeth")
    expect(posted.locator(".comment__stance")).to_have_text("voted: No")
    assert cy.evaluate("window.noReload") is True
