"""Comments moderated per second in one process: one at a time, and in batches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/profile_moderation.py [--comments 2000] [--approving]

Seeds (in the database DATABASE_URL names, migrated first) the demo article and
--comments pending comments from 500 authors, as tests/bench/seed.py's backlog
writes them, without queueing their moderation. Then decides them all as the
moderation task does, each comment's task in queue order:

  one by one   the task as it runs eagerly: its comment alone;
  batches      the task as it runs on a worker (comments.tasks.moderate_pending):
               its comment and up to BATCH_SIZE - 1 other pending ones; the tasks
               of those find them decided. Skipped where the code has no batches.

Between the two every comment is made pending again, with its decisions gone and
the counts put back. Prints comments/s for each and checks that each comment got
exactly one decision, the same in both runs. With the default settings most
comments are held (their authors are new commenters, as in `make bench`);
--approving turns the new commenters' pre-moderation off, so most are published
and their live events built.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# In process: no broker, no Redis (live events go to the in-process bus).
for name in ("REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

AUTHORS = 500
PREFIX = "modbench"


def seed(count: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from articles.briefing import parse_briefing
    from articles.importer import import_briefing
    from articles.models import Article
    from comments import tasks
    from comments.models import Comment
    from comments.services import post_comment
    from tests.bench.seed import WORDS

    Comment.objects.filter(author__username__startswith=f"{PREFIX}_").delete()
    article = Article.objects.published().first()
    if article is None:
        demo = ROOT / "articles" / "demo" / "asean-border-talks.txt"
        article = import_briefing(parse_briefing(demo.read_bytes())).article
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"{PREFIX}_{n}", email=f"{PREFIX}{n}@x.org") for n in range(AUTHORS)],
        ignore_conflicts=True,
    )
    people = list(User.objects.filter(username__startswith=f"{PREFIX}_"))
    rng = random.Random(11)  # noqa: S311 - the same texts on every run
    queued = tasks.enqueue_moderation
    tasks.enqueue_moderation = lambda *args: True  # queued below, by hand
    try:
        with transaction.atomic():
            ids = [
                post_comment(
                    article=article,
                    author=rng.choice(people),
                    body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))),
                ).pk
                for _ in range(count)
            ]
    finally:
        tasks.enqueue_moderation = queued
    return ids


def pending_again(ids):
    from django.db.models import F

    from articles.models import Article
    from comments.models import Comment, ModerationDecision

    approved = Comment.objects.filter(pk__in=ids, status="approved").order_by()
    for article_id in approved.values_list("article_id", flat=True).distinct():
        shown = approved.filter(article_id=article_id).count()
        Article.objects.filter(pk=article_id).update(comment_count=F("comment_count") - shown)
    ModerationDecision.objects.filter(comment_id__in=ids).delete()
    Comment.objects.filter(pk__in=ids).update(status="pending", toxicity=None, public_reason="")


def decisions(ids):
    from comments.models import ModerationDecision

    rows = ModerationDecision.objects.filter(comment_id__in=ids).values_list(
        "comment_id", "outcome", "phase"
    )
    by_comment = {}
    for comment_id, outcome, phase in rows:
        by_comment.setdefault(comment_id, []).append((outcome, phase))
    return by_comment


def timed(label, ids, run_task):
    started = time.perf_counter()
    for comment_id in ids:
        run_task(comment_id)
    seconds = time.perf_counter() - started
    decided = decisions(ids)
    once = all(len(decided.get(comment_id, ())) == 1 for comment_id in ids)
    print(
        f"{label:>12}: {len(ids)} comments in {seconds:.2f} s, "
        f"{len(ids) / seconds:.1f} comments/s; one decision each: {once}"
    )
    return decided


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--approving", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own.")

    import logging

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)  # no line per task
    from collections import Counter

    from django.core.management import call_command

    from comments import tasks
    from comments.classifiers import get_classifier
    from comments.models import ModerationSettings

    call_command("migrate", verbosity=0)
    ModerationSettings.objects.get_or_create(pk=1)
    ModerationSettings.objects.filter(pk=1).update(premoderate_below=0 if args.approving else 2)
    ids = seed(args.comments)
    get_classifier().score("warm up")  # the model loads once per worker

    one_by_one = timed("one by one", ids, lambda pk: tasks.moderate.apply(args=(pk, 1)).get())
    print("   outcomes:", dict(Counter(o for (o, _p), *_ in one_by_one.values())))
    if not hasattr(tasks, "moderate_pending"):
        return
    pending_again(ids)
    along = tasks.BATCH_SIZE - 1
    batches = timed("batches", ids, lambda pk: tasks.moderate_pending(pk, 1, along=along))
    print(f"   batches of up to {tasks.BATCH_SIZE}; the same decisions: {batches == one_by_one}")


if __name__ == "__main__":
    main()
