"""The guarded states, as the people who meet them see them in Chromium: a reader on a
closed article, an author whose comment a moderator rejected, a long thread paged, and
an editor held to two-factor authentication before the admin."""

import os
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from articles.models import Article
from comments import moderator_actions
from comments.models import Comment
from comments.services import approve_comment, post_comment
from comments.threads import REPLIES_PER_PAGE
from tests.services import BROWSER_PASSWORD, browser_account, uvicorn, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 800)}


def screenshot(page, name, *, full_page=True):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


def log_in(context, base_url, user, next_url):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def approved(article, author, body):
    comment = post_comment(article=article, author=author, body=body)
    approve_comment(comment.pk)
    comment.refresh_from_db()
    return comment


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_reader_on_a_closed_article_is_told_and_offered_no_form(
    chromium, app_server, demo_article, viewport, javascript
):
    writer = browser_account("early_writer")
    approved(demo_article, writer, "Written before the comments closed.")
    Article.objects.filter(pk=demo_article.pk).update(comments_closed=True)
    reader = browser_account("late_reader")
    width, height = VIEWPORTS[viewport]
    context = chromium.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript
    )
    try:
        page = log_in(context, app_server, reader, demo_article.get_absolute_url())
        discussion = page.locator("#discussion-article")
        expect(discussion.get_by_text("Comments on this article are closed")).to_be_visible()
        expect(discussion.get_by_text("Written before the comments closed.")).to_be_visible()
        expect(page.get_by_label("Your comment")).to_have_count(0)
        expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
        expect(page.get_by_role("link", name="Reply")).to_have_count(0)
        discussion.get_by_text("Comments on this article are closed").scroll_into_view_if_needed()
        state = "js" if javascript else "no-js"
        screenshot(page, f"closed-article-{viewport}-{state}", full_page=False)
    finally:
        context.close()


def test_an_author_whose_comment_a_moderator_rejected_sees_why_and_cannot_edit_it_back(
    chromium, app_server, demo_article
):
    author = browser_account("rejected_author")
    moderator = browser_account("mod_on_duty", group="Moderators")
    comment = approved(demo_article, author, "Everyone on the other side is a liar.")
    moderator_actions.reject(comment=comment, moderator=moderator, reason="Personal attack")

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = log_in(context, app_server, author, comment.get_absolute_url())
        entry = page.locator(f"#c{comment.pk}")
        expect(entry).to_contain_text("not published")
        expect(entry.get_by_role("link", name="Edit")).to_have_count(0)
        screenshot(page, "rejected-comment-author")

        # The edit form, reached by its address, refuses and keeps the decision.
        page.goto(f"{app_server}{comment.urls['edit']}")
        expect(page.get_by_text("can no longer be edited")).to_be_visible()
    finally:
        context.close()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    assert comment.version == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_reader_pages_through_a_long_thread_and_meets_every_reply_once(
    chromium, app_server, demo_article, javascript
):
    writer = browser_account("busy_writer")
    root = approved(demo_article, writer, "A comment that drew a crowd.")
    total = REPLIES_PER_PAGE + 7
    for n in range(total):
        reply = Comment(
            article=demo_article,
            author=writer,
            body=f"Crowd reply {n:02}",
            body_html=f"<p>Crowd reply {n:02}</p>",
            status=Comment.Status.APPROVED,
        )
        Comment.objects.add_child(Comment.objects.get(pk=root.pk), instance=reply)
    Comment.objects.filter(pk=root.pk).update(reply_count=total)

    context = chromium.new_context(
        viewport={"width": 360, "height": 800}, java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        page.goto(f"{app_server}{demo_article.get_absolute_url()}")
        page.get_by_role("link", name=f"Show {total - 3} more replies").click()
        expect(page.get_by_text("Crowd reply 03")).to_be_visible()
        page.get_by_role("link", name=f"Show {total - 3 - REPLIES_PER_PAGE} more replies").click()
        expect(page.get_by_text(f"Crowd reply {total - 1:02}")).to_be_visible()
        expect(page.get_by_role("link", name="more replies")).to_have_count(0)
        screenshot(page, f"long-thread-last-page-{'js' if javascript else 'no-js'}")
        shown = page.get_by_text("Crowd reply").all_inner_texts()
        if javascript:  # the pages were added below the first replies, on the article
            assert sorted(shown) == [f"Crowd reply {n:02}" for n in range(total)]
        else:  # each page is the comment's own, continuing after the last shown
            assert shown == [f"Crowd reply {n:02}" for n in range(3 + REPLIES_PER_PAGE, total)]
    finally:
        context.close()


def current_code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_an_editor_sets_up_two_factor_before_the_admin_and_is_asked_for_it_next_time(
    chromium, production_env
):
    editor = browser_account("editor_on_duty", group="Editors")
    with uvicorn({**production_env, "STAFF_REQUIRE_MFA": "1"}, workers=1) as base_url:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{base_url}/admin/")
            page.get_by_label("Email").fill(editor.email)
            page.get_by_label("Password").fill(BROWSER_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_text("needs two-factor authentication")).to_be_visible()
            # allauth asks for the password again before changing what guards an account.
            page.get_by_label("Password").fill(BROWSER_PASSWORD)
            page.get_by_role("button", name="Confirm").click()
            secret = page.get_by_label("Authenticator secret").input_value()
            screenshot(page, "two-factor-set-up")
            activation_code = current_code(secret)
            page.get_by_label("Authenticator code").fill(activation_code)
            page.get_by_role("button", name="Activate").click()
            page.goto(f"{base_url}/admin/")
            expect(page.get_by_role("heading", name="Newsroom", level=1)).to_be_visible()
            assert Authenticator.objects.filter(user=editor).exists()

            page.get_by_role("button", name="Log out").first.click()
            page.goto(f"{base_url}/admin/")
            page.get_by_label("Email").fill(editor.email)
            page.get_by_label("Password").fill(BROWSER_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_label("Code", exact=True)).to_be_visible()
            screenshot(page, "two-factor-asked")
            # A code is taken once: the log-in needs the authenticator's next one.
            wait_until(
                lambda: current_code(secret) != activation_code,
                timeout=35,
                what="the authenticator's next code",
            )
            page.get_by_label("Code", exact=True).fill(current_code(secret))
            page.get_by_role("button", name="Sign In").click()
            expect(page.get_by_role("heading", name="Newsroom", level=1)).to_be_visible()
        finally:
            context.close()
