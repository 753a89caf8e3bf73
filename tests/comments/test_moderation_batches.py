"""A worker decides pending comments in batches: one right decision each, whatever happens
to the others, at the cost of one comment's queries for the whole batch."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefing_site import events
from briefing_site.models import Notice
from comments import moderator_actions, tasks
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
)
from comments.moderation import decide, decide_many
from comments.services import record_verdict

JUDGE = "tests.comments.test_moderation_batches.Judge"
WEEK = dt.timedelta(days=7)


class Judge:
    """Scores "idiot" as certainly toxic and "rude" as likely; remembers each call."""

    calls: list[list[str]] = []
    during_call = None  # what happens meanwhile, while the classifier works

    def score(self, text):
        return self.score_many([text])[0]

    def score_many(self, texts):
        Judge.calls.append(list(texts))
        if Judge.during_call is not None:
            Judge.during_call()
        if any("poison" in text for text in texts):
            raise RuntimeError("the model chokes on this text")
        return [0.99 if "idiot" in text else 0.85 if "rude" in text else 0.02 for text in texts]


@pytest.fixture(autouse=True)
def judge(db, settings):
    settings.COMMENT_CLASSIFIER = JUDGE
    Judge.calls = []
    Judge.during_call = None
    # The readers here are past a new commenter's pre-moderation, and write quickly.
    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"premoderate_below": 0, "velocity_comments": 100}
    )
    ModeratedTerm.objects.create(kind="banned", term="scum")
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    return Judge


def readers(count, prefix="batch_reader"):
    User = get_user_model()
    return [
        User.objects.create_user(f"{prefix}_{n}", f"{prefix}{n}@example.com") for n in range(count)
    ]


def decisions(comment):
    return list(
        ModerationDecision.objects.filter(comment=comment).values_list("outcome", "phase", "actor")
    )


def test_a_batch_of_mixed_comments_gets_one_right_decision_each(
    reader, other_reader, say, demo_article, django_capture_on_commit_callbacks
):
    # Old enough an account for its mention of a reader (a link) to pass.
    get_user_model().objects.filter(pk=reader.pk).update(date_joined=timezone.now() - WEEK)
    reader.refresh_from_db()
    banned = readers(1, "banned")[0]
    AuthorStanding.objects.create(user=banned, banned_at=timezone.now())
    say(reader, "I said this before.")
    started = say(other_reader, "A thread to answer.")
    written = {
        "clean": say(reader, "Monitors would help.", approved=False),
        "reply": say(reader, "Good point, @other_reader.", parent=started, approved=False),
        "toxic": say(reader, "You idiot.", approved=False),
        "rude": say(reader, "A rude remark.", approved=False),
        "suspect": say(reader, "Buy crypto today.", approved=False),
        "banned word": say(reader, "You scum.", approved=False),
        "banned author": say(banned, "Let me in.", approved=False),
        "duplicate": say(reader, "I said this before!", approved=False),
    }
    first = written["clean"]

    with django_capture_on_commit_callbacks(execute=True):
        verdict = tasks.moderate_pending(first.pk, 1, along=49)

    assert verdict.outcome == "approve"
    assert {name: decisions(comment) for name, comment in written.items()} == {
        "clean": [("approve", "clean", None)],
        "reply": [("approve", "clean", None)],
        "toxic": [("reject", "toxicity", None)],
        "rude": [("hold", "toxicity", None)],
        "suspect": [("hold", "suspect_words", None)],
        "banned word": [("reject", "banned_words", None)],
        "banned author": [("reject", "author", None)],
        "duplicate": [("reject", "duplicate", None)],
    }
    statuses = {name: Comment.objects.get(pk=c.pk).status for name, c in written.items()}
    assert statuses == {
        "clean": "approved",
        "reply": "approved",
        "toxic": "rejected",
        "rude": "held",
        "suspect": "held",
        "banned word": "rejected",
        "banned author": "rejected",
        "duplicate": "rejected",
    }
    # The texts that got as far as the toxicity phase, scored in one call.
    assert Judge.calls == [
        [
            "Monitors would help.",
            "Good point, @other_reader.",
            "You idiot.",
            "A rude remark.",
            "Buy crypto today.",
        ]
    ]
    # Readers see what was published, live, and the answered reader hears of the reply.
    published = [e for e in events.history(demo_article.pk, None) if e.kind == "comment.published"]
    assert sorted(e.payload["id"] for e in published) == [
        written["clean"].pk,
        written["reply"].pk,
    ]
    assert Notice.objects.filter(user=other_reader, kind="reply").count() == 1
    demo_article.refresh_from_db()
    assert demo_article.comment_count == 4
    assert Comment.objects.get(pk=started.pk).reply_count == 1


def test_a_batch_decides_as_each_comment_alone_would_be_decided(reader, other_reader, say):
    BlockedDomain.objects.create(domain="spam.example")
    say(reader, "Said before.")
    comments = [
        say(reader, "Said before.", approved=False),
        say(reader, "See https://spam.example/offer", approved=False),
        say(other_reader, "A rude remark.", approved=False),
        say(other_reader, "Measured words.", approved=False),
        say(reader, "Buy crypto today.", approved=False),
    ]
    loaded = list(
        Comment.objects.select_related("article", "author__standing").filter(
            pk__in=[c.pk for c in comments]
        )
    )
    assert decide_many(loaded) == [decide(comment) for comment in loaded]


def test_eagerly_the_task_decides_its_comment_alone_and_on_a_worker_takes_others_along(reader, say):
    first = say(reader, "A first view.", approved=False)
    second = say(reader, "A second view.", approved=False)
    third = say(reader, "A third view.", approved=False)

    assert tasks.moderate.apply(args=(first.pk, 1)).get() == "approve"
    assert Comment.objects.get(pk=second.pk).status == "pending"

    # Called as a worker calls it (not eagerly): the other pending comments come along.
    assert tasks.moderate(second.pk, 1) == "approve"
    assert Comment.objects.get(pk=third.pk).status == "approved"
    # Their own tasks find them decided.
    assert tasks.moderate(third.pk, 1) == "nothing to do"
    assert ModerationDecision.objects.filter(comment__in=[first, second, third]).count() == 3


def test_a_comment_a_moderator_decides_while_its_batch_runs_keeps_the_moderators_decision(
    reader, say, moderator
):
    first = say(reader, "A first view.", approved=False)
    contested = say(reader, "A view a moderator reads first.", approved=False)
    last = say(reader, "A last view.", approved=False)

    def moderator_rejects():
        Judge.during_call = None
        moderator_actions.reject(comment=contested, moderator=moderator, reason="Off-topic")

    Judge.during_call = moderator_rejects
    tasks.moderate_pending(first.pk, 1, along=49)

    contested.refresh_from_db()
    assert contested.status == "rejected"
    assert contested.public_reason == "Off-topic"
    assert decisions(contested) == [("reject", "moderator", moderator.pk)]
    assert decisions(first) == decisions(last) == [("approve", "clean", None)]


def test_a_poison_comment_waits_for_its_own_task_while_the_rest_of_its_batch_is_decided(
    reader, say
):
    first = say(reader, "A first view.", approved=False)
    poison = say(reader, "A poison pill.", approved=False)
    last = say(reader, "A last view.", approved=False)

    tasks.moderate_pending(first.pk, 1, along=49)

    assert Comment.objects.get(pk=poison.pk).status == "pending"
    assert decisions(poison) == []
    assert decisions(first) == decisions(last) == [("approve", "clean", None)]

    # Its own task, at its last attempt, holds it for a moderator.
    assert tasks.moderate.apply(args=(poison.pk, 1)).get() == "hold"
    poison.refresh_from_db()
    assert poison.status == "held"
    decision = ModerationDecision.objects.get(comment=poison)
    assert (decision.phase, decision.reasons) == (
        "error",
        ["moderation error (RuntimeError); a moderator decides"],
    )


def test_a_poison_comment_heading_a_batch_goes_back_to_its_task_and_the_rest_is_decided(
    reader, say
):
    poison = say(reader, "A poison pill.", approved=False)
    others = [say(reader, f"View number {n}.", approved=False) for n in range(3)]

    outcome = tasks.moderate_pending(poison.pk, 1, along=49)

    assert isinstance(outcome, RuntimeError)
    assert Comment.objects.get(pk=poison.pk).status == "pending"
    assert [decisions(comment) for comment in others] == [[("approve", "clean", None)]] * 3


def mixed_comments(count, say, thread, prefix):
    """Comments of every kind from distinct authors: clean, replies, links, toxic, suspect."""
    kinds = [
        lambda author, n: say(author, f"Measured words {n}.", approved=False),
        lambda author, n: say(author, f"Quite so {n}.", parent=thread, approved=False),
        lambda author, n: say(author, f"See https://example.org/{n}", approved=False),
        lambda author, n: say(author, f"You idiot {n}.", approved=False),
        lambda author, n: say(author, f"Buy crypto {n}.", approved=False),
    ]
    authors = readers(count, prefix)
    return [kinds[n % len(kinds)](author, n) for n, author in enumerate(authors)]


def queries_to_decide(comments, django_assert_max_num_queries):
    # Whether the comment is still pending; in the batch's transaction (a savepoint
    # here), the comment and the other pending ones, the settings, the authors' recent
    # comments, the terms and the blocked domains; then, in a savepoint, the locked
    # rows (and whether their versions were decided before), the decisions, the
    # comments' statuses, the article's count, the replies' counts and the rejected
    # comments' notices.
    with django_assert_max_num_queries(17) as queries:
        tasks.moderate_pending(comments[0].pk, 1, along=len(comments) - 1)
    assert all(len(decisions(comment)) == 1 for comment in comments)
    return len(queries)


def test_a_batch_takes_as_many_queries_for_fifty_comments_as_for_five(
    reader, say, django_assert_max_num_queries
):
    BlockedDomain.objects.create(domain="spam.example")
    thread = say(reader, "A thread to answer.")
    small = mixed_comments(5, say, thread, "small")
    few = queries_to_decide(small, django_assert_max_num_queries)

    large = mixed_comments(50, say, thread, "large")
    many = queries_to_decide(large, django_assert_max_num_queries)

    assert many == few


def test_a_verdict_is_recorded_whole_or_not_at_all(reader, say, monkeypatch):
    # A decision on record with the comment still pending would tell the moderators it
    # was decided while readers never see it: when what follows an approval fails, the
    # decision goes too, and the comment waits for its task's next try.
    comment = say(reader, "A view that fails to publish.", approved=False)
    verdict = decide(Comment.objects.get(pk=comment.pk))
    assert verdict.outcome == "approve"

    def published_nowhere(comments):
        raise RuntimeError("the live event could not be built")

    monkeypatch.setattr("comments.services._after_approval", published_nowhere)
    with pytest.raises(RuntimeError):
        record_verdict(comment.pk, comment.version, verdict)

    assert Comment.objects.get(pk=comment.pk).status == "pending"
    assert not ModerationDecision.objects.filter(comment=comment).exists()


def test_on_a_worker_a_task_decides_the_backlog_batch_after_batch(reader, say):
    backlog = [say(reader, f"View number {n}.", approved=False) for n in range(7)]

    assert tasks.moderate_backlog(backlog[3].pk, 1, size=3, seconds=60).outcome == "approve"

    assert [decisions(comment) for comment in backlog] == [[("approve", "clean", None)]] * 7
    # Its own comment first, then the oldest: three texts scored at a time.
    assert [len(call) for call in Judge.calls] == [3, 3, 1]
    assert "View number 3." in Judge.calls[0]
    # The other comments' tasks find nothing to do.
    assert tasks.moderate(backlog[0].pk, 1) == "nothing to do"


def test_a_task_leaves_the_rest_of_the_backlog_to_the_next_once_its_time_is_up(reader, say):
    backlog = [say(reader, f"View number {n}.", approved=False) for n in range(5)]

    tasks.moderate_backlog(backlog[0].pk, 1, size=2, seconds=0)

    statuses = [Comment.objects.get(pk=comment.pk).status for comment in backlog]
    assert statuses == ["approved", "approved", "pending", "pending", "pending"]


def test_a_poison_comment_in_the_backlog_is_tried_once_and_left_to_its_own_task(reader, say):
    first = say(reader, "A first view.", approved=False)
    poison = say(reader, "A poison pill.", approved=False)
    rest = [say(reader, f"View number {n}.", approved=False) for n in range(4)]

    tasks.moderate_backlog(first.pk, 1, size=2, seconds=60)

    assert Comment.objects.get(pk=poison.pk).status == "pending"
    assert [decisions(comment) for comment in [first, *rest]] == [[("approve", "clean", None)]] * 5
    # Only the first batch tried it (all its texts at once, then one at a time to find
    # which failed): the later batches passed over it.
    assert [call for call in Judge.calls if "A poison pill." in call] == [
        ["A first view.", "A poison pill."],
        ["A poison pill."],
    ]


def test_deciding_a_backlog_takes_a_few_queries_a_batch_whatever_its_length(
    reader, say, django_assert_max_num_queries
):
    thread = say(reader, "A thread to answer.")
    one_batch = mixed_comments(10, say, thread, "one")
    with django_assert_max_num_queries(30) as queries:
        tasks.moderate_backlog(one_batch[0].pk, 1, size=10, seconds=60)
    per_batch = len(queries)

    five_batches = mixed_comments(50, say, thread, "five")
    with django_assert_max_num_queries(5 * per_batch):
        tasks.moderate_backlog(five_batches[0].pk, 1, size=10, seconds=60)

    assert all(len(decisions(comment)) == 1 for comment in one_batch + five_batches)


def test_live_readers_get_a_batch_of_approvals_for_as_many_queries_as_one(
    say, demo_article, django_capture_on_commit_callbacks
):
    def publish_approvals(count, prefix):
        backlog = [
            say(author, "Measured words.", approved=False) for author in readers(count, prefix)
        ]
        with django_capture_on_commit_callbacks() as after_commit:
            tasks.moderate_backlog(backlog[0].pk, 1)
        with CaptureQueriesContext(connection) as queries:
            for callback in after_commit:
                callback()
        published = {
            event.payload["id"]
            for event in events.history(demo_article.pk, None)
            if event.kind == "comment.published"
        }
        assert {comment.pk for comment in backlog} <= published
        return len(queries)

    assert publish_approvals(20, "many") == publish_approvals(1, "one")
