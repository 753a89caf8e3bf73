"""A reader who uses only the keyboard votes, comments, replies and reports.

No mouse: Tab, Shift+Tab, Space, Enter and typing. After every HTMX swap focus stays
somewhere that makes sense (never back on <body>), and every focused control shows a
visible focus indicator.
"""

import re
from unittest import mock

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from comments.live import comment_published
from comments.models import Comment, Report
from comments.services import approve_comment, post_comment, reject_comment
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MOST_TABS = 300
# A reader's new comment awaits moderation, or is already published (with its Reply
# link) if a Celery worker the session started earlier got to it first.
SHOWN = re.compile("awaiting moderation|Reply")


def focused_matches(page, selector) -> bool:
    return page.evaluate(
        "selector => !!document.activeElement && document.activeElement.matches(selector)",
        selector,
    )


def tab_to(page, selector, *, backwards=False):
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MOST_TABS):
        if focused_matches(page, selector):
            assert_focus_is_visible(page)
            return
        page.keyboard.press(key)
    there = page.locator(selector).count()
    was = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 120)")
    raise AssertionError(
        f"{MOST_TABS} presses of {key} never reached {selector} ({there} on the page; "
        f"focus on {was})"
    )


def assert_focus_is_visible(page):
    style = page.evaluate(
        """() => {
            const element = document.activeElement;
            const css = getComputedStyle(element);
            return {
                tag: element.tagName, outline: css.outlineStyle,
                width: parseFloat(css.outlineWidth), shadow: css.boxShadow,
            };
        }"""
    )
    outlined = style["outline"] != "none" and style["width"] > 0
    assert outlined or style["shadow"] != "none", f"no visible focus indicator: {style}"


def assert_focus_inside(page, selector):
    """Focus lands on or inside `selector` (and so is not lost to <body>)."""
    try:
        page.wait_for_function(
            """selector => {
                const active = document.activeElement;
                return !!active && active !== document.body && !!active.closest(selector);
            }""",
            arg=selector,
            timeout=5000,
        )
    except PlaywrightTimeout:
        was = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 120)")
        raise AssertionError(f"focus is not in {selector} but on {was}") from None


@pytest.fixture
def keyboard_reader(request, chromium, app_server, demo_article):
    ada = browser_account("ada_reads")
    # Approved here, with no moderation queued: a worker the session started earlier
    # would otherwise publish it again mid-test, redrawing it under the reader.
    with mock.patch("comments.services.comment_submitted"):
        said = post_comment(
            article=demo_article, author=ada, body="ASEAN has never enforced a truce."
        )
    approve_comment(said.pk)
    said = Comment.objects.get(pk=said.pk)

    reader = browser_account("kim_keys")
    width = 360 if getattr(request, "param", "desktop") == "phone" else 1280
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{app_server}/accounts/login/?next={demo_article.get_absolute_url()}")
    page.get_by_label("Email").fill(reader.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.evaluate("window.noReload = true")
    yield page, said
    context.close()


@pytest.mark.parametrize("keyboard_reader", ["desktop", "phone"], indirect=True)
def test_a_keyboard_reader_votes_comments_replies_and_reports(keyboard_reader):
    page, ada_said = keyboard_reader
    poll = page.locator("section.poll").first
    poll_id = poll.get_attribute("id")

    # Vote: into the poll's answers, Space picks the first (Yes), Enter on Vote.
    tab_to(page, f"#{poll_id} input[type=radio]")
    page.keyboard.press("Space")
    expect(poll.get_by_label("Yes", exact=True)).to_be_checked()
    tab_to(page, f"#{poll_id} button[type=submit]")
    page.keyboard.press("Enter")
    poll = page.locator(f"#{poll_id}")
    expect(poll.get_by_role("status")).to_have_text("Your vote is counted.")
    expect(poll.get_by_text("1 reader voted.")).to_be_visible()
    expect(poll.locator(".result--mine")).to_contain_text("Yes")
    assert_focus_inside(page, f"#{poll_id} .poll__message")
    assert_focus_is_visible(page)

    # Comment: on to the article's discussion, type, Tab to Post comment, Enter.
    tab_to(page, "#body-article")
    page.keyboard.type("Keyboards are how some of us read the news.")
    tab_to(page, "#compose-article button[type=submit]")
    page.keyboard.press("Enter")
    mine = page.locator(".comment-entry").filter(has_text="Keyboards are how")
    expect(mine).to_contain_text(SHOWN)
    expect(page.locator("#body-article")).to_have_value("")
    assert_focus_inside(page, f"#c{Comment.objects.get(body__startswith='Keyboards').pk}")

    # Like: the button is swapped for its new state and keeps the focus.
    tab_to(page, f"#like-{ada_said.pk} button")
    page.keyboard.press("Enter")
    liked = page.locator(f"#like-{ada_said.pk} button")
    expect(liked).to_have_attribute("aria-pressed", "true")
    expect(liked).to_have_text(re.compile(r"Liked\s*·\s*1"))
    expect(liked).to_be_focused()

    # Reply: Tab on to Ada's Reply link; Enter opens the reply box with focus in it.
    tab_to(page, f"#c{ada_said.pk} [data-reply-link]")
    page.keyboard.press("Enter")
    reply_box = page.locator(f"#reply-to-{ada_said.pk}")
    expect(reply_box).to_be_focused()
    page.keyboard.type("Not alone, but it has hosted every talk since 2011.")
    tab_to(page, ".compose--reply button[type=submit]")
    page.keyboard.press("Enter")
    reply = page.locator(f"#c{ada_said.pk} + .comment-entry")
    expect(reply).to_contain_text("hosted every talk")
    expect(reply).to_contain_text(SHOWN)
    expect(reply).to_have_class(re.compile(r"\bindent-2\b"))
    assert_focus_inside(page, f"#c{ada_said.pk} + .comment-entry")

    # Report: back up (Shift+Tab) to Ada's Report link, pick a reason, add a note, send.
    tab_to(page, f"#c{ada_said.pk} a[href$='/report/']", backwards=True)
    page.keyboard.press("Enter")
    assert_focus_inside(page, f"#reply-slot-{ada_said.pk} .compose--report")
    tab_to(page, f"#reply-slot-{ada_said.pk} input[type=radio]")
    page.keyboard.press("ArrowDown")  # from the first reason to the second
    checked = page.locator(f"#reply-slot-{ada_said.pk} input[type=radio]:checked")
    expect(checked).to_have_count(1)
    reason = checked.get_attribute("value")
    tab_to(page, f"#reply-slot-{ada_said.pk} textarea")
    page.keyboard.type("Repeated in three threads.")
    tab_to(page, f"#reply-slot-{ada_said.pk} button[type=submit]")
    page.keyboard.press("Enter")
    thanks = page.locator(f"#reply-slot-{ada_said.pk}").get_by_role("status")
    expect(thanks).to_have_text("Thanks: the moderators will look at it.")
    assert_focus_inside(page, f"#reply-slot-{ada_said.pk} .comment__notice")
    report = Report.objects.get(comment=ada_said)
    assert report.note == "Repeated in three threads."
    assert report.reason == reason != "spam"  # the second reason, chosen with an arrow key

    assert page.evaluate("window.noReload") is True


def test_a_keyboard_reader_edits_then_deletes_their_comment(keyboard_reader, celery_worker):
    page, _ = keyboard_reader
    tab_to(page, "#body-article")
    page.keyboard.type("A first thought.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".comment-entry").filter(has_text="A first thought.")).to_be_visible()
    pk = Comment.objects.get(body="A first thought.").pk
    mine = page.locator(f"#c{pk}")
    # The worker publishes it, and the reader's page redraws it live (with Reply).
    expect(mine.get_by_role("link", name="Reply")).to_be_visible(timeout=30_000)
    assert_focus_inside(page, f"#c{pk}")

    tab_to(page, f"#c{pk} a[href$='/edit/']")
    page.keyboard.press("Enter")
    box = page.locator(f"#edit-{pk}")
    expect(box).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("A second thought.")
    tab_to(page, f"#c{pk} .compose--edit button[type=submit]")
    page.keyboard.press("Enter")
    expect(mine).to_contain_text("A second thought.")
    expect(mine).to_contain_text("edited")
    expect(mine.get_by_role("link", name="Reply")).to_be_visible(timeout=30_000)  # again
    assert_focus_inside(page, f"#c{pk}")

    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, f"#c{pk} .comment__actions button")
    expect(page.locator(f"#c{pk} .comment__actions button")).to_have_text("Delete")
    page.keyboard.press("Enter")
    # Without replies it leaves the page; focus moves to the comment beside it.
    expect(mine).to_have_count(0)
    assert_focus_inside(page, "#comments-article .comment-entry")
    assert page.evaluate("window.noReload") is True


def test_a_comment_removed_live_under_the_keyboard_leaves_focus_beside_it(
    keyboard_reader, demo_article
):
    page, ada_said = keyboard_reader
    with mock.patch("comments.services.comment_submitted"):
        bo_said = post_comment(
            article=demo_article, author=browser_account("bo_writes"), body="Later, Bo."
        )
    approve_comment(bo_said.pk)
    expect(page.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "streaming"
    )
    page.get_by_role("button", name="1 new comment: show").wait_for()
    tab_to(page, "[data-new-comments-for]")
    page.keyboard.press("Enter")  # shows Bo's comment, and focuses it
    expect(page.locator(f"#c{bo_said.pk}")).to_be_visible()
    tab_to(page, f"#like-{bo_said.pk} button")

    reject_comment(bo_said.pk)  # a moderator takes it down while the reader is on it
    expect(page.locator(f"#c{bo_said.pk}")).to_have_count(0)
    assert_focus_inside(page, f"#c{ada_said.pk}")


def test_a_live_redraw_does_not_throw_away_a_reply_being_typed(keyboard_reader, demo_article):
    page, ada_said = keyboard_reader
    expect(page.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "streaming"
    )
    tab_to(page, f"#c{ada_said.pk} [data-reply-link]")
    page.keyboard.press("Enter")
    box = page.locator(f"#reply-to-{ada_said.pk}")
    expect(box).to_be_focused()
    page.keyboard.type("Half a thought")

    comment_published(ada_said)  # Ada's comment is sent to every reader again
    with mock.patch("comments.services.comment_submitted"):
        later = post_comment(
            article=demo_article, author=browser_account("bo_writes"), body="Later."
        )
    approve_comment(later.pk)
    # The stream is in order: once Bo's comment is announced, Ada's has arrived too.
    expect(page.get_by_role("button", name="1 new comment: show")).to_be_visible()
    expect(box).to_have_value("Half a thought")
    expect(box).to_be_focused()


def test_cancelling_a_reply_gives_focus_back_to_the_reply_link(keyboard_reader):
    page, ada_said = keyboard_reader
    tab_to(page, f"#c{ada_said.pk} [data-reply-link]")
    page.keyboard.press("Enter")
    expect(page.locator(f"#reply-to-{ada_said.pk}")).to_be_focused()
    tab_to(page, f"#reply-slot-{ada_said.pk} [data-cancel-reply]")
    page.keyboard.press("Enter")
    expect(page.locator(f"#reply-to-{ada_said.pk}")).to_have_count(0)
    expect(page.locator(f"#c{ada_said.pk} [data-reply-link]")).to_be_focused()


def test_the_skip_link_is_the_first_stop_and_takes_the_reader_to_the_content(keyboard_reader):
    page, _ = keyboard_reader
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
