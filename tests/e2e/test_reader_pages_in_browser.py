"""Every page a reader meets, in Chromium with JavaScript on: nothing in the console
(Content-Security-Policy violations included), and HTML the Nu HTML checker (npm's
vnu-jar, run with Debian's Java) finds no error in but htmx's own attributes.

The pages are those of a lively discussion as one reader sees it: names linking to
profiles, a mention, a muted reader's comments folded (and unfolded), their notices.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from briefing_site.models import Mute, SitePage
from comments.models import Comment
from comments.services import approve_comment, post_comment
from tests.services import BROWSER_PASSWORD, ROOT, browser_account, unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = Path(
    os.environ.get("BRIEFING_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts"
)
# htmx's attributes (hx-*, and sse-* of its SSE extension) are not HTML's.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “(hx|sse)-[a-z-]+” not allowed on element")

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportViolation(event.violatedDirective + " " + (event.sourceFile || "") + ":"
    + event.lineNumber + " " + (event.sample || "") + " on " + location.pathname);
});
"""


@pytest.fixture(scope="module")
def vnu():
    if not VNU.exists():
        unavailable(f"{VNU.relative_to(ROOT)} is missing (make node-modules, or npm ci)")
    java = shutil.which("java")
    if java is None:
        unavailable("java is missing (apt-get install default-jre-headless)")
    return [java, "-jar", str(VNU)]


class Reader:
    """A browser context that records console errors, failed requests and policy
    violations, and keeps the HTML of each page it opens."""

    def __init__(self, chromium, app_server, width):
        self.app_server = app_server
        self.errors: list[str] = []
        self.pages: dict[str, str] = {}
        height = 900 if width > 600 else 740
        self.context = chromium.new_context(viewport={"width": width, "height": height})
        self.context.expose_function("reportViolation", lambda found: self.errors.append(found))
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location['url']})")

    def open(self, name, path, *, status=200):
        response = self.page.goto(f"{self.app_server}{path}")
        assert response.status == status, f"{name}: {response.status}"
        self.pages[name] = response.text()
        # 404 logs its own console line in Chromium ("Failed to load resource"): expected.
        if status >= 400:
            self.errors = [e for e in self.errors if "Failed to load resource" not in e]
        return self.page

    def log_in(self, user):
        self.page.goto(f"{self.app_server}/accounts/login/")
        self.page.get_by_label("Email").fill(user.email)
        self.page.get_by_label("Password").fill(BROWSER_PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def assert_clean(self):
        self.page.wait_for_timeout(300)  # a violation event comes as a task of its own
        assert self.errors == []


@pytest.fixture
def reader_in(chromium, app_server):
    contexts = []

    def open_reader(width=1280):
        reader = Reader(chromium, app_server, width)
        contexts.append(reader.context)
        return reader

    yield open_reader
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _one_secret_key(settings, production_env):
    """The comments posted here are announced from this process: it keys their authors
    with the app's own secret, as every process of one site does."""
    settings.SECRET_KEY = production_env["SECRET_KEY"]


@pytest.fixture
def discussion(demo_article):
    """kanya's view of a discussion: bo answers and mentions her; cy, whom she muted,
    wrote a comment (an editors' pick) that bo answered."""
    kanya = browser_account("kanya_reads")
    bo = browser_account("bo_writes")
    cy = browser_account("cy_spoils")
    poll = demo_article.polls.order_by("pk").first()

    def say(author, body, *, parent=None, on_poll=None):
        # Nothing queued for a worker one session may have started: approved here.
        with mock.patch("comments.services.comment_submitted"):
            comment = post_comment(
                article=demo_article, author=author, body=body, parent=parent, poll=on_poll
            )
        approve_comment(comment.pk)
        return Comment.objects.get(pk=comment.pk)

    hers = say(kanya, "Monitors on both sides of the line, or nothing holds.")
    say(bo, "Agreed, and the monitors must be unarmed.", parent=hers)
    say(bo, "As @kanya_reads said, monitors come first.")
    spoiler = say(cy, "Nobody will ever agree to anything here.")
    Comment.objects.filter(pk=spoiler.pk).update(featured=True)
    under = say(bo, "They agreed to a truce twice already.", parent=spoiler)
    say(bo, "The question deserves a straight answer.", on_poll=poll)
    Mute.objects.create(reader=kanya, muted=cy)
    # A migration writes the guidelines; an earlier transactional test's flush took them.
    SitePage.objects.get_or_create(
        slug="guidelines",
        defaults={"title": "Community guidelines", "body": "Be civil.\n\n- Stay on topic."},
    )
    return {"kanya": kanya, "bo": bo, "cy": cy, "poll": poll, "spoiler": spoiler, "under": under}


def shoot(page, name, element=None):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (element or page).screenshot(path=SCREENSHOTS / f"{name}.png")


def validate(vnu, pages: dict[str, str], folder: Path) -> list[str]:
    """The Nu checker's errors on each page, but htmx's own attributes."""
    files = {}
    for name, html in pages.items():
        path = folder / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.html"
        path.write_text(html)
        files[path.as_uri()] = name
    result = subprocess.run(
        [
            *vnu,
            "--format",
            "json",
            "--exit-zero-always",
            "--stdout",
            *(str(p) for p in folder.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    messages = json.loads(result.stdout)["messages"]
    return [
        f"{files.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        f" [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] == "error" and not HTMX_ATTRIBUTE.match(m["message"])
    ]


@pytest.mark.parametrize("width", [1280, 360])
def test_every_reader_page_logs_nothing_and_is_valid_html(
    reader_in, demo_article, discussion, vnu, width, tmp_path
):
    kanya, cy, spoiler = discussion["kanya"], discussion["cy"], discussion["spoiler"]
    reader = reader_in(width)
    page = reader.page
    article_url = demo_article.get_absolute_url()
    discussion_url = reverse("comments:discussion", args=[demo_article.slug])

    reader.open("front page", "/")
    reader.open("login", "/accounts/login/")
    reader.open("signup", "/accounts/signup/")
    reader.open("article, anonymous", article_url)
    reader.open("404", "/no-such-page/", status=404)
    reader.log_in(kanya)

    reader.open("article", article_url)
    comments = page.locator("#discussion-article")
    # Names link to profiles; the mention too.
    mention = comments.locator(".comment__body a", has_text="@kanya_reads")
    expect(mention).to_have_attribute("href", "/readers/kanya_reads/")
    expect(comments.locator(".comment__author a", has_text="bo_writes").first).to_have_attribute(
        "href", "/readers/bo_writes/"
    )
    # cy's comment is folded, in the thread and among the picks; the reply under it is not.
    folded = page.locator(f"#c{spoiler.pk} details.comment-fold")
    expect(folded.locator("summary")).to_contain_text("You muted cy_spoils.")
    expect(folded.get_by_text("Nobody will ever agree")).to_be_hidden()
    expect(page.locator(".picks details.comment-fold")).to_have_count(1)
    expect(page.get_by_text("They agreed to a truce twice already.")).to_be_visible()
    shoot(page, f"reader-muted-folded-{width}", page.locator(f"#c{spoiler.pk}"))
    folded.locator("summary").click()
    expect(folded.get_by_text("Nobody will ever agree")).to_be_visible()
    shoot(page, f"reader-muted-unfolded-{width}", page.locator(f"#c{spoiler.pk}"))

    # A muted reader's comment arriving live comes folded too.
    expect(page.locator("article[data-live-state]")).to_have_attribute(
        "data-live-state", "streaming"
    )
    with mock.patch("comments.services.comment_submitted"):
        live = post_comment(
            article=demo_article,
            author=cy,
            body="Still nobody agrees.",
            parent=discussion["under"],
        )
    approve_comment(live.pk)
    arrived = page.locator(f"#c{live.pk}")
    expect(arrived.locator("details.comment-fold summary")).to_contain_text("You muted cy_spoils.")
    expect(arrived.get_by_text("Still nobody agrees.")).to_be_hidden()

    # htmx swaps: another order, the mute button.
    comments.get_by_role("link", name="Newest").click()
    expect(page.locator("#discussion-article [aria-current]")).to_have_text("Newest")

    reader.open("discussion", discussion_url)
    question = reader.open("question", f"{discussion_url}?poll={discussion['poll'].pk}")
    expect(question.locator(".question-poll section.poll")).to_be_visible()
    shoot(question, f"reader-question-{width}")
    question.locator(".question-poll").get_by_label("Yes", exact=True).check()
    question.locator(".question-poll").get_by_role("button", name="Vote").click()
    expect(question.locator(".question-poll").get_by_role("status")).to_be_visible()

    reader.open("permalink of a muted reader's comment", spoiler.get_absolute_url())
    expect(page.locator(f"#c{spoiler.pk} details.comment-fold")).to_have_count(1)
    expect(page.get_by_text("They agreed to a truce twice already.")).to_be_visible()
    reader.open("permalink", discussion["under"].get_absolute_url())

    profile = reader.open("profile", "/readers/bo_writes/")
    expect(profile.get_by_role("heading", name="bo_writes")).to_be_visible()
    shoot(profile, f"reader-profile-{width}")
    profile.get_by_role("button", name="Mute bo_writes").click()
    profile.get_by_role("button", name="Unmute").click()
    expect(profile.get_by_role("button", name="Mute bo_writes")).to_be_visible()

    reader.open("muted readers", "/muted/")
    notices = reader.open("notices", "/notices/")
    expect(notices.locator(".notice")).to_have_count(2)
    expect(notices.get_by_role("link", name="bo_writes").first).to_have_attribute(
        "href", "/readers/bo_writes/"
    )
    shoot(notices, f"reader-notices-{width}")
    reader.open("guidelines", "/guidelines/")
    reader.assert_clean()

    errors = validate(vnu, reader.pages, tmp_path)
    assert errors == [], "\n".join(errors)
