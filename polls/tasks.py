"""Periodic and deferred work for polls; each task is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments.pipeline import MAX_RETRIES, SWEEP_BATCH, requeue_stale, stale_before, verdict_or_hold
from polls.models import Choice, Poll
from polls.surges import flag_surges, record_vote_minutes


@shared_task
def close_due_polls():
    """Close every poll whose closing time has passed (beat runs it every minute)."""
    from polls.live import poll_results_changed  # polls.live queues publish_poll_results

    now = timezone.now()
    closed = 0
    for poll in Poll.objects.due_to_close(now):
        # The conditional update claims the poll: a second run changes nothing.
        if Poll.objects.filter(pk=poll.pk, closed_at__isnull=True).update(closed_at=now):
            closed += 1
            poll_results_changed(poll)
    return closed


@shared_task
def flag_vote_surges():
    now = timezone.now()
    record_vote_minutes(now)
    return len(flag_surges(now))


@shared_task
def publish_poll_results(poll_id, article_id):
    """The trailing results event after a burst of votes (see polls.live)."""
    from polls.live import publish_trailing  # polls.live queues this task

    publish_trailing(poll_id, article_id)


def enqueue_proposal_moderation(choice_id: int) -> bool:
    """Queue the pipeline's first pass on a proposal; a broker outage leaves it to the sweeper."""
    return enqueue_or_leave_to_sweeper(moderate_proposal, choice_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def moderate_proposal(self, choice_id: int):
    # The services are imported here, as a task does (HackSoft's styleguide): they
    # queue this task after their commit, so they import this module.
    from polls.proposals import proposal_verdict, record_proposal_verdict

    choice = Choice.objects.pending().filter(pk=choice_id, moderated_at__isnull=True).first()
    if choice is None:
        return "nothing to do"
    verdict = verdict_or_hold(self, lambda: proposal_verdict(choice), item=f"proposal {choice_id}")
    record_proposal_verdict(choice_id, verdict)
    return verdict.outcome


@shared_task
def sweep_pending_proposals():
    """Queue again the proposals whose first pass was lost with Redis or a worker."""
    stale = (
        Choice.objects.pending()
        .filter(moderated_at__isnull=True, proposal_count__gt=0, created_at__lt=stale_before())
        .values_list("pk")[:SWEEP_BATCH]
    )
    return requeue_stale(stale, enqueue_proposal_moderation, name="proposal-moderation")
