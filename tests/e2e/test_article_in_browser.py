"""The demo article in a real browser (Debian's Chromium driven by Playwright)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# `make screenshots` points this at tests/e2e/screenshots/, the pictures in the README.
SCREENSHOTS = Path(
    os.environ.get("BRIEFING_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts"
)


@pytest.fixture
def open_article(app_server, demo_article, chromium):
    pages = []

    def open_at(width, height):
        page = chromium.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        page.goto(f"{app_server}{demo_article.get_absolute_url()}")
        return page

    yield open_at
    for page in pages:
        page.close()


def test_a_reader_sees_the_headline_follows_the_contents_and_reads_the_tables(open_article):
    page = open_article(1280, 900)
    headline = page.get_by_role("heading", level=1)
    assert headline.inner_text().startswith("Breaking: ASEAN Urges Restraint")

    contents = page.get_by_role("navigation", name="In this briefing")
    links = contents.get_by_role("link")
    assert links.count() == 15
    section_heading = page.get_by_role("heading", name="Case Study: 2022 Thai‑Cambodian")
    expect(section_heading).not_to_be_in_viewport()
    links.filter(has_text="Case Study: 2022").click()
    page.wait_for_url("**#case-study-2022-thai-cambodian-defence-dialogue")
    expect(section_heading).to_be_in_viewport()

    tables = page.get_by_role("table")
    assert tables.count() == 2
    timeline = page.get_by_role(
        "table", name="Thailand‑Cambodia Defence talks: Timeline & Core Agenda"
    )
    assert timeline.get_by_role("columnheader").all_inner_texts() == [
        "Date (2025)",
        "Location",
        "Primary Focus",
        "ASEAN involvement",
    ]
    assert timeline.get_by_role("row").count() == 4

    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "article-desktop.png")


def test_on_a_phone_nothing_overflows_the_screen(open_article):
    page = open_article(360, 780)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    assert page.get_by_role("heading", level=1).is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "article-phone.png")


def test_the_skip_link_moves_focus_to_the_content(open_article):
    page = open_article(1280, 900)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
