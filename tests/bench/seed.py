"""Seeding for the benchmarks: run inside the app's environment (manage.py shell -c)."""

import random

from django.contrib.auth import get_user_model
from django.test import override_settings

from articles.models import Article
from comments.models import Comment
from comments.services import approve_comment, post_comment

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


@override_settings(COMMENTS_AUTO_APPROVE=True)
def seed_thread(size: int = 1000, readers: int = 50, seed: int = 7) -> int:
    """One discussion thread of `size` approved comments, replies up to depth 6.

    Approved on commit, bypassing moderation: the thread is scenery, and the
    moderation scenario must find only its own backlog in the queue.
    """
    rng = random.Random(seed)
    User = get_user_model()
    people = [
        User.objects.get_or_create(username=f"bench_reader_{n}", defaults={"email": f"b{n}@x.org"})[
            0
        ]
        for n in range(readers)
    ]
    article = Article.objects.published().first()
    root = post_comment(article=article, author=people[0], body="The thread everyone answers.")
    approve_comment(root.pk)
    nodes = [Comment.objects.get(pk=root.pk)]
    for _n in range(size - 1):
        parent = rng.choice(nodes)
        if parent.depth >= 6:
            parent = nodes[0]
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        comment = post_comment(article=article, author=rng.choice(people), body=body, parent=parent)
        approve_comment(comment.pk)
        nodes.append(Comment.objects.get(pk=comment.pk))
    return root.pk


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
    so the duplicate phase passes them too.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from comments.models import ModerationSettings

    ModerationSettings.objects.get_or_create(pk=1)
    ModerationSettings.objects.filter(pk=1).update(velocity_comments=10_000)
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
