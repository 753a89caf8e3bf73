"""Periodic and deferred work for polls; each task is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from polls.live import poll_results_changed, publish_trailing
from polls.models import Poll
from polls.surges import flag_surges, record_vote_minutes


@shared_task
def close_due_polls():
    """Close every poll whose closing time has passed (beat runs it every minute)."""
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
    publish_trailing(poll_id, article_id)
