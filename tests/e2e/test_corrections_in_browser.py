"""An editor corrects a published article in the admin, saying it is a correction; a reader
sees the correction on the article, and the editor compares the two versions."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import ArticleVersion
from briefing_site.roles import EDITORS
from tests.e2e.test_followups_in_browser import log_in
from tests.services import browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(
    os.environ.get("BRIEFING_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts"
)
NOTE = "An earlier version gave the length of the border as 817 kilometers."


def test_an_editor_saves_a_correction_and_a_reader_sees_it(chromium, own_app_server, demo_article):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead = demo_article.sections.get(position=0)
    context, editor = log_in(
        chromium,
        own_app_server,
        browser_account("nita_corrects", group=EDITORS),
        f"/admin/articles/section/{lead.pk}/change/",
    )
    reader = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        text = editor.locator("#id_blocks-0-text")
        text.fill(text.input_value().replace("roughly 817 kilometers", "roughly 820 kilometers"))
        editor.get_by_role("button", name="Save", exact=True).click()
        # Saved without saying what kind of change it is: asked, and nothing saved.
        expect(editor.locator(".errorlist")).to_contain_text(
            "Say whether this change is a correction, an update or a silent fix"
        )
        editor.get_by_label("Correction").check()
        editor.get_by_label("Note for readers").fill(NOTE)
        editor.get_by_role("button", name="Save", exact=True).click()
        expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")

        reader.goto(f"{own_app_server}{demo_article.get_absolute_url()}")
        corrections = reader.locator("#corrections")
        expect(corrections).to_contain_text("Corrections and updates")
        expect(corrections).to_contain_text("Correction, ")
        expect(corrections).to_contain_text(NOTE)
        expect(reader.locator(".lead")).to_contain_text("roughly 820 kilometers")
        reader.screenshot(path=str(SCREENSHOTS / "article-with-a-correction.png"))

        editor.goto(f"{own_app_server}/admin/articles/article/{demo_article.pk}/change/")
        editor.get_by_role("link", name="2 versions: compare").click()
        diff = editor.locator(".version-diff")
        expect(diff.locator("del")).to_have_text("817")
        expect(diff.locator("ins")).to_have_text("820")
        editor.screenshot(path=str(SCREENSHOTS / "versions-compared.png"))
        assert list(demo_article.versions.values_list("kind", flat=True)) == [
            ArticleVersion.Kind.FIRST,
            ArticleVersion.Kind.CORRECTION,
        ]
    finally:
        reader.close()
        context.close()
