"""Seeding for the benchmarks: run inside the app's environment (manage.py shell -c)."""

import random

from django.contrib.auth import get_user_model

from articles.models import Article
from comments.models import Comment
from comments.services import post_comment

WORDS = [
    "ceasefire",
    "border",
    "talks",
    "ASEAN",
    "monitors",
    "patrols",
    "verification",
    "civilians",
    "restraint",
    "dialogue",
    "treaty",
    "hotline",
    "river",
    "maritime",
    "envoy",
    "summit",
    "trust",
    "precedent",
    "*really*",
    "**must**",
    "`code`",
]


def reader_accounts(count: int, prefix: str = "bench_reader") -> list:
    """`count` reader accounts (no password: the bench signs them in by session)."""
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"{prefix}_{n}", email=f"{prefix}_{n}@example.org") for n in range(count)],
        ignore_conflicts=True,
    )
    return list(User.objects.filter(username__startswith=f"{prefix}_").order_by("pk"))


ACCEPTED_PROPOSALS = [
    "Joint patrols with ASEAN observers",
    "A hotline between field commanders",
    "Reopen the border markets first",
    "A treaty on the maritime line",
]


def seed_article(comments: int = 2000, votes: int = 5000, readers: int = 200, seed: int = 7):
    """The demo article as a busy one looks: approved comments in threads, votes, readers.

    A fifth of the comments start a thread; the rest answer an earlier comment,
    popular threads drawing more (replies go up to depth 6). Likes are spread
    the same way, so "best" has something to sort. Votes are stored as from
    distinct voter cookies, their counters summed from the rows. Comments are
    inserted in bulk, approved, with the tree paths and counts the services
    would give them: they are scenery, so they bypass moderation (its scenario
    must find only its own backlog in the queue) and live events.
    Returns {"comments": n, "threads": n, "votes": n, "readers": n}.
    """
    from collections import Counter

    from django.db import connection, transaction
    from django.db.models import Count, F

    from comments.rendering import render_body
    from comments.scoring import wilson_lower_bound
    from polls.models import Choice, Poll, Vote
    from polls.proposals import normalize_answer

    rng = random.Random(seed)
    people = reader_accounts(readers)
    article = Article.objects.published().first()
    parents = thread_shape(comments, rng)
    last_root = Comment.get_last_root_node()
    next_root = Comment._str2int(last_root.path) + 1 if last_root else 1
    rows, children = [], Counter()
    for parent in parents:
        if parent is None:
            depth, path = 1, Comment._get_path("", 1, next_root)
            next_root += 1
        else:
            above = rows[parent]
            children[parent] += 1
            depth = above.depth + 1
            path = Comment._get_path(above.path, depth, children[parent])
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        likes = int(rng.paretovariate(1.5)) - 1
        rows.append(
            Comment(
                article=article,
                author=rng.choice(people),
                body=body,
                body_html=render_body(body),
                status=Comment.Status.APPROVED,
                path=path,
                depth=depth,
                like_count=likes,
                score=wilson_lower_bound(likes, 0),
            )
        )
    descendants = Counter()
    for index, parent in enumerate(parents):
        rows[index].numchild = children[index]
        while parent is not None:  # every ancestor counts this reply
            descendants[parent] += 1
            parent = parents[parent]
    for index, row in enumerate(rows):
        row.reply_count = descendants[index]
    with transaction.atomic():
        Comment.objects.bulk_create(rows, batch_size=500)
        Article.objects.filter(pk=article.pk).update(comment_count=F("comment_count") + comments)
    threads = parents.count(None)

    open_questions = Poll.objects.filter(article=article, kind=Poll.Kind.OPEN)
    for poll in open_questions.exclude(choices__status=Choice.Status.APPROVED):
        for position, text in enumerate(ACCEPTED_PROPOSALS):
            # Readers' proposals a moderator accepted: an open question's answers.
            Choice.objects.create(
                poll=poll,
                text=text,
                normalized_text=normalize_answer(text),
                position=position,
                proposed_by=people[position],
            )
    choices = list(
        Choice.objects.approved().filter(poll__article=article, poll__closed_at__isnull=True)
    )
    Vote.objects.bulk_create(
        [
            Vote(poll_id=choice.poll_id, choice=choice, voter_key=f"seeded-voter-{n}")
            for n, choice in enumerate(rng.choices(choices, k=votes))
        ],
        batch_size=1000,
    )
    counted = dict(
        Vote.objects.filter(choice__in=choices)
        .values("choice")
        .annotate(n=Count("pk"))
        .values_list("choice", "n")
    )
    for choice in choices:
        choice.vote_count = counted.get(choice.pk, 0)
    Choice.objects.bulk_update(choices, ["vote_count"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"comments": comments, "threads": threads, "votes": votes, "readers": readers}


def thread_shape(count: int, rng) -> list:
    """Each comment's parent (an index into the list, None for a new thread).

    Every fifth comment starts a thread; the others answer a recent comment of
    a thread chosen by its size so far (busy threads draw more), at most six
    levels deep.
    """
    parents, depth, threads, sizes = [], [], [], []
    for n in range(count):
        if n % 5 == 0:
            parents.append(None)
            depth.append(1)
            threads.append([n])
            sizes.append(1)
            continue
        thread = rng.choices(range(len(threads)), sizes)[0]
        open_to_replies = [c for c in threads[thread][-12:] if depth[c] < 6]
        parent = rng.choice(open_to_replies or threads[thread][:1])
        parents.append(parent)
        depth.append(depth[parent] + 1)
        threads[thread].append(n)
        sizes[thread] += 1
    return parents


def seed_backlog(size: int = 1000, seed: int = 11) -> int:
    """`size` pending comments queued for moderation (no worker running yet).

    One author each, so that every comment goes through the whole pipeline,
    classifier included, instead of stopping at the velocity check.
    """
    from django.db import transaction

    readers = size
    rng = random.Random(seed)
    User = get_user_model()
    people = [
        User.objects.get_or_create(username=f"backlog_{n}", defaults={"email": f"k{n}@x.org"})[0]
        for n in range(readers)
    ]
    article = Article.objects.published().first()
    ids = []
    with transaction.atomic():
        for _ in range(size):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            ids.append(post_comment(article=article, author=rng.choice(people), body=body).pk)
    # post_comment queues each on commit: leaving the block queued them all.
    return len(ids)


def seed_writers(writers: int = 20, comments: int = 200, seed: int = 13) -> dict:
    """Signed-in writers for the live scenario, and the comments they will post.

    Returns {"sessions": [a session key per writer], "bodies": [comment texts]}.
    Each writer posts several comments within a minute or two, so the velocity
    phase's limit is raised (the phase still runs its query); the texts vary,
    so the duplicate phase passes them too. They are regulars, past a new
    commenter's pre-moderation: their comments publish.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from comments.models import ModerationSettings

    ModerationSettings.objects.get_or_create(pk=1)
    ModerationSettings.objects.filter(pk=1).update(velocity_comments=10_000, premoderate_below=0)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    User = get_user_model()
    sessions = []
    for n in range(writers):
        user = User.objects.get_or_create(
            username=f"bench_writer_{n}", defaults={"email": f"w{n}@x.org"}
        )[0]
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions.append(session.session_key)
    rng = random.Random(seed)
    bodies = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))) + f" (point {n})"
        for n in range(comments)
    ]
    return {"sessions": sessions, "bodies": bodies}
