"""Who may do what: every URL and every admin page, for every role, as one table.

The table below is the spec. Each cell is what that role gets from that
request: a status code, `login` (302 to the readers' log-in page) or `admin`
(302 to the admin's log-in page). Rows that write carry a `state`: for every
cell the table refuses, the state must be the same after the request as
before (nobody edits, deletes, likes or reports as someone else, a moderator
changes no article, an editor bans nobody); for every cell it allows, the
state must have changed, so the check can fail.

Every cell runs in its own savepoint, rolled back afterwards: each role meets
the same data. The whole table fails at once with the mismatched cells listed.

docs/permissions.md shows this table, written by `manage.py write_permissions_doc`;
tests/test_docs.py fails when the document is stale.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from articles import following
from articles.models import Article, Section, StoryFollow
from briefing_site import staff_log
from briefing_site.models import Mute, Notice, SitePage
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    Like,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
    Report,
)
from comments.services import approve_comment, post_comment
from polls.models import Choice, Poll, Vote

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "other", "moderator", "editor", "superuser"]
ROLE_TITLES = {
    "anonymous": "anonymous",
    "reader": "reader (the author)",
    "other": "another reader",
    "moderator": "moderator",
    "editor": "editor",
    "superuser": "superuser",
}
# Codes that refuse: with them, a write row's state must not move.
REFUSED = {"login", "admin", "400", "403", "404", "405", "409", "422", "429"}


@dataclass
class Row:
    what: str
    method: str
    path: str  # with {placeholders} from the fixture's objects
    cells: str  # one code per role, in ROLES order
    data: dict = field(default_factory=dict)
    # What the request would change: must stay put where refused, move where allowed.
    state: Callable | None = None
    headers: dict = field(default_factory=dict)

    @property
    def expected(self) -> dict[str, str]:
        codes = self.cells.split()
        assert len(codes) == len(ROLES), f"{self.what}: {len(codes)} cells"
        return dict(zip(ROLES, codes, strict=True))


def _comment(o):
    c = Comment.objects.get(pk=o.comment.pk)
    return (c.body, c.deleted_at, c.status, c.featured)


def _pending(o):
    c = Comment.objects.get(pk=o.pending.pk)
    rows = (Comment.objects.count(), Like.objects.count(), Report.objects.count())
    return (c.body, c.deleted_at, c.status, c.featured, c.like_count, c.report_count, rows)


def _likes(o):
    return (Like.objects.count(), Comment.objects.get(pk=o.comment.pk).like_count)


def _reports(o):
    return (Report.objects.count(), Comment.objects.get(pk=o.comment.pk).report_count)


def _comment_count(o):
    return Comment.objects.count()


def _featured(o):
    return Comment.objects.get(pk=o.comment.pk).featured


def _votes(o):
    return sorted(Vote.objects.values_list("user_id", "voter_key", "choice_id"))


def _choices(o):
    return sorted(Choice.objects.filter(poll=o.open_poll).values_list("text", "status"))


def _follows(o):
    return sorted(StoryFollow.objects.values_list("user_id", "story_id"))


def _mutes(o):
    return sorted(Mute.objects.values_list("reader_id", "muted_id"))


def _notices(o):
    return sorted(Notice.objects.values_list("user_id", "read_at"))


def _article(o):
    a = Article.objects.filter(pk=o.article.pk).values_list("title", "comments_closed").first()
    return a, Article.objects.count()


def _article_premoderated(o):
    return Article.objects.filter(pk=o.article.pk).values_list("premoderate").first()


def _articles(o):
    return Article.objects.count()


def _standing(o):
    return list(
        AuthorStanding.objects.filter(user=o.reader).values_list(
            "banned_at", "suspended_until", "premoderate", "trusted"
        )
    )


def _banned_standing(o):
    return list(AuthorStanding.objects.filter(user=o.banned).values_list("banned_at"))


def _staff_standing(o):
    return list(
        AuthorStanding.objects.filter(user=o.staff).values_list(
            "banned_at", "suspended_until", "premoderate", "trusted"
        )
    )


def _active(o):
    return get_user_model().objects.get(pk=o.reader.pk).is_active


def _polls_closed(o):
    return sorted(Poll.objects.filter(article=o.article).values_list("pk", "closed_at"))


def _terms(o):
    return ModeratedTerm.objects.count()


def _proposal(o):
    return Choice.objects.get(pk=o.proposal.pk).status


def _emails(o):
    return list(EmailAddress.objects.filter(user=o.reader).values_list("email", "verified"))


def _action(name, ids_key, **extra):
    return {"action": name, "_selected_action": ids_key, "index": "0", **extra}


# ---------------------------------------------------------------------------
# The table: anonymous, reader (the author), another reader, moderator, editor, superuser
# ---------------------------------------------------------------------------

SITE = [
    Row("front page", "GET", "/", "200 200 200 200 200 200"),
    Row("article page", "GET", "/articles/{slug}/", "200 200 200 200 200 200"),
    Row("discussion", "GET", "/articles/{slug}/comments/", "200 200 200 200 200 200"),
    Row(
        "a question's discussion",
        "GET",
        "/articles/{slug}/comments/?poll={poll}",
        "200 200 200 200 200 200",
    ),
    Row("comment page", "GET", "/comments/{comment}/", "200 200 200 200 200 200"),
    Row("more replies (no htmx)", "GET", "/comments/{comment}/replies/", "302 302 302 302 302 302"),
    Row("Atom feed", "GET", "/feeds/latest.atom", "200 200 200 200 200 200"),
    Row("RSS feed", "GET", "/feeds/latest.rss", "200 200 200 200 200 200"),
    Row("story Atom feed", "GET", "/articles/{slug}/story.atom", "200 200 200 200 200 200"),
    Row("story RSS feed", "GET", "/articles/{slug}/story.rss", "200 200 200 200 200 200"),
    Row("story page", "GET", "/stories/{slug}/", "200 200 200 200 200 200"),
    Row("story page's Atom feed", "GET", "/stories/{slug}/feed.atom", "200 200 200 200 200 200"),
    Row("story page's RSS feed", "GET", "/stories/{slug}/feed.rss", "200 200 200 200 200 200"),
    Row("topic page", "GET", "/topics/{topic}/", "200 200 200 200 200 200"),
    Row("topic Atom feed", "GET", "/topics/{topic}/feed.atom", "200 200 200 200 200 200"),
    Row("topic RSS feed", "GET", "/topics/{topic}/feed.rss", "200 200 200 200 200 200"),
    Row("sitemap", "GET", "/sitemap.xml", "200 200 200 200 200 200"),
    Row("health check", "GET", "/healthz", "200 200 200 200 200 200"),
    Row("robots.txt", "GET", "/robots.txt", "200 200 200 200 200 200"),
    Row("site icon", "GET", "/favicon.ico", "301 301 301 301 301 301"),
    Row("live events (SSE)", "GET", "/articles/{slug}/events/", "200 200 200 200 200 200"),
    Row(
        "live updates (polling)",
        "GET",
        "/articles/{slug}/updates/?since={since}",
        "204 204 204 204 204 204",
    ),
    Row("poll fragment (no htmx)", "GET", "/polls/{poll}/", "302 302 302 302 302 302"),
    Row("notices", "GET", "/notices/", "login 200 200 200 200 200"),
    Row(
        "mark notices read",
        "POST",
        "/notices/",
        "login 303 303 303 303 303",
        state=_notices,
    ),
    Row("notices link", "GET", "/notices/link/", "204 200 200 200 200 200"),
    Row(
        "stop reply emails, another link's token",
        "GET",
        "/notices/email/off/{token}/",
        "400 400 400 400 400 400",
    ),
    Row("community guidelines", "GET", "/guidelines/", "200 200 200 200 200 200"),
    Row("a site page that does not exist", "GET", "/pages/{slug}/", "404 404 404 404 404 404"),
    Row("a reader's page", "GET", "/readers/{reader_name}/", "200 200 200 200 200 200"),
    Row(
        "mute a reader",
        "POST",
        "/readers/{reader_name}/mute/",
        "login 409 303 303 303 303",
        state=_mutes,
    ),
    Row("readers you muted", "GET", "/muted/", "login 200 200 200 200 200"),
    # Comments
    Row(
        "post a comment",
        "POST",
        "/articles/{slug}/comments/post/",
        "login 303 303 303 303 303",
        data={"body": "A new comment."},
        state=_comment_count,
    ),
    Row("post a comment", "GET", "/articles/{slug}/comments/post/", "405 405 405 405 405 405"),
    Row("reply form", "GET", "/comments/{comment}/reply/", "login 200 200 200 200 200"),
    Row(
        "reply",
        "POST",
        "/comments/{comment}/reply/",
        "login 303 303 303 303 303",
        data={"body": "A reply."},
        state=_comment_count,
    ),
    Row("edit form", "GET", "/comments/{comment}/edit/", "login 200 403 403 403 403"),
    Row(
        "edit a comment",
        "POST",
        "/comments/{comment}/edit/",
        "login 303 403 403 403 403",
        data={"body": "Rewritten by whoever posted this."},
        state=_comment,
    ),
    Row("delete confirmation", "GET", "/comments/{comment}/delete/", "login 200 403 200 200 200"),
    Row(
        "delete a comment",
        "POST",
        "/comments/{comment}/delete/",
        "login 303 403 303 303 303",
        state=_comment,
    ),
    Row(
        "like (the author may not)",
        "POST",
        "/comments/{comment}/like/",
        "login 422 303 303 303 303",
        state=_likes,
    ),
    Row("like", "GET", "/comments/{comment}/like/", "405 405 405 405 405 405"),
    Row("report form", "GET", "/comments/{comment}/report/", "login 200 200 200 200 200"),
    Row(
        "report a comment",
        "POST",
        "/comments/{comment}/report/",
        "login 303 303 303 303 303",
        data={"reason": "spam"},
        state=_reports,
    ),
    Row(
        "pick as editors' pick",
        "POST",
        "/comments/{comment}/pick/",
        "login 403 403 302 302 302",
        state=_featured,
    ),
    Row("pick", "GET", "/comments/{comment}/pick/", "405 405 405 405 405 405"),
    # A comment awaiting moderation: its author's alone (moderators use the admin)
    Row("pending comment's page", "GET", "/comments/{pending}/", "404 200 404 404 404 404"),
    Row(
        "reply to a pending comment",
        "POST",
        "/comments/{pending}/reply/",
        "login 422 404 404 404 404",
        data={"body": "A reply."},
        state=_pending,
    ),
    Row(
        "edit a pending comment",
        "POST",
        "/comments/{pending}/edit/",
        "login 303 404 404 404 404",
        data={"body": "Second thoughts."},
        state=_pending,
    ),
    Row(
        "like a pending comment",
        "POST",
        "/comments/{pending}/like/",
        "login 422 404 404 404 404",
        state=_pending,
    ),
    Row(
        "report a pending comment",
        "POST",
        "/comments/{pending}/report/",
        "login 422 404 404 404 404",
        data={"reason": "spam"},
        state=_pending,
    ),
    Row(
        "pick a pending comment",
        "POST",
        "/comments/{pending}/pick/",
        "login 403 404 404 404 404",
        state=_pending,
    ),
    Row(
        "delete a pending comment",
        "POST",
        "/comments/{pending}/delete/",
        "login 303 404 404 404 404",
        state=_pending,
    ),
    # Polls
    Row(
        "vote",
        "POST",
        "/polls/{poll}/vote/",
        "303 303 303 303 303 303",
        data={"choice": "{choice}"},
        state=_votes,
    ),
    Row("vote", "GET", "/polls/{poll}/vote/", "405 405 405 405 405 405"),
    Row(
        "vote for another poll's answer",
        "POST",
        "/polls/{poll}/vote/",
        "422 422 422 422 422 422",
        data={"choice": "{foreign_choice}"},
        state=_votes,
    ),
    Row(
        "withdraw a vote",
        "POST",
        "/polls/{poll}/withdraw/",
        "303 303 303 303 303 303",
    ),
    Row(
        "propose an answer",
        "POST",
        "/polls/{open_poll}/propose/",
        "303 303 303 303 303 303",
        data={"text": "Something else entirely"},
        state=_choices,
    ),
    # Following
    Row(
        "follow the story",
        "POST",
        "/articles/{slug}/follow/",
        "login 302 302 302 302 302",
        state=_follows,
    ),
    Row("follow", "GET", "/articles/{slug}/follow/", "405 405 405 405 405 405"),
    Row("unfollow link (signed)", "GET", "/unfollow/{token}/", "200 200 200 200 200 200"),
    Row(
        "unfollow by the link",
        "POST",
        "/unfollow/{token}/",
        "200 200 200 200 200 200",
        state=_follows,
    ),
    Row(
        "unfollow with a forged link",
        "POST",
        "/unfollow/{forged_token}/",
        "400 400 400 400 400 400",
        state=_follows,
    ),
    # Accounts (allauth): the pages that matter
    Row("log in", "GET", "/accounts/login/", "200 302 302 302 302 302"),
    Row("sign up", "GET", "/accounts/signup/", "200 302 302 302 302 302"),
    Row("log out", "GET", "/accounts/logout/", "302 200 200 200 200 200"),
    Row("email addresses", "GET", "/accounts/email/", "login 200 200 200 200 200"),
    Row("change password", "GET", "/accounts/password/change/", "login 200 200 200 200 200"),
    Row("reset password", "GET", "/accounts/password/reset/", "200 200 200 200 200 200"),
    Row("confirm it is you", "GET", "/accounts/reauthenticate/", "login 200 200 200 200 200"),
    # Codes by email are off: it is you by your password, so both go back to that form.
    Row(
        "confirm it is you by an emailed code (off: 302 to the password form)",
        "GET",
        "/accounts/reauthenticate/code/",
        "login 302 302 302 302 302",
    ),
    Row(
        "enter the emailed code (off: 302 to the previous page)",
        "GET",
        "/accounts/reauthenticate/code/confirm/",
        "login 302 302 302 302 302",
    ),
    # Two-factor authentication (allauth.mfa): anyone signed in may set it up.
    # Changing it first asks for the password again (302 to "confirm it is you");
    # the pages of an authenticator not set up are 404.
    Row("two-factor authentication", "GET", "/accounts/2fa/", "login 200 200 200 200 200"),
    Row(
        "enter the authenticator code (only mid-log-in: 302 to the log-in)",
        "GET",
        "/accounts/2fa/authenticate/",
        "login 302 302 302 302 302",
    ),
    Row(
        "confirm it is you by an authenticator code (none set up: 302)",
        "GET",
        "/accounts/2fa/reauthenticate/",
        "login 302 302 302 302 302",
    ),
    Row(
        "set up an authenticator app",
        "GET",
        "/accounts/2fa/totp/activate/",
        "login 302 302 302 302 302",
    ),
    Row(
        "turn the authenticator app off",
        "GET",
        "/accounts/2fa/totp/deactivate/",
        "login 404 404 404 404 404",
    ),
    Row("recovery codes", "GET", "/accounts/2fa/recovery-codes/", "login 404 404 404 404 404"),
    Row(
        "new recovery codes",
        "GET",
        "/accounts/2fa/recovery-codes/generate/",
        "login 302 302 302 302 302",
    ),
    Row(
        "download recovery codes",
        "GET",
        "/accounts/2fa/recovery-codes/download/",
        "login 404 404 404 404 404",
    ),
    # Missing things are 404 for everyone, never a 500
    Row("no such article", "GET", "/articles/no-such-thing/", "404 404 404 404 404 404"),
    Row("no such comment", "GET", "/comments/999999/", "404 404 404 404 404 404"),
    Row(
        "no such poll",
        "POST",
        "/polls/999999/vote/",
        "404 404 404 404 404 404",
        data={"choice": "1"},
    ),
]

# Admin: (model admin url prefix, the object's key, changelist add change delete history)
ADMIN_MODELS = [
    # label, url, obj, anonymous/reader see the admin's log-in page; then moderator, editor, super
    ("article", "articles/article", "article", "200 403 200 403 200", "200 200 200 200 200"),
    # a published article's sections go from its page, which asks what kind of change it is
    ("section", "articles/section", "section", "200 403 200 403 200", "200 200 200 403 200"),
    ("poll", "polls/poll", "poll", "200 403 200 403 200", "200 200 200 200 200"),
    ("proposed answer", "polls/choice", "proposal", "200 403 200 403 200", "200 403 200 403 200"),
    ("comment", "comments/comment", "comment", "200 403 200 403 200", "200 403 200 403 200"),
    (
        "moderation settings",
        "comments/moderationsettings",
        "settings_row",
        "302 403 200 403 200",
        "403 403 403 403 403",
    ),
    ("moderated term", "comments/moderatedterm", "term", "200 200 200 200 200", "403 " * 5),
    ("blocked domain", "comments/blockeddomain", "domain", "200 200 200 200 200", "403 " * 5),
    ("author standing", "comments/authorstanding", "standing", "200 403 200 403 200", "403 " * 5),
    (
        "moderation decision",
        "comments/moderationdecision",
        "decision",
        "200 403 200 403 200",
        "200 403 200 403 200",
    ),
    ("user", "auth/user", "reader", "403 " * 5, "403 " * 5),
    ("group", "auth/group", "group", "403 " * 5, "403 " * 5),
    ("email address", "account/emailaddress", "email", "403 " * 5, "403 " * 5),
    ("authenticator", "mfa/authenticator", "authenticator", "403 " * 5, "403 " * 5),
    ("periodic task", "django_celery_beat/periodictask", "task", "403 " * 5, "403 " * 5),
    ("clocked schedule", "django_celery_beat/clockedschedule", "clocked", "403 " * 5, "403 " * 5),
    ("crontab", "django_celery_beat/crontabschedule", "crontab", "403 " * 5, "403 " * 5),
    ("solar schedule", "django_celery_beat/solarschedule", "solar", "403 " * 5, "403 " * 5),
    ("interval", "django_celery_beat/intervalschedule", "interval", "403 " * 5, "403 " * 5),
    ("site page", "briefing_site/sitepage", "site_page", "403 " * 5, "200 200 200 200 200"),
    (
        "staff log",
        "briefing_site/staffact",
        "staff_act",
        "200 403 200 403 200",
        "200 403 200 403 200",
    ),
]
# What the superuser gets where it differs from 200 (pages the admin never offers).
SUPERUSER_EXCEPTIONS = {
    ("proposed answer", "add"): "403",  # readers propose answers
    ("proposed answer", "delete"): "403",  # rejected answers are kept
    ("comment", "add"): "403",
    ("comment", "delete"): "403",  # decisions are kept forever
    ("moderation settings", "changelist"): "302",  # the one row's page
    ("moderation settings", "add"): "403",  # one row only
    ("moderation settings", "delete"): "403",
    ("moderation decision", "add"): "403",
    ("moderation decision", "delete"): "403",
    ("staff log", "add"): "403",  # written by the acts themselves
    ("staff log", "delete"): "403",
    ("section", "delete"): "403",  # of a published article
}
PAGES = ["changelist", "add", "change", "delete", "history"]
PAGE_PATHS = {
    "changelist": "/admin/{url}/",
    "add": "/admin/{url}/add/",
    "change": "/admin/{url}/{{{obj}}}/change/",
    "delete": "/admin/{url}/{{{obj}}}/delete/",
    "history": "/admin/{url}/{{{obj}}}/history/",
}


def _admin_page_rows():
    rows = []
    for label, url, obj, moderator, editor in ADMIN_MODELS:
        mod, ed = moderator.split(), editor.split()
        for n, page in enumerate(PAGES):
            sup = SUPERUSER_EXCEPTIONS.get((label, page), "200")
            cells = f"admin admin admin {mod[n]} {ed[n]} {sup}"
            path = PAGE_PATHS[page].format(url=url, obj=obj)
            rows.append(Row(f"admin: {label} {page}", "GET", path, cells))
    return rows


ADMIN = [
    Row("admin index", "GET", "/admin/", "admin admin admin 200 200 200"),
    Row("admin: articles app", "GET", "/admin/articles/", "admin admin admin 200 200 200"),
    Row("admin: accounts app", "GET", "/admin/auth/", "admin admin admin 404 404 200"),
    Row(
        "admin: view on site",
        "GET",
        "/admin/r/{article_type}/{article}/",
        "admin admin admin 302 302 302",
    ),
    Row(
        "admin: change one's password",
        "GET",
        "/admin/password_change/",
        "admin admin admin 200 200 200",
    ),
    *_admin_page_rows(),
    Row(
        "admin: compare versions of an article",
        "GET",
        "/admin/articles/article/{article}/versions/?old=1&new=1",
        "admin admin admin 200 200 200",
    ),
    Row(
        "admin: write a follow-up (form)",
        "GET",
        "/admin/articles/article/{article}/follow-up/",
        "admin admin admin 403 200 200",
    ),
    Row(
        "admin: write a follow-up",
        "POST",
        "/admin/articles/article/{article}/follow-up/",
        "admin admin admin 403 302 302",
        data={"title": "Follow-up", "slug": "a-follow-up"},
        state=_articles,
    ),
    Row(
        "admin: write an article or a follow-up (form)",
        "GET",
        "/admin/articles/article/write/?follows={article}",
        "admin admin admin 403 200 200",
    ),
    Row(
        "admin: preview a pasted article",
        "POST",
        "/admin/articles/article/write/",
        "admin admin admin 403 200 200",
        data={"text": "No table of contents", "action": "preview"},  # previews write nothing
    ),
    Row(
        "admin: change an article (incomplete form)",
        "POST",
        "/admin/articles/article/{article}/change/",
        "admin admin admin 403 200 200",
        data={"title": "Changed"},  # incomplete: editors get the form back, nothing saved
        state=_article,
    ),
    Row(
        "admin: delete an article with comments",
        "POST",
        "/admin/articles/article/{article}/delete/",
        # its comments' decisions are kept forever: nobody deletes a discussed article
        "admin admin admin 403 403 403",
        data={"post": "yes"},
        state=_article,
    ),
    Row(
        "admin: close comments (action)",
        "POST",
        "/admin/articles/article/",
        # moderators too: a flame war is theirs to stop, without editing the article
        "admin admin admin 302 302 302",
        data=_action("close_comments", "{article}"),
        state=_article,
    ),
    Row(
        "admin: pre-moderate comments (action)",
        "POST",
        "/admin/articles/article/",
        "admin admin admin 302 302 302",
        data=_action("premoderate_comments", "{article}"),
        state=_article_premoderated,
    ),
    Row(
        "admin: close every poll (action)",
        "POST",
        "/admin/articles/article/",
        # a moderator is not offered it: "No action selected", no poll closes
        "admin admin admin 302 302 302",
        data=_action("close_all_polls", "{article}"),
        state=_polls_closed,
    ),
    Row(
        "admin: export vote counts (action)",
        "POST",
        "/admin/polls/poll/",
        "admin admin admin 200 200 200",
        data=_action("export_vote_counts", "{poll}"),
    ),
    Row(
        "admin: approve a proposed answer (action)",
        "POST",
        "/admin/polls/choice/",
        "admin admin admin 302 302 302",
        data=_action("approve", "{proposal}"),
        state=_proposal,
    ),
    Row(
        "admin: moderation queue",
        "GET",
        "/admin/comments/comment/?queue=pending",
        "admin admin admin 200 200 200",
    ),
    Row(
        "admin: moderation workspace",
        "GET",
        "/admin/comments/comment/workspace/?queue=reported",
        "admin admin admin 200 200 200",
    ),
    Row(
        "admin: reject a comment in the workspace",
        "POST",
        "/admin/comments/comment/workspace/{comment}/decide/",
        "admin admin admin 303 303 303",
        data={"action": "reject", "reason": "Off-topic", "seen": "{decision}", "version": "1"},
        state=_comment,
    ),
    Row(
        "admin: reject a comment (action)",
        "POST",
        "/admin/comments/comment/",
        "admin admin admin 302 302 302",
        data=_action("reject", "{comment}", apply="1", reason="Off-topic"),
        state=_comment,
    ),
    Row(
        "admin: pick a comment (action)",
        "POST",
        "/admin/comments/comment/",
        "admin admin admin 302 302 302",
        data=_action("pick", "{comment}"),
        state=_featured,
    ),
    Row(
        "admin: ban the author (action)",
        "POST",
        "/admin/comments/comment/",
        # editors have no such action: "No action selected", nobody is banned
        "admin admin admin 302 302 302",
        data=_action("ban_author", "{comment}", apply="1", reason="Spam"),
        state=_standing,
    ),
    Row(
        "admin: suspend the author (action)",
        "POST",
        "/admin/comments/comment/",
        "admin admin admin 302 302 302",
        data=_action("suspend_author", "{comment}", apply="1", days="7", reason="Spam"),
        state=_standing,
    ),
    Row(
        "admin: trust the author (action)",
        "POST",
        "/admin/comments/comment/",
        "admin admin admin 302 302 302",
        data=_action("trust_author", "{comment}"),
        state=_standing,
    ),
    Row(
        "admin: change an author's standing",
        "POST",
        "/admin/comments/authorstanding/{standing}/change/",
        "admin admin admin 302 403 302",
        data={"user": "{reader}", "premoderate": "on", "note": "Watch"},
        state=_standing,
    ),
    Row(
        "admin: lift an author's ban (action)",
        "POST",
        "/admin/comments/authorstanding/",
        "admin admin admin 302 403 302",
        data=_action("unban", "{banned_standing}"),
        state=_banned_standing,
    ),
    Row(
        "admin: ban a staff author (action)",
        "POST",
        "/admin/comments/comment/",
        # a moderator is told only a superuser can; nobody is banned
        "admin admin admin 302 302 302",
        data=_action("ban_author", "{staff_comment}", apply="1", reason="Spam"),
        state=_staff_standing,
    ),
    Row(
        "admin: change a staff author's standing",
        "POST",
        "/admin/comments/authorstanding/{staff_standing}/change/",
        # a moderator gets the form again, with the reason
        "admin admin admin 200 403 302",
        data={"user": "{editor}", "premoderate": "on"},
        state=_staff_standing,
    ),
    Row(
        "admin: add a banned word",
        "POST",
        "/admin/comments/moderatedterm/add/",
        "admin admin admin 302 403 302",
        data={"term": "stuffing", "kind": "banned"},
        state=_terms,
    ),
    Row(
        "admin: deactivate a reader's account",
        "POST",
        "/admin/auth/user/{reader}/change/",
        "admin admin admin 403 403 302",
        data={
            "username": "reader",
            "email": "reader@example.com",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
        state=_active,
    ),
    Row(
        "admin: verify an email address",
        "POST",
        "/admin/account/emailaddress/",
        "admin admin admin 403 403 302",
        data=_action("make_verified", "{email}"),
        state=_emails,
    ),
]

TABLE = SITE + ADMIN


# ---------------------------------------------------------------------------
# The world every cell meets
# ---------------------------------------------------------------------------


@pytest.fixture
def world(demo_article, reader, other_reader_account, moderator, editor, settings):
    settings.COMMENTS_AUTO_APPROVE = False
    superuser = get_user_model().objects.create_superuser(
        "superuser", "superuser@example.com", "correct horse battery"
    )
    users = {
        "anonymous": None,
        "reader": reader,
        "other": other_reader_account,
        "moderator": moderator,
        "editor": editor,
        "superuser": superuser,
    }
    posted = post_comment(article=demo_article, author=reader, body="Worth a look.")
    approve_comment(posted.pk)
    comment = Comment.objects.get(pk=posted.pk)
    staff_posted = post_comment(article=demo_article, author=editor, body="From the newsroom.")
    approve_comment(staff_posted.pk)
    pending = post_comment(article=demo_article, author=reader, body="Still waiting.")
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.YES_NO)
    open_poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.OPEN)
    other_poll = Poll.objects.filter(article=demo_article).exclude(pk=poll.pk).first()
    proposal = Choice.objects.create(
        poll=open_poll, text="A proposal", status=Choice.Status.PENDING, proposal_count=1
    )
    # Someone outside the table follows the story: the unfollow link is theirs.
    follower = get_user_model().objects.create_user("follower", "follower@example.com")
    StoryFollow.objects.create(user=follower, story=demo_article)
    for user in users.values():
        if user is not None:
            Notice.objects.create(user=user, message="Your comment was published.", url="/")
    token = following.unfollow_token(follower, demo_article)
    now = timezone.now()
    banned = get_user_model().objects.create_user("banned", "banned@example.com", "x")
    objects = SimpleNamespace(
        banned=banned,
        article=demo_article,
        comment=comment,
        pending=pending,
        reader=reader,
        staff=editor,
        poll=poll,
        open_poll=open_poll,
        proposal=proposal,
        users=users,
    )
    ids = {
        "slug": demo_article.slug,
        "topic": "asean-restraint",  # a keyword of the demo article
        "article_type": ContentType.objects.get_for_model(Article).pk,
        "article": demo_article.pk,
        "section": Section.objects.filter(article=demo_article).first().pk,
        "comment": comment.pk,
        "pending": pending.pk,
        "poll": poll.pk,
        "open_poll": open_poll.pk,
        "choice": poll.choices.first().pk,
        "foreign_choice": other_poll.choices.first().pk,
        "proposal": proposal.pk,
        "token": token,
        "forged_token": token[:-4] + "AAAA",
        "since": "0-0",
        "settings_row": ModerationSettings.current().pk,
        "term": ModeratedTerm.objects.create(term="spamword", kind="banned").pk,
        "domain": BlockedDomain.objects.create(domain="spam.example").pk,
        "standing": AuthorStanding.objects.create(user=reader).pk,
        "staff_comment": staff_posted.pk,
        "staff_standing": AuthorStanding.objects.create(user=editor).pk,
        "banned_standing": AuthorStanding.objects.create(user=banned, banned_at=now).pk,
        "editor": editor.pk,
        "decision": ModerationDecision.objects.filter(comment=comment).first().pk
        if ModerationDecision.objects.filter(comment=comment).exists()
        else ModerationDecision.objects.create(
            comment=comment, version=1, outcome="approve", phase="test", reasons=[]
        ).pk,
        "reader": reader.pk,
        "reader_name": reader.username,
        "site_page": SitePage.objects.get(slug="guidelines").pk,
        "staff_act": staff_log.record(
            actor=editor, kind=staff_log.Kind.PICK, action="Made an editors' pick"
        ).pk,
        "group": Group.objects.first().pk,
        "email": EmailAddress.objects.create(
            user=reader, email="reader@example.com", verified=False, primary=True
        ).pk,
        "interval": (interval := IntervalSchedule.objects.create(every=1, period="minutes")).pk,
        "authenticator": TOTP.activate(follower, generate_totp_secret()).instance.pk,
        "task": PeriodicTask.objects.create(
            name="boundaries", task="polls.tasks.close_due_polls", interval=interval
        ).pk,
        "clocked": ClockedSchedule.objects.create(clocked_time=now + dt.timedelta(days=1)).pk,
        "crontab": CrontabSchedule.objects.create(minute="0").pk,
        "solar": SolarSchedule.objects.create(event="sunrise", latitude=1, longitude=1).pk,
    }
    return objects, ids


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    return value


def _code(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "admin"
        if location.startswith("/accounts/login/"):
            return "login"
    return str(response.status_code)


def _run_cell(row: Row, role: str, objects, ids) -> tuple[str, str]:
    """(code, problem): the request as that role, in a savepoint rolled back after."""
    cache.clear()  # rate limits start afresh for every cell
    problem = ""
    with transaction.atomic():
        client = Client()
        user = objects.users[role]
        if user is not None:
            client.force_login(user)
        before = row.state(objects) if row.state else None
        path = row.path.format(**ids)
        data = {key: _fill(value, ids) for key, value in row.data.items()}
        if row.method == "GET":
            response = client.get(path, **row.headers)
        else:
            response = client.post(path, data, **row.headers)
        code = _code(response)
        if row.state:
            after = row.state(objects)
            refused = code in REFUSED or (row.what, role) in NO_OP
            if refused and after != before:
                problem = f"refused ({code}) but changed: {before!r} -> {after!r}"
            elif not refused and code == row.expected[role] and after == before:
                # Allowed cells must do what they allow, or the check could never fail.
                problem = f"allowed ({code}) but nothing changed: {before!r}"
        transaction.set_rollback(True)
    return code, problem


# Cells the admin answers with the list again (200) or "No action selected" (302)
# because it does not offer that role the action, or with the form again because
# the data is incomplete: they must change nothing.
NO_OP = {
    ("admin: close every poll (action)", "moderator"),
    ("admin: ban the author (action)", "editor"),
    ("admin: suspend the author (action)", "editor"),
    ("admin: trust the author (action)", "editor"),
    ("admin: ban a staff author (action)", "moderator"),
    ("admin: ban a staff author (action)", "editor"),
    ("admin: change a staff author's standing", "moderator"),
    ("admin: change an article (incomplete form)", "editor"),
    ("admin: change an article (incomplete form)", "superuser"),
}


@pytest.fixture
def quiet_event_stream(monkeypatch):
    """The stream view closes its database connection (it stays open for minutes); the
    test's transaction must survive it. Only the stream's check of the article matters."""
    from articles import live

    monkeypatch.setattr(live, "connection", SimpleNamespace(close=lambda: None))


def test_every_url_and_role_gets_what_the_table_says(world, quiet_event_stream):
    objects, ids = world
    mismatches, problems = [], []
    for row in TABLE:
        for role in ROLES:
            code, problem = _run_cell(row, role, objects, ids)
            if code != row.expected[role]:
                mismatches.append(
                    f"{row.method:4} {row.path:52} {role:9} expected {row.expected[role]:5} "
                    f"got {code}"
                )
            if problem:
                problems.append(f"{row.method:4} {row.path:52} {role:9} {problem}")
    report = "\n".join(
        ["", "Mismatched cells:", *mismatches, "", "Writes that broke a boundary:", *problems]
    )
    assert (mismatches, problems) == ([], []), report


# ---------------------------------------------------------------------------
# The table covers every URL and every registered admin
# ---------------------------------------------------------------------------


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


# allauth pages reached only through a key in an email, or not used by this site.
ACCOUNT_PAGES_NOT_IN_THE_TABLE = {
    "account_inactive",
    "account_email_verification_sent",
    "account_set_password",
    "account_confirm_login_code",
    "account_confirm_email",
    "account_reset_password_from_key_done",
    "account_reset_password_from_key",
    "account_reset_password_done",
}


def test_the_table_covers_every_url_of_the_site():
    tabled = {row.path.split("?")[0] for row in TABLE}
    missing = []
    for route, name in _patterns(get_resolver()):
        if route.startswith("admin/") or name in ACCOUNT_PAGES_NOT_IN_THE_TABLE:
            continue
        example = "/" + route.replace("<slug:slug>", "{slug}").replace(
            "<int:pk>", "{comment}"
        ).replace("<int:poll_id>", "{poll}").replace("<str:token>", "{token}").replace(
            "<str:name>", "{reader_name}"
        ).replace("<str:slug>", "{topic}")
        if example not in tabled and example.replace("{poll}", "{open_poll}") not in tabled:
            missing.append(f"/{route} ({name})")
    assert not missing, "URLs without a row in the table: " + ", ".join(missing)


def test_the_table_covers_every_registered_model_admin():
    tabled = {url for _label, url, *_ in ADMIN_MODELS}
    registered = {f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry}
    assert registered == tabled


def test_the_table_covers_every_admin_action():
    tabled = {row.data.get("action") for row in TABLE if row.data.get("action")}
    offered = {
        getattr(action, "__name__", action)  # a string names a method; a function, itself
        for model_admin in admin.site._registry.values()
        for action in (model_admin.actions or [])
        if model_admin.model._meta.app_label in {"articles", "polls", "comments"}
    }
    # These take the same permission as a tabled action beside them.
    same_as_tabled = {
        "approve_and_feature",  # approve: change_comment
        "unpick",  # pick
        "premoderate_author",  # ban_author: change_authorstanding
        "lift_suspension",  # unban: change_authorstanding
        "untrust",
        "stop_premoderating",
        "reopen_selected",  # export_vote_counts: change_poll
        "close_selected",
        "open_comments",  # close_comments: moderate_comments
        "stop_premoderating_comments",
    }
    assert offered - same_as_tabled - tabled == set()


# ---------------------------------------------------------------------------
# What a ban takes away
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("standing", ["banned", "suspended"])
def test_a_barred_reader_can_no_longer_like_or_report(world, standing):
    """A ban (or a suspension while it lasts) takes a reader out of the discussion: their
    comments are rejected by the pipeline, and their likes and reports are refused too
    (three reports hide a comment: a banned troll must not keep that lever)."""
    objects, _ids = world
    other = objects.users["other"]
    now = timezone.now()
    fields = (
        {"banned_at": now}
        if standing == "banned"
        else {"suspended_until": now + dt.timedelta(days=1)}
    )
    AuthorStanding.objects.create(user=other, **fields)
    client = Client()
    client.force_login(other)
    assert client.post(f"/comments/{objects.comment.pk}/like/").status_code == 403
    report = client.post(f"/comments/{objects.comment.pk}/report/", {"reason": "spam"})
    assert report.status_code == 403
    assert not Like.objects.exists()
    assert not Report.objects.exists()
    # The suspension over, they take part again.
    AuthorStanding.objects.filter(user=other).update(
        banned_at=None, suspended_until=now - dt.timedelta(minutes=1)
    )
    assert client.post(f"/comments/{objects.comment.pk}/like/").status_code == 303
    assert Like.objects.count() == 1
