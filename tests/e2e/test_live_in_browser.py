"""Two readers on the demo article: what one does arrives on the other's screen, no reload."""

import datetime as dt
import os
import re
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from articles import live
from articles.models import Article, FollowupQuestion, Section
from articles.publishing import publish, start_followup
from briefing_site.roles import MODERATORS
from comments.models import Comment
from comments.services import approve_comment, post_comment, set_editors_pick
from polls.models import Choice, Poll
from polls.voting import cast_vote
from tests.polls.conftest import choice_named, cookie_voter
from tests.services import BROWSER_PASSWORD, browser_account, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BRIEFING_SCREENSHOTS")


@pytest.fixture
def open_article(app_server, demo_article, chromium):
    contexts = []

    def open_as(username=None, *, width=1280, block_stream=False, group=None):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        if block_stream:
            # A proxy that breaks event streams: the page must fall back to polling.
            page.route("**/events/**", lambda route: route.fulfill(status=502, body="Bad gateway"))
        if username:
            user = browser_account(username, group=group)
            page.goto(f"{app_server}/accounts/login/?next={demo_article.get_absolute_url()}")
            page.get_by_label("Email").fill(user.email)
            page.get_by_label("Password").fill(BROWSER_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"**{demo_article.get_absolute_url()}")
        else:
            page.goto(f"{app_server}{demo_article.get_absolute_url()}")
        page.evaluate("window.noReload = true")
        return page

    yield open_as
    for context in contexts:
        context.close()


def streaming(page):
    expect(page.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "streaming"
    )


def yes_no_poll(page):
    return page.locator("section.poll").filter(has_text="Yes").first


def approved(text):
    wait_until(
        lambda: Comment.objects.filter(body__contains=text, status="approved").exists(),
        timeout=60,
        what=f"the worker approving {text!r}",
    )


def test_a_reader_sees_votes_comments_and_a_follow_up_arrive_without_reloading(
    open_article, celery_worker, demo_article
):
    watcher = open_article()
    streaming(watcher)
    yes_no_poll(watcher).get_by_label("No", exact=True).check()
    yes_no_poll(watcher).get_by_role("button", name="Vote").click()
    expect(yes_no_poll(watcher).get_by_text("1 reader voted.")).to_be_visible()

    writer = open_article("kanya_writes")
    streaming(writer)
    yes_no_poll(writer).get_by_label("Yes", exact=True).check()
    yes_no_poll(writer).get_by_role("button", name="Vote").click()

    # The watcher's bars move.
    expect(yes_no_poll(watcher).get_by_text("2 readers voted.")).to_be_visible()
    meters = yes_no_poll(watcher).locator("meter")
    expect(meters.first).to_have_attribute("value", "50")

    discussion = writer.locator("#discussion-article")
    discussion.get_by_label("Your comment").fill("The observers should report publicly.")
    # The post's answer tells the author it awaits moderation; the worker may approve it
    # before the browser has drawn that answer, so the answer itself is what is checked.
    with writer.expect_response(lambda response: "/comments/post/" in response.url) as posted:
        discussion.get_by_role("button", name="Post comment").click()
    assert "awaiting moderation" in posted.value.text()
    mine = writer.locator(".comment-entry").filter(has_text="report publicly")
    approved("report publicly")

    # The author's own comment turns published in place, once.
    expect(mine).not_to_contain_text("awaiting moderation")
    expect(writer.locator(".comment-entry").filter(has_text="report publicly")).to_have_count(1)
    expect(writer.locator("[data-new-comments-for]").first).to_be_hidden()

    # The watcher is offered it, rather than having the page move under them.
    show = watcher.get_by_role("button", name="1 new comment: show")
    expect(show).to_be_visible()
    expect(watcher.locator(".comment-entry").filter(has_text="report publicly")).to_have_count(0)
    if SCREENSHOTS:
        watcher.locator("#discussion-article").screenshot(
            path=str(Path(SCREENSHOTS) / "live-new-comments.png")
        )
        yes_no_poll(watcher).screenshot(path=str(Path(SCREENSHOTS) / "live-poll-results.png"))
    show.click()
    expect(watcher.locator(".comment-entry").filter(has_text="report publicly")).to_be_visible()
    expect(show).to_be_hidden()
    count = watcher.locator("#discussion-article h2 .count")
    expect(count).to_have_text("(1)")

    # A reply to a comment on screen appears under it straight away.
    parent = Comment.objects.get(body__contains="report publicly")
    reply = post_comment(
        article=demo_article,
        author=parent.author,
        body="And publish the maps too.",
        parent=parent,
    )
    approve_comment(reply.pk)
    reply_entry = watcher.locator(f"#c{reply.pk}")
    expect(reply_entry).to_have_class(re.compile("indent-2"))
    expect(watcher.locator(f"#c{parent.pk} + #c{reply.pk}")).to_have_count(1)
    expect(count).to_have_text("(2)")

    followup = Article.objects.create(
        title="Defence officials agree to meet in Bangkok",
        slug="defence-officials-meet",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
        lead="The first meeting since the clashes is set for Thursday.",
    )
    live.followup_published(followup, [demo_article.pk])
    banner = watcher.locator(".live-banner")
    expect(banner).to_contain_text("Follow-up:")
    expect(banner.get_by_role("link", name=followup.title)).to_have_attribute(
        "href", followup.get_absolute_url()
    )
    if SCREENSHOTS:
        watcher.screenshot(path=str(Path(SCREENSHOTS) / "live-follow-up-banner.png"))
        watcher.set_viewport_size({"width": 360, "height": 780})
        watcher.locator("#discussion-article").scroll_into_view_if_needed()
        watcher.screenshot(path=str(Path(SCREENSHOTS) / "live-follow-up-banner-phone.png"))
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_have_count(0)
    assert watcher.evaluate("window.noReload") is True
    assert writer.evaluate("window.noReload") is True


def test_a_removed_comment_leaves_every_screen(open_article, demo_article, reader):
    comment = post_comment(article=demo_article, author=reader, body="Soon to be removed.")
    approve_comment(comment.pk)
    watcher = open_article(width=360)
    streaming(watcher)
    expect(watcher.locator(f"#c{comment.pk}")).to_be_visible()
    from comments.services import reject_comment

    reject_comment(comment.pk)
    expect(watcher.locator(f"#c{comment.pk}")).to_have_count(0)


def test_where_streams_are_broken_the_page_polls_for_updates(open_article, demo_article):
    watcher = open_article(block_stream=True)
    followup = Article.objects.create(
        title="Ceasefire monitors arrive",
        slug="ceasefire-monitors-arrive",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
        lead="Monitors from three countries reached the border.",
    )
    live.followup_published(followup, [demo_article.pk])
    expect(watcher.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "polling", timeout=15_000
    )
    expect(watcher.locator(".live-banner")).to_contain_text("Ceasefire monitors arrive")


def test_a_reply_approved_before_its_answer_arrives_is_shown_once(
    open_article, celery_worker, demo_article
):
    ada = browser_account("ada_first")
    with mock.patch("comments.services.comment_submitted"):  # approved here, not queued
        said = post_comment(article=demo_article, author=ada, body="Talks resume on Thursday.")
    approve_comment(said.pk)
    page = open_article("bo_replies")
    streaming(page)

    def answer_late(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()  # saved and queued: the worker approves it and tells
        approved("Bangkok hosts them")  # every screen, this one included...
        time.sleep(2)  # ...before this answer to the post reaches the page
        route.fulfill(response=response)

    page.route("**/reply/", answer_late)
    # Whether a copy of the reply appeared while the reply form was still open.
    page.evaluate(
        """() => new MutationObserver(() => {
            const copy = [...document.querySelectorAll(".comment-entry")].some(
                (li) => li.textContent.includes("Bangkok hosts them"));
            if (copy && document.querySelector("form.compose--reply")) {
                window.liveCopyFirst = true;
            }
        }).observe(document.body, {childList: true, subtree: true})"""
    )
    page.locator(f"#c{said.pk}").get_by_role("link", name="Reply").click()
    page.locator(f"#reply-to-{said.pk}").fill("Bangkok hosts them, as before.")
    page.get_by_role("button", name="Post reply").click()

    expect(page.locator("form.compose--reply")).to_have_count(0)
    assert page.evaluate("window.liveCopyFirst") is True
    copies = page.locator(".comment-entry").filter(has_text="Bangkok hosts them")
    expect(copies).to_have_count(1)
    reply = Comment.objects.get(body__startswith="Bangkok hosts them")
    expect(page.locator(f"#c{reply.pk}")).to_have_count(1)
    assert page.evaluate("window.noReload") is True


def approved_at_once(article, author, body="Talks resume on Thursday.", parent=None):
    """A comment posted and approved here (moderation is not queued for it)."""
    with mock.patch("comments.services.comment_submitted"):
        comment = post_comment(article=article, author=author, body=body, parent=parent)
    approve_comment(comment.pk)
    return Comment.objects.get(pk=comment.pk)


class HeldAnswers:
    """Answers the server gives at once but the page gets only when the test releases
    them, in the order it chooses: the first request to each held address."""

    def __init__(self, page):
        self.page = page
        self.held = {}

    def hold(self, name, address, method=None):
        def answer_later(route):
            if name in self.held or (method and route.request.method != method):
                route.continue_()
            else:
                self.held[name] = (route, route.fetch())

        self.page.route(f"**{address}", answer_later)

    def wait_for(self, name):
        for _ in range(200):
            if name in self.held:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"the page never asked for the {name}")

    def release(self, name):
        self.wait_for(name)
        route, response = self.held[name]
        route.fulfill(response=response)
        self.page.wait_for_timeout(300)  # the page takes it in


def watching_adas_comment(open_article, demo_article):
    """Ada's published comment, and Bo's page streaming with its line."""
    said = approved_at_once(demo_article, browser_account("ada_writes"))
    page = open_article("bo_likes")
    streaming(page)
    return said, page, page.locator(f"#c{said.pk}")


@pytest.mark.parametrize("first", ["redraw", "deletion"])
def test_a_line_redrawn_live_as_its_author_deletes_it_stays_deleted(
    open_article, demo_article, moderator, first
):
    page = open_article("ada_deletes")
    said = approved_at_once(demo_article, get_user_model().objects.get(username="ada_deletes"))
    page.reload()
    page.evaluate("window.noReload = true")
    streaming(page)
    answers = HeldAnswers(page)
    answers.hold("redraw", said.urls["detail"], method="GET")
    answers.hold("deletion", said.urls["delete"])
    # An editor picks the comment: every page showing it redraws that line, and its
    # author's page asks for it as its author sees it (drawn now, before the deletion).
    set_editors_pick(comment=said, actor=moderator, picked=True)
    answers.wait_for("redraw")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#c{said.pk}").get_by_role("button", name="Delete").click()
    answers.wait_for("deletion")
    # The redraw reaches the page just before or just after the answer to Delete.
    for name in ("redraw", "deletion") if first == "redraw" else ("deletion", "redraw"):
        answers.release(name)

    expect(page.get_by_text("Talks resume on Thursday")).to_have_count(0)
    expect(page.locator(f"#c{said.pk}")).to_have_count(0)
    assert page.evaluate("window.noReload") is True


def test_a_comment_redrawn_live_keeps_what_its_reader_did_with_it(
    open_article, demo_article, moderator
):
    said, page, line = watching_adas_comment(open_article, demo_article)
    line.get_by_role("button", name="Like").click()
    expect(line.get_by_role("button", name="Liked · 1")).to_be_visible()

    set_editors_pick(comment=said, actor=moderator, picked=True)

    expect(line.locator(".comment__featured")).to_have_text("Editors’ pick")
    expect(line.get_by_role("button", name="Liked · 1")).to_be_visible()
    if SCREENSHOTS:
        line.screenshot(path=str(Path(SCREENSHOTS) / "live-redraw-keeps-like.png"))
    assert page.evaluate("window.noReload") is True


def test_a_comment_changed_while_its_reader_acts_on_it_shows_both(
    open_article, demo_article, moderator
):
    said, page, line = watching_adas_comment(open_article, demo_article)
    answers = HeldAnswers(page)
    answers.hold("like", said.urls["like"])
    line.get_by_role("button", name="Like").click()
    answers.wait_for("like")
    # An editor picks it while the answer to the reader's Like is on its way.
    set_editors_pick(comment=said, actor=moderator, picked=True)
    page.wait_for_timeout(1000)  # the pick reaches the page
    answers.release("like")

    expect(line.get_by_role("button", name="Liked · 1")).to_be_visible()
    expect(line.locator(".comment__featured")).to_have_text("Editors’ pick")


def test_a_comment_changed_twice_while_redrawn_ends_as_it_now_is(
    open_article, demo_article, moderator
):
    said, page, line = watching_adas_comment(open_article, demo_article)
    line.get_by_role("button", name="Like").click()
    expect(line.get_by_role("button", name="Liked · 1")).to_be_visible()
    answers = HeldAnswers(page)
    answers.hold("redraw", said.urls["detail"], method="GET")
    set_editors_pick(comment=said, actor=moderator, picked=True)
    answers.wait_for("redraw")  # drawn now: picked
    # Taken off the picks again while that redraw is still on its way.
    set_editors_pick(comment=said, actor=moderator, picked=False)
    page.wait_for_timeout(1000)  # the change reaches the page
    answers.release("redraw")

    expect(line.locator(".comment__featured")).to_have_count(0)
    expect(line.get_by_role("button", name="Liked · 1")).to_be_visible()


def test_a_moderator_keeps_their_buttons_on_comments_that_arrive_or_change_live(
    open_article, demo_article, moderator
):
    ada = browser_account("ada_writes")
    said = approved_at_once(demo_article, ada)
    page = open_article("mo_watches", group=MODERATORS)
    streaming(page)
    line = page.locator(f"#c{said.pk}")
    expect(line.get_by_role("button", name="Make an editors’ pick")).to_be_visible()

    set_editors_pick(comment=said, actor=moderator, picked=True)
    expect(line.get_by_role("button", name="Remove from editors’ picks")).to_be_visible()

    reply = approved_at_once(demo_article, ada, "In Bangkok, as before.", parent=said)
    arrived = page.locator(f"#c{reply.pk}")
    expect(arrived).to_contain_text("In Bangkok, as before.")
    expect(arrived.get_by_role("button", name="Make an editors’ pick")).to_be_visible()
    if SCREENSHOTS:
        page.set_viewport_size({"width": 360, "height": 780})
        line.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SCREENSHOTS) / "live-moderator-buttons-360.png"))
    assert page.evaluate("window.noReload") is True


def test_the_results_move_and_the_readers_own_vote_stays_marked(
    open_article, celery_worker, demo_article
):
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.YES_NO)
    Choice.objects.filter(poll=poll, text="Not sure").update(text="Not sure: too early")
    watcher = open_article()
    streaming(watcher)
    card = yes_no_poll(watcher)
    card.get_by_label("Not sure: too early").check()
    card.get_by_role("button", name="Vote").click()
    expect(card.get_by_text("1 reader voted.")).to_be_visible()

    cast_vote(poll=poll, choice_id=choice_named(poll, "No").pk, voter=cookie_voter(1))

    expect(card.get_by_text("2 readers voted.")).to_be_visible()
    mine = card.locator(".result--mine")
    expect(mine).to_contain_text("Not sure: too early Your vote")
    expect(mine.locator("meter")).to_have_attribute(
        "aria-label", "Not sure: too early: 50 percent, 1 vote"
    )
    no = choice_named(poll, "No")
    expect(card.locator(f'[data-choice="{no.pk}"] meter')).to_have_attribute(
        "aria-label", "No: 50 percent, 1 vote"
    )
    assert watcher.evaluate("window.noReload") is True


def test_what_readers_said_in_a_follow_up_moves_with_the_votes(
    app_server, chromium, celery_worker, demo_article
):
    Article.objects.filter(pk=demo_article.pk).update(
        published_at=timezone.now() - dt.timedelta(days=1)
    )
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.YES_NO)
    piece = start_followup(demo_article, title="Officials meet", slug="officials-meet")
    Section.objects.create(article=piece, position=0, title="", level=2, anchor="lead")
    Section.objects.create(article=piece, position=1, title="The meeting", level=2, anchor="m")
    FollowupQuestion.objects.create(followup=piece, poll=poll, after_section=1)
    publish(piece)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{app_server}{piece.get_absolute_url()}")
        page.evaluate("window.noReload = true")
        streaming(page)
        said = page.locator(".results-block")
        expect(said.get_by_text("0 readers voted.")).to_be_visible()

        cast_vote(poll=poll, choice_id=choice_named(poll, "Yes").pk, voter=cookie_voter(1))

        expect(said.get_by_text("1 reader voted.")).to_be_visible()
        expect(said.locator(".result").filter(has_text="Yes")).to_contain_text("100% (1)")
        assert page.evaluate("window.noReload") is True
    finally:
        context.close()
