"""A moderator's decisions are on the record: from the admin, the staff log, filtered
by one reader, is that reader's timeline (at a desk and on a phone)."""

import pytest
from playwright.sync_api import expect

from briefing_site.roles import MODERATORS
from tests.e2e.test_workspace_in_browser import held_queue, shot, sign_in  # noqa: F401
from tests.services import browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_a_readers_record_is_one_click_from_the_staff_log(
    chromium,
    app_server,
    held_queue,  # noqa: F811 - the workspace test's fixture
    width,
):
    oldest, edited, _newest = held_queue
    moderator = browser_account(f"rec_moderates_{width}", group=MODERATORS)
    context, page = sign_in(
        chromium, app_server, moderator, viewport={"width": width, "height": 900}
    )
    try:
        page.keyboard.press("a")
        expect(page.locator(f"#card-{oldest.pk}")).to_have_count(0)
        page.keyboard.press("r")
        expect(page.locator(f"#card-{edited.pk}")).to_have_count(0)

        page.goto(f"{app_server}/admin/")
        page.get_by_role("link", name="Staff log entries", exact=True).click()
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(2)
        rows.first.get_by_role("link", name="lena_writes").click()
        expect(page.locator("h1")).to_have_text("Staff log: the record of lena_writes")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("Rejected comment")
        expect(rows.nth(0)).to_contain_text("Personal attack")
        expect(rows.nth(1)).to_contain_text("Approved comment")
        expect(rows.nth(1)).to_contain_text(moderator.username)
        shot(page, f"staff-log-reader-{width}.png")
    finally:
        context.close()
