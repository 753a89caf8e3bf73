"""Moderation work for Celery: each task loads, decides, records; running twice changes nothing."""

import logging
import time

from celery import shared_task
from django.db import DatabaseError, connection, transaction

from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments import moderation
from comments.models import Comment
from comments.pipeline import (
    MAX_RETRIES,
    SWEEP_BATCH,
    hold_after_failure,
    requeue_stale,
    stale_before,
)

logger = logging.getLogger(__name__)

# How many pending comments a worker decides at once (its task's own and others): what
# the phases read is loaded once for all, their texts are scored in one call and their
# verdicts written together. The others' own tasks then find them decided.
BATCH_SIZE = 100
# How long a worker's task goes on deciding the backlog, batch after batch, before it
# leaves the rest to the next task whose comment is still pending: the tasks queued
# behind it (the other comments', digests) wait no longer than this.
BACKLOG_SECONDS = 2.0


def enqueue_moderation(comment_id: int, version: int) -> bool:
    """Queue the pipeline for a comment; a broker outage leaves it to the sweeper."""
    return enqueue_or_leave_to_sweeper(moderate, comment_id, version)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def moderate(self, comment_id: int, version: int):
    """Decide that version of the comment. On a worker, the backlog of pending comments
    comes along (see moderate_backlog); eagerly, in a request, the comment alone is decided."""
    # The service is imported here, as a task does (HackSoft's styleguide): the
    # services queue this task after their commit, so they import this module.
    from comments.services import record_verdict

    if self.request.is_eager:
        outcome = moderate_pending(comment_id, version)
    else:
        outcome = moderate_backlog(comment_id, version)
    if outcome is None:
        return "nothing to do"
    if isinstance(outcome, Exception):
        verdict = hold_after_failure(self, outcome, item=f"comment {comment_id}")
        record_verdict(comment_id, version, verdict)
        return verdict.outcome
    return outcome.outcome


Outcome = moderation.Verdict | Exception | None


def moderate_pending(comment_id: int, version: int, *, along: int = 0) -> Outcome:
    """Decide that version of the comment, and up to `along` other pending comments (the
    oldest that no other worker holds), then record the verdicts in one round of writes.

    Returns the comment's verdict, the exception deciding it raised (for its task to
    retry), or None when it is no longer pending. Another comment whose moderation
    raises stays pending, for its own task to retry; the others' tasks find them
    decided. Each comment's row stays locked until its verdict is recorded: two workers
    never decide the same comment, and a moderator's action on it waits its turn.
    """
    if not along:
        return _decide_alone(comment_id, version)
    return moderate_backlog(comment_id, version, size=along + 1, seconds=0)


def moderate_backlog(
    comment_id: int, version: int, *, size: int = BATCH_SIZE, seconds: float = BACKLOG_SECONDS
) -> Outcome:
    """moderate_pending() with `size - 1` others, then batch after batch of `size` pending
    comments, each in its own transaction, while the last batch was full and for up to
    `seconds`. Two workers share a backlog: each takes the rows the other does not hold.
    Returns as moderate_pending() does, for the task's own comment."""
    if not _still_pending(comment_id, version):
        return None
    deadline = time.monotonic() + seconds
    # The comments whose moderation raised: their own tasks retry them, not the next batch.
    passed = {comment_id}
    own, outcome = comment_id, None
    while True:
        taken = _decide_batch(own, version, size, passed)
        if isinstance(taken, DatabaseError):
            if own is not None:
                return taken
            break
        batch, outcomes = taken
        if own is not None and batch and batch[0].pk == own:
            outcome = outcomes[0]
        own = None
        passed.update(
            comment.pk
            for comment, decided in zip(batch, outcomes, strict=True)
            if isinstance(decided, Exception)
        )
        if len(batch) < size or time.monotonic() >= deadline:
            break
    if outcome is None:
        # Another transaction held the comment when the first batch was taken: a worker
        # deciding it, or a moderator. Its verdict, if it is still pending once they are done.
        return _decide_alone(comment_id, version)
    return outcome


def _decide_batch(own: int | None, version: int, size: int, passed: set[int]):
    """Lock, decide and record up to `size` pending comments: `own` at that version
    first (unless another transaction holds it), then the oldest others that no other
    transaction holds, leaving out `passed`. ([comments], [outcomes]), or the
    DatabaseError that undid the batch."""
    try:
        with transaction.atomic():
            batch = _pending(own, version, size, passed)
            if not batch:
                return [], []
            outcomes = moderation.decide_many(batch)
            for comment, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception) and comment.pk != own:
                    logger.warning(
                        "Moderation of comment %s failed; its own task retries it.",
                        comment.pk,
                        exc_info=outcome,
                    )
            failed = _record(batch, outcomes)
    except DatabaseError as error:
        return error
    pairs = zip(batch, outcomes, strict=True)
    return batch, [failed.get(comment.pk, outcome) for comment, outcome in pairs]


def _decide_alone(comment_id: int, version: int) -> Outcome:
    """The comment's verdict, recorded, when that version is pending: no lock while it is
    decided (record_verdicts takes it and reads the comment again)."""
    try:
        comment = (
            Comment.objects.select_related("article", "author__standing")
            .filter(pk=comment_id, version=version, status=Comment.Status.PENDING)
            .first()
        )
        if comment is None:
            return None
        (outcome,) = moderation.decide_many([comment])
        failed = _record([comment], [outcome])
    except DatabaseError as error:
        return error
    return failed.get(comment_id, outcome)


def _still_pending(comment_id: int, version: int) -> bool:
    """Most tasks of a backlog find their comment decided by an earlier batch: one read
    tells, without the transaction and the lock (and the commit) of a batch."""
    # Written out: building it through the ORM costs more than the query itself, and
    # every task of a backlog asks it, most of them for nothing.
    with connection.cursor() as cursor:
        cursor.execute(_STILL_PENDING, [comment_id, version, Comment.Status.PENDING.value])
        return cursor.fetchone() is not None


_STILL_PENDING = "SELECT 1 FROM comments_comment WHERE id = %s AND version = %s AND status = %s"


def _pending(own: int | None, version: int, size: int, passed: set[int]) -> list[Comment]:
    """`own` when that version is pending, then other pending comments up to `size`,
    oldest first; locked, and only those no other transaction holds."""
    # The author's standing comes along: one query loads all that the phases read of them.
    pending = Comment.objects.select_related("article", "author__standing").select_for_update(
        of=("self",), skip_locked=True
    )
    first = []
    if own is not None:
        comment = pending.filter(pk=own).first()
        if comment and comment.version == version and comment.status == Comment.Status.PENDING:
            first = [comment]
    others = (
        pending.filter(status=Comment.Status.PENDING, deleted_at__isnull=True)
        .exclude(pk__in=passed)
        .order_by("created_at")[: size - len(first)]
    )
    return [*first, *others]


def _record(batch: list[Comment], outcomes: list) -> dict[int, DatabaseError]:
    """Record the verdicts among `outcomes`; the comments whose write failed, with why."""
    from comments.services import record_verdicts

    verdicts = [
        (comment.pk, comment.version, outcome)
        for comment, outcome in zip(batch, outcomes, strict=True)
        if isinstance(outcome, moderation.Verdict)
    ]
    failed = {}
    try:
        record_verdicts(verdicts)
    except DatabaseError:
        # One comment's write may be what fails: each alone then, so that it fails alone.
        logger.warning("Recording %d verdicts at once failed; one at a time.", len(verdicts))
        for verdict in verdicts:
            try:
                record_verdicts([verdict])
            except DatabaseError as error:
                logger.warning("Recording the verdict on comment %s failed.", verdict[0])
                failed[verdict[0]] = error
    return failed


@shared_task
def sweep_pending():
    """Queue again the comments left pending too long (their task was lost). Beat runs it
    each minute."""
    stale = Comment.objects.filter(
        status=Comment.Status.PENDING,
        deleted_at__isnull=True,
        created_at__lt=stale_before(),
    ).values_list("pk", "version")[:SWEEP_BATCH]
    return requeue_stale(stale, enqueue_moderation, name="moderation")
