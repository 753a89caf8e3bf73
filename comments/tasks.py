"""Moderation work for Celery: each task loads, decides, records; running twice changes nothing."""

import contextlib
import logging

from celery import shared_task
from django.db import DatabaseError, transaction

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

# How many pending comments a worker's task decides at once (its own and others): what
# the phases read is loaded once for all, their texts are scored in one call and their
# verdicts written together. The others' own tasks then find them decided.
BATCH_SIZE = 50


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
    """Decide that version of the comment. On a worker, other pending comments come along
    (see moderate_pending); eagerly, in a request, the comment alone is decided."""
    # The service is imported here, as a task does (HackSoft's styleguide): the
    # services queue this task after their commit, so they import this module.
    from comments.services import record_verdict

    along = 0 if self.request.is_eager else BATCH_SIZE - 1
    outcome = moderate_pending(comment_id, version, along=along)
    if outcome is None:
        return "nothing to do"
    if isinstance(outcome, Exception):
        verdict = hold_after_failure(self, outcome, item=f"comment {comment_id}")
        record_verdict(comment_id, version, verdict)
        return verdict.outcome
    return outcome.outcome


def moderate_pending(
    comment_id: int, version: int, *, along: int = 0
) -> moderation.Verdict | Exception | None:
    """Decide that version of the comment, and up to `along` other pending comments (the
    oldest that no other worker holds), then record the verdicts in one round of writes.

    Returns the comment's verdict, the exception deciding it raised (for its task to
    retry), or None when it is no longer pending. Another comment whose moderation
    raises stays pending, for its own task to retry; the others' tasks find them
    decided. Each comment's row stays locked until its verdict is recorded: two workers
    never decide the same comment, and a moderator's action on it waits its turn.
    """
    if along and not _still_pending(comment_id, version):
        return None
    # Taking others along, the rows are held from their loading to their verdicts, so
    # that no other worker takes them too; alone, the lock record_verdicts takes suffices.
    claim = transaction.atomic() if along else contextlib.nullcontext()
    try:
        with claim:
            batch = _pending(comment_id, version, along)
            if not batch:
                return None
            outcomes = moderation.decide_many(batch)
            for comment, outcome in zip(batch[1:], outcomes[1:], strict=True):
                if isinstance(outcome, Exception):
                    logger.warning(
                        "Moderation of comment %s failed; its own task retries it.",
                        comment.pk,
                        exc_info=outcome,
                    )
            return _record(batch, outcomes)
    except DatabaseError as error:
        return error


def _still_pending(comment_id: int, version: int) -> bool:
    """Most tasks of a backlog find their comment decided by an earlier batch: one read
    tells, without the transaction and the lock (and the commit) of a batch."""
    return Comment.objects.filter(
        pk=comment_id, version=version, status=Comment.Status.PENDING
    ).exists()


def _pending(comment_id: int, version: int, along: int) -> list[Comment]:
    """The comment when that version is pending; then up to `along` other pending
    comments, oldest first. Taking others, the rows are locked, and only those no
    other transaction holds are taken."""
    # The author's standing comes along: one query loads all that the phases read of them.
    pending = Comment.objects.select_related("article", "author__standing")
    if along:
        pending = pending.select_for_update(of=("self",))
    comment = pending.filter(pk=comment_id).first()
    if comment is None or comment.version != version or comment.status != Comment.Status.PENDING:
        return []
    if not along:
        return [comment]
    others = (
        pending.select_for_update(of=("self",), skip_locked=True)
        .filter(status=Comment.Status.PENDING, deleted_at__isnull=True)
        .exclude(pk=comment_id)
        .order_by("created_at")[:along]
    )
    return [comment, *others]


def _record(batch: list[Comment], outcomes: list) -> moderation.Verdict | Exception:
    """Record the verdicts among `outcomes`; the first comment's outcome."""
    from comments.services import record_verdicts

    verdicts = [
        (comment.pk, comment.version, outcome)
        for comment, outcome in zip(batch, outcomes, strict=True)
        if isinstance(outcome, moderation.Verdict)
    ]
    try:
        record_verdicts(verdicts)
    except DatabaseError:
        # One comment's write may be what fails: each alone then, so that it fails alone.
        logger.warning("Recording %d verdicts at once failed; one at a time.", len(verdicts))
        for verdict in verdicts:
            try:
                record_verdicts([verdict])
            except DatabaseError as error:
                if verdict[0] == batch[0].pk:
                    return error
                logger.warning("Recording the verdict on comment %s failed.", verdict[0])
    return outcomes[0]


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
