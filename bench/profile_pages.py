"""What one uncached article page and its discussion cost, in process, for each kind of viewer.

    .venv/bin/python bench/profile_pages.py [--out DIR] [--compare DIR] [--profile NAME]

The pages: the article, its discussion's first and second pages, the busiest thread's
own page and its next replies (as "show more replies" asks for them). Seeds a fresh
SQLite database (a temporary file) with the demo article, 1,000 approved comments in
200 threads (tests/bench/seed.py) and the things a page shows differently for each
viewer: likes, reports, a mute, an editor's pick, a deleted, an edited, an awaiting and
a refused comment, one still in its edit window. The clock is frozen, so every run
renders the same bytes. For the anonymous reader, a reader who liked, reported and
muted, an author and a moderator, renders each page, prints the median milliseconds of
ROUNDS renders and the queries of one, and saves each page's HTML in --out (the CSRF
token and the live event id, which change per request and per run, replaced).
--compare DIR fails unless every page is byte-identical to the one saved there.
--profile NAME prints cProfile's top functions for that page ("reader-article", ...).
"""

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp(prefix="briefing-profile-")) / "db.sqlite3"
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

ROUNDS = 20
FROZEN = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def freeze_clock():
    """timezone.now() and humanize's "… ago" at FROZEN: the same bytes on every run."""
    from django.contrib.humanize.templatetags import humanize
    from django.utils import timezone

    class _Any(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, dt.datetime)

    class FrozenDatetime(dt.datetime, metaclass=_Any):
        @classmethod
        def now(cls, tz=None):
            return FROZEN.astimezone(tz) if tz else FROZEN.replace(tzinfo=None)

    timezone.now = lambda: FROZEN
    humanize.datetime = FrozenDatetime


def seed():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command

    from articles.briefing import parse_briefing
    from articles.importer import import_briefing
    from briefing_site.models import Mute
    from briefing_site.roles import MODERATORS, ensure_groups
    from comments import services, threads
    from comments.models import Comment
    from tests.bench.seed import seed_article

    call_command("migrate", verbosity=0)
    demo = ROOT / "articles" / "demo" / "asean-border-talks.txt"
    article = import_briefing(parse_briefing(demo.read_bytes())).article
    seed_article(comments=1000, votes=500, readers=60)
    # Spread the comments over the last days, oldest first.
    rows = list(Comment.objects.order_by("pk"))
    for n, row in enumerate(rows):
        row.created_at = FROZEN - dt.timedelta(minutes=7 * (len(rows) - n) + 30)
    Comment.objects.bulk_update(rows, ["created_at"], batch_size=500)

    User = get_user_model()

    def account(name):
        return User.objects.create_user(name, f"{name}@example.com", "correct horse battery")

    reader, author, moderator = account("reader"), account("author"), account("moderator")
    moderator.is_staff = True
    moderator.save()
    moderator.groups.add(ensure_groups()[MODERATORS])

    first = threads.thread_page(article=article, user=AnonymousUser(), sort="best").entries
    shown = [entry.comment for entry in first if not entry.is_more]
    # The author's: a top-level comment, a reply, one awaiting moderation, one refused,
    # one posted two minutes ago (still editable), one edited.
    mine = shown[2:40:6]
    Comment.objects.filter(pk__in=[c.pk for c in mine]).update(author=author)
    Comment.objects.filter(pk=mine[2].pk).update(status=Comment.Status.PENDING)
    Comment.objects.filter(pk=mine[3].pk).update(
        status=Comment.Status.REJECTED, public_reason="Off-topic"
    )
    Comment.objects.filter(pk=mine[4].pk).update(created_at=FROZEN - dt.timedelta(minutes=2))
    Comment.objects.filter(pk=mine[5].pk).update(edited_at=FROZEN - dt.timedelta(hours=1))
    others = [c for c in shown if c not in mine]
    for comment in others[1:8]:
        services.toggle_like(comment=comment, reader=reader)
    for comment in others[10:12]:
        services.report_comment(comment=comment, reporter=reader, reason="spam")
    Mute.objects.create(reader=reader, muted=others[14].author)
    services.set_editors_pick(comment=others[5], actor=moderator, picked=True)
    late = Comment.objects.filter(article=article).order_by("-pk").first()
    services.set_editors_pick(comment=late, actor=moderator, picked=True)
    with_replies = next(c for c in others[16:] if c.numchild)
    services.delete_comment(comment=with_replies, actor=with_replies.author)
    return article, {"anonymous": None, "reader": reader, "author": author, "moderator": moderator}


_RANDOM = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'("X-CSRFToken": ")[^"]+'), r"\1CSRF"),
    (re.compile(r"\b\d{13}-\d+\b"), "EVENT-ID"),
]


def normalised(html: str) -> str:
    for pattern, stand_in in _RANDOM:
        html = pattern.sub(stand_in, html)
    return html


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "pages")
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--profile")
    parser.add_argument("--queries", action="store_true", help="print each page's queries")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--redis-cache", metavar="URL", help="the default cache in this Redis, as in production"
    )
    options = parser.parse_args()

    import django

    django.setup()
    freeze_clock()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    settings.ARTICLE_PAGE_CACHE_SECONDS = 0
    settings.DEBUG = False
    settings.DATABASES["default"]["CONN_MAX_AGE"] = None  # the page's queries, not connecting
    if options.redis_cache:
        settings.CACHES["default"] = {
            "BACKEND": "briefing_site.cache.FallbackRedisCache",
            "LOCATION": options.redis_cache,
        }
        from django.core.cache import cache

        cache.clear()
    article, viewers = seed()
    from comments.models import Comment

    discussion = reverse("comments:discussion", args=[article.slug])
    busiest = Comment.objects.filter(article=article, depth=1).order_by("-numchild", "pk").first()
    pages = {
        "article": (article.get_absolute_url(), {}),
        "discussion": (discussion, {}),
        "discussion-page-2": (f"{discussion}?page=2", {}),
        "comment": (busiest.get_absolute_url(), {}),
        "more-replies": (busiest.urls["replies"], {"HX-Request": "true"}),
    }
    options.out.mkdir(parents=True, exist_ok=True)
    differ = []
    print(f"{'page':<32}{'ms (median)':>12}{'queries':>9}{'KB':>6}")
    for viewer, user in viewers.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for page, (url, headers) in pages.items():
            name = f"{viewer}-{page}"
            queries = []

            def count(run, sql, *args, queries=queries):
                start = time.perf_counter()
                try:
                    return run(sql, *args)
                finally:
                    queries.append(f"{(time.perf_counter() - start) * 1000:5.2f} ms  {sql}")

            with connection.execute_wrapper(count):
                response = client.get(url, headers=headers)
            assert response.status_code == 200, (name, response.status_code)
            if options.queries:
                print(name, *(f"  {sql[:160]}" for sql in queries), sep="\n")
            html = normalised(response.content.decode())
            (options.out / f"{name}.html").write_text(html)
            if options.compare and (options.compare / f"{name}.html").read_text() != html:
                differ.append(name)
            times = []
            for _ in range(options.rounds):
                start = time.perf_counter()
                client.get(url, headers=headers)
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"{name:<32}{statistics.median(times):>12.1f}{len(queries):>9}"
                f"{len(html) / 1024:>6.0f}"
            )
            if options.profile == name:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(5):
                    client.get(url, headers=headers)
                profiler.disable()
                profiler.dump_stats(options.out / f"{name}.pstats")
                stats = pstats.Stats(profiler).sort_stats("cumulative")
                stats.print_stats(r"/(articles|comments|polls|briefing_site)/", 40)
                stats.print_stats(
                    r"urls/base.py.*\(reverse\)|naturaltime|template/base.py.*\(render\)"
                )
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(f"pages saved in {options.out}")
    if options.compare:
        if differ:
            sys.exit(f"differ from {options.compare}: {', '.join(differ)}")
        print(f"every page byte-identical to {options.compare}")


if __name__ == "__main__":
    main()
