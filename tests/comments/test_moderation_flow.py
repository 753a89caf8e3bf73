"""How pipeline verdicts, edits, reports and the sweeper move a comment between states."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from comments import tasks
from comments.models import Comment, ModerationDecision, ModerationSettings
from comments.services import edit_comment, record_verdict, report_comment


class Verdict:
    def __init__(self, outcome, phase="test", reasons=("because",), score=None):
        self.outcome, self.phase, self.reasons, self.score = outcome, phase, reasons, score


def test_an_approving_verdict_publishes_the_comment_and_counts_it(reader, say, demo_article):
    comment = say(reader, "Reasonable", approved=False)
    assert record_verdict(comment.pk, 1, Verdict("approve", "clean", (), 0.02)) is True
    comment.refresh_from_db()
    demo_article.refresh_from_db()
    assert (comment.status, comment.toxicity, demo_article.comment_count) == ("approved", 0.02, 1)
    decision = ModerationDecision.objects.get()
    assert (decision.outcome, decision.phase, decision.actor) == ("approve", "clean", None)


def test_a_verdict_is_recorded_once_per_version(reader, say, demo_article):
    comment = say(reader, "Twice", approved=False)
    record_verdict(comment.pk, 1, Verdict("hold"))
    assert record_verdict(comment.pk, 1, Verdict("approve")) is False
    comment.refresh_from_db()
    assert comment.status == "held"
    assert ModerationDecision.objects.count() == 1


def test_a_verdict_for_an_older_version_changes_nothing(
    reader, say, django_capture_on_commit_callbacks
):
    comment = say(reader, "First words")
    with django_capture_on_commit_callbacks():
        edit_comment(comment=comment, editor=reader, body="Second words")
    assert record_verdict(comment.pk, 1, Verdict("approve")) is False
    comment.refresh_from_db()
    assert (comment.status, comment.version) == ("pending", 2)


def test_a_rejecting_verdict_keeps_the_comment_from_readers_but_not_its_author(
    client, reader, other_reader, say, demo_article
):
    comment = say(reader, "Rude words", approved=False)
    record_verdict(comment.pk, 1, Verdict("reject", "banned_words"))
    client.force_login(other_reader)
    assert "Rude words" not in client.get(demo_article.get_absolute_url()).content.decode()
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Rude words" in page
    assert "not published" in page


def test_an_edit_sends_a_published_comment_back_through_moderation(
    reader, say, demo_article, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_moderation", lambda *args: queued.append(args))
    comment = say(reader, "Clean at first")
    with django_capture_on_commit_callbacks(execute=True):
        edit_comment(comment=comment, editor=reader, body="Now with [a link](https://spam.example)")
    comment.refresh_from_db()
    demo_article.refresh_from_db()
    assert (comment.status, comment.version, demo_article.comment_count) == ("pending", 2, 0)
    assert queued == [(comment.pk, 2)]


def test_enough_reports_hide_a_comment_for_review(reader, say, demo_article):
    comment = say(reader, "Contested")
    ModerationSettings.objects.update_or_create(pk=1, defaults={"report_threshold": 3})
    people = [
        get_user_model().objects.create_user(username=f"r{n}", email=f"r{n}@x.org")
        for n in range(3)
    ]
    for person in people[:2]:
        report_comment(comment=comment, reporter=person, reason="abuse")
    comment.refresh_from_db()
    assert comment.status == "approved"
    report_comment(comment=comment, reporter=people[2], reason="spam")
    comment.refresh_from_db()
    demo_article.refresh_from_db()
    assert (comment.status, demo_article.comment_count) == ("held", 0)
    decision = ModerationDecision.objects.get(comment=comment)
    assert (decision.phase, decision.reasons) == ("reports", ["Reported by 3 readers."])


def test_the_sweeper_requeues_comments_whose_task_was_lost(reader, say, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_moderation", lambda *args: queued.append(args) or True)
    old = say(reader, "Lost in a crash", approved=False)
    say(reader, "Just posted", approved=False)
    say(reader, "Already published")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    assert tasks.sweep_pending() == 1
    assert queued == [(old.pk, 1)]


def test_the_sweeper_does_not_queue_a_comment_again_while_its_task_may_be_waiting(
    reader, say, monkeypatch, settings
):
    settings.COMMENT_SWEEP_REQUEUE_SECONDS = 600
    queued = []
    monkeypatch.setattr(tasks, "enqueue_moderation", lambda *args: queued.append(args) or True)
    old = say(reader, "Behind a long backlog", approved=False)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))

    assert [tasks.sweep_pending() for _ in range(3)] == [1, 0, 0]
    assert queued == [(old.pk, 1)]

    cache.clear()  # the requeue window has passed
    assert tasks.sweep_pending() == 1
    Comment.objects.filter(pk=old.pk).update(version=2)  # an edit is a new task
    assert tasks.sweep_pending() == 1
    assert queued == [(old.pk, 1), (old.pk, 1), (old.pk, 2)]


def test_the_sweeper_tries_again_next_time_when_the_broker_was_down(reader, say, monkeypatch):
    attempts = []
    monkeypatch.setattr(tasks, "enqueue_moderation", lambda *args: bool(attempts.append(args)))
    old = say(reader, "Written in an outage", approved=False)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))

    assert [tasks.sweep_pending() for _ in range(2)] == [0, 0]
    assert len(attempts) == 2


def test_a_broker_outage_leaves_the_comment_pending_for_the_sweeper(reader, say, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.moderate, "apply_async", broker_down)
    comment = say(reader, "Written while Redis was down", approved=False)
    tasks.enqueue_moderation(comment.pk, 1)  # logs, does not raise
    comment.refresh_from_db()
    assert comment.status == "pending"


@pytest.mark.django_db
def test_beat_runs_the_sweeper_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="comments.tasks.sweep_pending")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "minutes")


@pytest.mark.django_db(transaction=True)
def test_a_poison_comment_ends_held_for_a_moderator_and_others_go_on(
    reader, demo_article, settings
):
    from comments.services import post_comment

    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The reader here is past the pre-moderation of their first comments.
    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})
    settings.COMMENT_CLASSIFIER = "tests.comments.test_moderation_flow.ChokesOnPoison"
    poison = post_comment(article=demo_article, author=reader, body="A poison comment.")
    fine = post_comment(article=demo_article, author=reader, body="A perfectly fine comment.")
    poison.refresh_from_db()
    fine.refresh_from_db()
    assert (poison.status, fine.status) == ("held", "approved")
    decision = ModerationDecision.objects.get(comment=poison)
    assert decision.phase == "error"
    assert "moderation error" in decision.reasons[0]


class Calm:
    def score(self, text):
        return 0.0


class ChokesOnPoison(Calm):
    def score(self, text):
        if "poison" in text:
            raise RuntimeError("the pipeline chokes on this one")
        return super().score(text)
