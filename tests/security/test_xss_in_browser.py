"""The whole XSS corpus in a real browser: nothing runs, nothing is blocked trying.

The corpus goes into an imported briefing (title, sections, tables, lists,
questions, keywords) and into approved comments, replies and display names on
it. Chromium loads the article as a reader and the admin as a moderator, with
alert/confirm/prompt replaced by recorders, a dialog handler, a listener for
Content-Security-Policy violations (an injected inline script or handler the
policy had to stop is a hole all the same) and a watch on requests leaving for
the payloads' evil.example. Nothing may be recorded.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from articles.briefing import parse_briefing
from articles.importer import import_briefing
from briefing_site.roles import MODERATORS
from comments.services import approve_comment, post_comment
from tests.security.corpus import PAYLOADS, briefing_text
from tests.services import BROWSER_PASSWORD, browser_account

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PER_COMMENT = 10

RECORD = """
(() => {
  const report = (what) => window.reportXss(what + " on " + location.pathname);
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => report(name + "(" + args.join(",") + ")");
  }
  document.addEventListener("securitypolicyviolation", (event) => {
    report("blocked " + event.violatedDirective + ": " + event.sample);
  });
})();
"""


def account(username, *, group=None):
    # Payload names make no email address: the address is made from a hash.
    return browser_account(username, group=group, email=f"{abs(hash(username))}@example.com")


@pytest.fixture
def corpus_article():
    with override_settings(COMMENTS_AUTO_APPROVE=True):
        article = import_briefing(parse_briefing(briefing_text("Corpus", PAYLOADS))).article
        chunks = [PAYLOADS[i : i + PER_COMMENT] for i in range(0, len(PAYLOADS), PER_COMMENT)]
        for n, chunk in enumerate(chunks):
            body = "\n\n".join(payload.replace("\x00", "") for payload in chunk)
            author = account(PAYLOADS[n].replace("\x00", "")[:150])
            with transaction.atomic():
                comment = post_comment(article=article, author=author, body=body)
            approve_comment(comment.pk)
            comment.refresh_from_db()
            replier = account(PAYLOADS[-1 - n].replace("\x00", "")[:150])
            with transaction.atomic():
                reply = post_comment(article=article, author=replier, body=body, parent=comment)
            approve_comment(reply.pk)
    return article, comment


def test_nothing_from_the_corpus_runs_in_chromium(chromium, app_server, corpus_article):
    article, comment = corpus_article
    moderator = account("xss-moderator", group=MODERATORS)
    found, leaving = [], []
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.expose_function("reportXss", lambda what: found.append(what))
    context.add_init_script(RECORD)
    page = context.new_page()
    page.on("dialog", lambda dialog: (found.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on(
        "request", lambda request: "evil.example" in request.url and leaving.append(request.url)
    )
    try:
        page.goto(f"{app_server}{article.get_absolute_url()}")
        # The recorders work: an alert, and an inline handler the policy stops.
        page.evaluate("""() => {
          alert("probe");
          document.body.insertAdjacentHTML("beforeend", '<img src="/x.png" onerror="alert(2)">');
        }""")
        page.wait_for_timeout(500)
        assert found[0].startswith("alert(probe)")
        assert any(what.startswith("blocked script-src") for what in found[1:]), found
        found.clear()
        page.goto(f"{app_server}{article.get_absolute_url()}")
        # The payloads are on the page, as text.
        assert page.get_by_text("<script>alert('xss1')</script>").count() > 0
        page.mouse.move(300, 300)
        page.keyboard.press("Tab")
        page.wait_for_timeout(500)

        page.goto(f"{app_server}/accounts/login/?next=/admin/")
        page.get_by_label("Email").fill(moderator.email)
        page.get_by_label("Password").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        for url in (
            reverse("admin:comments_comment_changelist"),
            reverse("admin:comments_comment_change", args=[comment.pk]),
            article.get_absolute_url(),
        ):
            page.goto(f"{app_server}{url}")
            page.wait_for_timeout(300)
    finally:
        context.close()
    assert found == []
    assert leaving == []
