"""Periodic and deferred work for polls; each task is safe to run twice."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from briefing_site.tasks import enqueue_or_leave_to_sweeper
from polls.models import Poll
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


def enqueue_proposal_moderation(choice_id: int):
    enqueue_or_leave_to_sweeper(moderate_proposal, choice_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def moderate_proposal(self, choice_id: int):
    from comments.models import ModerationSettings
    from comments.moderation import ScorerUnavailable, decide_proposal, held_for_scorer_failure
    from comments.tasks import retry_later
    from polls.models import Choice
    from polls.proposals import check_proposal, record_proposal_verdict

    choice = Choice.objects.filter(
        pk=choice_id, status=Choice.Status.PENDING, moderated_at__isnull=True
    ).first()
    if choice is None:
        return "nothing to do"
    moderation_settings = ModerationSettings.current()
    verdict = check_proposal(choice, moderation_settings)
    if verdict is None or verdict.outcome != "reject":
        try:
            shared = decide_proposal(choice, settings=moderation_settings)
        except ScorerUnavailable as error:
            retry_later(self, error)
            shared = held_for_scorer_failure()
        # A hold from the proposal's own phases stands over a clean shared pass.
        if verdict is None or shared.outcome == "reject":
            verdict = shared
    record_proposal_verdict(choice_id, verdict)
    return verdict.outcome


@shared_task
def sweep_pending_proposals():
    """Re-queue proposals whose first pass was lost with Redis or a worker."""
    from polls.models import Choice

    stale = Choice.objects.filter(
        status=Choice.Status.PENDING,
        moderated_at__isnull=True,
        proposal_count__gt=0,
        created_at__lt=timezone.now() - dt.timedelta(seconds=settings.COMMENT_SWEEP_AFTER_SECONDS),
    ).values_list("pk", flat=True)[:500]
    for choice_id in stale:
        enqueue_proposal_moderation(choice_id)
    return len(stale)
