"""Moderation work for Celery: each task loads, decides, records; running twice changes nothing."""

from celery import shared_task

from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments import moderation
from comments.models import Comment
from comments.pipeline import MAX_RETRIES, SWEEP_BATCH, requeue_stale, stale_before, verdict_or_hold


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
    # The service is imported here, as a task does (HackSoft's styleguide): the
    # services queue this task after their commit, so they import this module.
    from comments.services import record_verdict

    # The author's standing comes along: one query loads all that decide() reads of them.
    comment = (
        Comment.objects.select_related("article", "author__standing").filter(pk=comment_id).first()
    )
    if comment is None or comment.version != version or comment.status != Comment.Status.PENDING:
        return "nothing to do"
    verdict = verdict_or_hold(
        self, lambda: moderation.decide(comment), item=f"comment {comment_id}"
    )
    record_verdict(comment_id, version, verdict)
    return verdict.outcome


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
