"""Every payload of xss_payloads.txt, in every field a reader or editor fills, on every page.

The fields: comment and reply bodies, display names, poll proposals, report
notes, and a whole imported briefing (title, ToC and section titles, lead,
paragraphs, list items, table cells and captions, reader questions and their
options, keywords), including follow-ups of the story.

The places: the article page (anonymous and signed in), the front page, each
comment's page, its report and reply pages, the discussion fragment, the poll
fragment, the admin (change lists and change pages, the moderation queue as a
moderator), the Atom and RSS feeds (whose descriptions feed readers show as
HTML), and the /updates/ JSON whose events carry comment HTML for the page.

Each page is compared with the same page rendered from harmless text (see
html_safety.assert_nothing_runs): nothing may be there that could run.
"""

import contextlib
import json
import xml.etree.ElementTree as ET
from html import escape

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from articles.briefing import BriefingError, parse_briefing
from articles.importer import import_briefing
from briefing_site import events
from briefing_site.roles import MODERATORS, ensure_groups
from comments import threads
from comments.live import comment_payload
from comments.models import Comment, ModerationSettings, Report
from comments.rendering import BodyError, render_body
from comments.services import approve_comment, post_comment, report_comment
from polls.models import Choice, Poll
from polls.proposals import ProposalRefused, moderate_proposals, propose_answer
from tests.security.corpus import PAYLOAD_FILE, PAYLOADS, briefing_text, one_line
from tests.security.html_safety import assert_nothing_runs, dangers

HARMLESS = ["Harmless words", "More *plain* text", "A [link](https://example.org/)"]


def test_the_corpus_covers_the_families():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    families = [
        line
        for line in PAYLOAD_FILE.read_text(encoding="utf-8").split("\n")
        if line.startswith("#=")
    ]
    assert len(families) >= 12


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_alone_renders_inert(payload):
    # The comment renderer on its own, one payload at a time (the Markdown context matters).
    assert dangers(render_body(payload.replace("\x00", "")), allowed_tags=None) == []


# --------------------------------------------------------------------------- building the site


def build(prefix: str, texts: list[str]) -> dict:
    """An article with its story, comments, replies, reports and proposals, all from ``texts``."""
    users = get_user_model()
    names = list(dict.fromkeys(text.replace("\x00", "")[:150] or "x" for text in texts))
    authors = [
        users.objects.create_user(username=name, email=f"{prefix}{n}@example.com")
        for n, name in enumerate(names)
    ]
    moderator = users.objects.create_user(
        username=f"{prefix} moderator", email=f"{prefix}-moderator@example.com", is_staff=True
    )
    moderator.groups.add(ensure_groups()[MODERATORS])
    main = import_briefing(parse_briefing(briefing_text(f"{prefix} article", texts)), slug=prefix)
    article = main.article
    imported = 0
    for n, text in enumerate(texts):
        line = one_line(text)[:300] or "x"
        source = f"{line}\nTable of Contents\n- 1. {line}\n{line}\nKeywords: {line}."
        try:
            briefing = parse_briefing(source)
        except BriefingError:
            continue
        import_briefing(briefing, slug=f"{prefix}-{n}", follows=article)
        imported += 1

    comments = []
    for n, text in enumerate(texts):
        parent = comments[n - 1] if n % 2 and comments else None
        body = text.replace("\x00", "")
        try:
            comment = post_comment(
                article=article, author=authors[n % len(authors)], body=body, parent=parent
            )
        except BodyError:
            comment = post_comment(
                article=article, author=authors[n % len(authors)], body=f"{body} words"
            )
        approve_comment(comment.pk)
        comment.refresh_from_db()
        comments.append(comment)
    target_author = users.objects.create_user(username=f"{prefix}-target", email=f"{prefix}@x.org")
    target = post_comment(article=article, author=target_author, body="Reported comment.")
    approve_comment(target.pk)
    target.refresh_from_db()
    thresholds = ModerationSettings.current()
    thresholds.report_threshold = 0  # every report is kept, the comment stays up
    thresholds.save()
    for author, text in zip(authors, texts, strict=False):
        report_comment(
            comment=target,
            reporter=author,
            reason=Report.Reason.OTHER,
            note=text.replace("\x00", "")[:500] or "x",
        )

    open_poll = Poll.objects.filter(article=article, kind=Poll.Kind.OPEN).first()
    for author, text in zip(authors, texts, strict=False):
        with contextlib.suppress(ProposalRefused):  # punctuation only, or too long
            propose_answer(poll=open_poll, text=one_line(text)[:120], user=author)
    moderate_proposals(Choice.objects.filter(poll=open_poll), approve=True, moderator=moderator)
    choice_poll = Poll.objects.filter(article=article, kind=Poll.Kind.CHOICE).first()
    return {
        "article": article,
        "imported": imported,
        "comments": comments,
        "target": target,
        "open_poll": open_poll,
        "choice_poll": choice_poll,
        "authors": authors,
    }


@pytest.fixture(scope="module")
def sites(django_db_setup, django_db_blocker):
    """Both builds once for the module, in a transaction rolled back at its end."""
    quick = override_settings(
        CELERY_TASK_ALWAYS_EAGER=True,
        REDIS_URL="",
        COMMENTS_AUTO_APPROVE=True,
        # Every payload is proposed as an answer, then approved below.
        POLL_MAX_PENDING_PROPOSALS=100_000,
        POLL_MAX_CHOICES=100_000,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), quick, transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            harmless = build("harmless", HARMLESS)
        with TestCase.captureOnCommitCallbacks(execute=True):
            corpus = build("corpus", PAYLOADS)
        yield harmless, corpus
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _whole_discussions(monkeypatch):
    monkeypatch.setattr(threads, "THREADS_PER_PAGE", 1000)


@pytest.fixture
def clients(db, sites, reader, moderator):
    superuser = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    made = {"anonymous": Client(), "reader": Client(), "moderator": Client(), "boss": Client()}
    made["reader"].force_login(reader)
    made["moderator"].force_login(moderator)
    made["boss"].force_login(superuser)
    return made


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def check(client, url_of, sites, where, **headers):
    """The page for the corpus against the same page for the harmless build."""
    harmless, corpus = sites
    baseline = get(client, url_of(harmless), **headers)
    page = get(client, url_of(corpus), **headers).replace("/corpus", "/harmless")
    assert_nothing_runs(page, baseline=baseline, where=where)
    return page


# --------------------------------------------------------------------------- the places


def test_the_payloads_reached_every_field(sites):
    _, corpus = sites
    assert corpus["imported"] >= len(PAYLOADS) * 0.9
    assert Comment.objects.filter(article=corpus["article"], status="approved").count() > len(
        PAYLOADS
    )
    assert Report.objects.filter(comment=corpus["target"]).count() == len(corpus["authors"])
    assert corpus["open_poll"].choices.filter(status="approved").count() > len(PAYLOADS) * 0.7
    assert corpus["article"].polls.count() > len(PAYLOADS)


def test_the_article_page_runs_nothing(sites, clients):
    for who in ("anonymous", "reader"):
        page = check(
            clients[who],
            lambda site: site["article"].get_absolute_url(),
            sites,
            f"article page ({who})",
        )
        # The payloads are on the page, as text.
        assert escape("<script>alert('xss1')</script>", quote=False) in page
    check(clients["anonymous"], lambda site: "/", sites, "front page")
    for page_number in range(2, 11):
        clients["anonymous"].get(f"/?page={page_number}")  # pages past the end are fine


def test_the_discussion_and_poll_fragments_run_nothing(sites, clients):
    for sort in ("best", "newest", "oldest", "replies"):
        check(
            clients["reader"],
            lambda site, sort=sort: (
                reverse("comments:discussion", args=[site["article"].slug]) + f"?sort={sort}"
            ),
            sites,
            f"discussion ({sort})",
            HX_Request="true",
        )
    for poll in ("open_poll", "choice_poll"):
        check(
            clients["reader"],
            lambda site, poll=poll: reverse("polls:poll", args=[site[poll].pk]),
            sites,
            f"poll fragment ({poll})",
            HX_Request="true",
        )


def test_each_comments_own_pages_run_nothing(sites, clients):
    harmless, corpus = sites
    client = clients["reader"]
    for kind in ("detail", "report", "reply"):
        baseline = get(client, reverse(f"comments:{kind}", args=[harmless["comments"][0].pk]))
        for comment in corpus["comments"][:: 1 if kind == "detail" else 7]:
            page = get(client, reverse(f"comments:{kind}", args=[comment.pk]))
            page = page.replace("/corpus", "/harmless")
            assert_nothing_runs(page, baseline=baseline, where=f"{kind} of {comment.body!r}")


ADMIN_PAGES = [
    ("moderator", lambda s: reverse("admin:comments_comment_changelist") + "?all="),
    ("moderator", lambda s: reverse("admin:comments_comment_change", args=[s["target"].pk])),
    ("moderator", lambda s: reverse("admin:comments_comment_change", args=[s["comments"][1].pk])),
    ("boss", lambda s: reverse("admin:comments_comment_changelist") + "?all="),
    ("boss", lambda s: reverse("admin:articles_article_changelist") + "?all="),
    ("boss", lambda s: reverse("admin:articles_article_change", args=[s["article"].pk])),
    ("boss", lambda s: reverse("admin:polls_poll_changelist") + "?all="),
    ("boss", lambda s: reverse("admin:polls_poll_change", args=[s["open_poll"].pk])),
    ("boss", lambda s: reverse("admin:polls_poll_change", args=[s["choice_poll"].pk])),
    ("boss", lambda s: reverse("admin:polls_choice_changelist") + "?all="),
    ("boss", lambda s: reverse("admin:auth_user_changelist") + "?all="),
]


def test_the_admin_runs_nothing(sites, clients):
    shown = []
    for who, url_of in ADMIN_PAGES:
        shown.append(check(clients[who], url_of, sites, f"admin {url_of(sites[1])} as {who}"))
    # The payloads were there to be run: as bodies, names, notes, titles and answers.
    everything = "".join(shown)
    for payload in ("<svg/onload=alert('xss28')>", "<script>alert('xss1')</script>"):
        assert escape(payload) in everything


def html_in_feed(xml: str) -> list[str]:
    """The parts of a feed that feed readers show as HTML."""
    root = ET.fromstring(xml)  # noqa: S314 - our own feed
    shown = []
    for element in root.iter():
        # RSS descriptions are HTML by convention; Atom says so with type="html".
        if element.tag == "description" or element.get("type") == "html":
            shown.append(element.text or "")
    return shown


@pytest.mark.parametrize("feed", ["story-atom", "story-rss", "feed-atom", "feed-rss"])
def test_the_feeds_carry_no_html_that_runs(sites, clients, feed):
    _, corpus = sites
    args = [corpus["article"].slug] if feed.startswith("story") else []
    xml = get(clients["anonymous"], reverse(f"articles:{feed}", args=args))
    shown = html_in_feed(xml)
    assert len(shown) > 20
    problems = [(text, dangers(text)) for text in shown if dangers(text)]
    assert not problems, f"{feed}: {problems[:5]}"


def test_the_updates_json_carries_no_html_that_runs(sites, clients):
    harmless, corpus = sites

    def fragments(site):
        # Each test starts with empty event streams: publish the comments again, as approval did.
        for comment in site["comments"]:
            events.publish(site["article"].pk, "comment.published", comment_payload(comment.pk))
        url = reverse("articles:updates", args=[site["article"].slug]) + "?since=0-0"
        data = json.loads(get(clients["anonymous"], url))
        # live.js inserts only these as HTML; every other string goes in with textContent.
        return [
            (f"{event['event']}.{key}", event["data"][key])
            for event in data["events"]
            for key in ("html", "html_anonymous")
            if key in event["data"]
        ]

    baseline = "".join(html for _, html in fragments(harmless))
    html = fragments(corpus)
    assert len(html) >= len(PAYLOADS) // 2
    for path, fragment in html:
        assert_nothing_runs(fragment, baseline=baseline, where=f"/updates/ {path}")
