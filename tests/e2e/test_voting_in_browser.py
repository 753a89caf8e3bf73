"""Voting on the demo article in a real browser, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_reader(app_server, demo_article, chromium):
    contexts = []

    def open_article(**options):
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{app_server}{demo_article.get_absolute_url()}")
        return page

    yield open_article
    for context in contexts:
        context.close()


def first_poll(page):
    return page.locator("section.poll").first


def test_a_reader_votes_and_the_results_replace_the_form_without_a_reload(new_reader):
    page = new_reader()
    page.evaluate("window.stillTheSamePage = true")
    poll = first_poll(page)
    poll.get_by_label("Yes", exact=True).check()
    poll.get_by_role("button", name="Vote").click()

    poll = first_poll(page)
    expect(poll.get_by_role("status")).to_have_text("Your vote is counted.")
    expect(poll.get_by_text("1 reader voted.")).to_be_visible()
    expect(poll.locator(".result--mine")).to_contain_text("Yes")
    assert page.evaluate("window.stillTheSamePage") is True

    page.reload()
    poll = first_poll(page)
    expect(poll.locator(".result--mine")).to_contain_text("Your vote")
    expect(poll.get_by_text("Change your vote")).to_be_visible()

    other = new_reader()
    other_poll = first_poll(other)
    expect(other_poll.get_by_role("button", name="Vote")).to_be_visible()
    other_poll.get_by_label("No", exact=True).check()
    other_poll.get_by_role("button", name="Vote").click()
    expect(first_poll(other).get_by_text("2 readers voted.")).to_be_visible()
    results = first_poll(other).locator("meter")
    assert [results.nth(i).get_attribute("value") for i in range(3)] == ["50", "50", "0"]


def test_a_reader_changes_then_withdraws_their_vote(new_reader):
    page = new_reader()
    poll = first_poll(page)
    poll.get_by_label("Not sure").check()
    poll.get_by_role("button", name="Vote").click()
    expect(first_poll(page).locator(".result--mine")).to_contain_text("Not sure")

    first_poll(page).get_by_text("Change your vote").click()
    first_poll(page).get_by_label("No", exact=True).check()
    first_poll(page).get_by_role("button", name="Change my vote").click()
    expect(first_poll(page).locator(".result--mine .result__text")).to_have_text(
        re.compile(r"^\s*No\s+Your vote\s*$")
    )

    first_poll(page).get_by_role("button", name="Withdraw my vote").click()
    expect(first_poll(page).get_by_role("status")).to_have_text("Your vote is withdrawn.")
    expect(first_poll(page).get_by_role("button", name="Vote")).to_be_visible()


def test_without_javascript_the_poll_is_a_plain_form(new_reader, demo_article):
    page = new_reader(java_script_enabled=False)
    poll = first_poll(page)
    poll.get_by_label("No", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    page.wait_for_url("**#poll-*")
    expect(first_poll(page).get_by_text("1 reader voted.")).to_be_visible()
    expect(first_poll(page).locator(".result--mine .result__text")).to_have_text(
        re.compile(r"^\s*No\s+Your vote\s*$")
    )


def test_a_reader_proposes_an_answer_to_the_open_question(new_reader):
    page = new_reader()
    open_question = page.locator("section.poll").nth(1)
    open_question.get_by_label("Propose an answer").fill("Independent monitors on both sides")
    open_question.get_by_role("button", name="Send").click()
    open_question = page.locator("section.poll").nth(1)
    # The first pass may already have run: either way the reader is told.
    expect(open_question.get_by_role("status")).to_contain_text("Thanks")
    expect(open_question.get_by_text("Independent monitors on both sides")).to_be_visible()
