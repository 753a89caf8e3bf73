"""Moderation work for Celery: each task loads, decides, records; running twice changes nothing."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments.models import Comment, ModerationDecision

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
SWEEP_BATCH = 500


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
    from comments.moderation import ScorerUnavailable, decide, held_for_scorer_failure
    from comments.services import record_verdict

    # The author's standing comes along: one query loads all that decide() reads of them.
    comment = (
        Comment.objects.select_related("article", "author__standing").filter(pk=comment_id).first()
    )
    if comment is None or comment.version != version or comment.status != Comment.Status.PENDING:
        return "nothing to do"
    try:
        verdict = decide(comment)
    except Exception as error:  # a poison comment must never block the others
        retry_later(self, error)
        if isinstance(error, ScorerUnavailable):
            verdict = held_for_scorer_failure()
        elif isinstance(error, DatabaseError):
            verdict = _moderation_error("the database kept failing")
        else:
            logger.exception("Moderation of comment %s failed", comment_id)
            verdict = _moderation_error(type(error).__name__)
    record_verdict(comment_id, version, verdict)
    return verdict.outcome


def retry_later(task, error):
    """Retry with backoff on a worker; run eagerly in a request, give up at once instead."""
    if not task.request.is_eager and task.request.retries < MAX_RETRIES:
        raise task.retry(countdown=_backoff(task.request.retries)) from error


def _backoff(retries: int) -> int:
    return min(2**retries, 60)


def _moderation_error(detail: str):
    from comments.moderation import Verdict

    return Verdict(
        outcome=ModerationDecision.Outcome.HOLD,
        phase="error",
        reasons=(f"moderation error ({detail}); a moderator decides",),
        score=None,
    )


@shared_task
def sweep_pending():
    """Re-queue comments left pending too long (their task was lost). Beat runs it each minute.

    A comment the sweeper queued is not queued again for COMMENT_SWEEP_REQUEUE_SECONDS:
    behind a long backlog its task is still waiting its turn, and re-queueing the whole
    backlog every minute filled the queue with copies that each found nothing to do.
    """
    stale = Comment.objects.filter(
        status=Comment.Status.PENDING,
        deleted_at__isnull=True,
        # Pending longer than this: its task was lost (Redis or a worker died).
        created_at__lt=timezone.now() - dt.timedelta(seconds=settings.COMMENT_SWEEP_AFTER_SECONDS),
    ).values_list("pk", "version")[:SWEEP_BATCH]
    by_key = {f"moderation-swept:{pk}:{version}": (pk, version) for pk, version in stale}
    try:
        recently_swept = cache.get_many(by_key)
    except Exception:  # the cache is Redis, down with the broker: queue what we can
        logger.warning("Sweeper: cannot read which comments it queued lately; queueing all.")
        recently_swept = {}
    swept = {}
    for key, (comment_id, version) in by_key.items():
        if key in recently_swept:
            continue
        if enqueue_moderation(comment_id, version):
            swept[key] = True
    if swept:
        try:
            cache.set_many(swept, timeout=settings.COMMENT_SWEEP_REQUEUE_SECONDS)
        except Exception:
            logger.warning("Sweeper: cannot note the %d comments it queued.", len(swept))
    return len(swept)
