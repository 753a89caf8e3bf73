"""Tell live readers that a poll's counts changed: at most one event per poll per second."""

import logging
import threading

from django import db
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from briefing_site import events
from polls.models import Poll
from polls.results import poll_counts

THROTTLE_SECONDS = 1
log = logging.getLogger(__name__)


def poll_results_changed(poll: Poll):
    """Call after counts change; publishes once the transaction commits."""
    transaction.on_commit(lambda: publish_throttled(poll.pk, poll.article_id))


def publish_throttled(poll_id: int, article_id: int):
    """Publish now, unless this poll published within the last second.

    Then one trailing event is scheduled for when the second is over, so the
    last change always reaches readers.
    """
    if cache.add(_throttle_key(poll_id), 1, timeout=THROTTLE_SECONDS):
        publish_results(poll_id, article_id)
        return
    if cache.add(_trailing_key(poll_id), 1, timeout=THROTTLE_SECONDS * 2):
        _schedule_trailing(poll_id, article_id)


def publish_trailing(poll_id: int, article_id: int):
    cache.delete(_trailing_key(poll_id))
    cache.set(_throttle_key(poll_id), 1, timeout=THROTTLE_SECONDS)
    publish_results(poll_id, article_id)


def publish_results(poll_id: int, article_id: int):
    poll = Poll.objects.filter(pk=poll_id).prefetch_related("choices").first()
    if poll is None:
        return
    counts = poll_counts(poll)
    events.publish(article_id, "poll.results", counts)
    # Follow-ups showing these results ("What readers said") move with them.
    for followup_id in showing_results(poll_id):
        events.publish(followup_id, "poll.results", counts)


def showing_results(poll_id: int) -> list[int]:
    from articles.models import Article, FollowupQuestion

    return list(
        FollowupQuestion.objects.filter(
            poll_id=poll_id,
            show_results=True,
            followup__in=Article.objects.published(),
        ).values_list("followup_id", flat=True)
    )


def _schedule_trailing(poll_id: int, article_id: int):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager Celery ignores countdowns; in one process a timer does the same job.
        timer = threading.Timer(
            THROTTLE_SECONDS, _publish_trailing_in_thread, (poll_id, article_id)
        )
        timer.daemon = True
        timer.start()
        return
    from polls.tasks import publish_poll_results

    publish_poll_results.apply_async((poll_id, article_id), countdown=THROTTLE_SECONDS)


def _publish_trailing_in_thread(poll_id: int, article_id: int):
    try:
        publish_trailing(poll_id, article_id)
    except db.Error as error:
        # Best effort: the next change publishes the counts anyway.
        log.warning("live events: trailing results of poll %s not sent: %s", poll_id, error)
    finally:
        db.connections.close_all()


def _throttle_key(poll_id):
    return f"polls:results-published:{poll_id}"


def _trailing_key(poll_id):
    return f"polls:results-trailing:{poll_id}"
