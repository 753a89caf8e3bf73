"""Tell live readers that a poll's counts changed: at most one event per poll per second.

The event carries the poll's results rendered once, as every reader may be shown
them (polls/card.html#results); each page takes from it what its own card shows.
They travel even when the page hides results until a reader votes: every reader
who voted needs them to see the bars move, and one broadcast beats thousands of
readers each fetching their own card. Hiding results from those who have not
voted is about not herding them, not secrecy (a vote and a withdrawal show them
too); the page only shows what the reader may see.
"""

import functools
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from articles.models import Article, FollowupQuestion
from briefing_site import events
from briefing_site.tasks import enqueue_quickly
from polls.models import Choice, Poll
from polls.results import results_card
from polls.shared_redis import redis_client
from polls.tasks import publish_poll_results

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
    turn = _claim_turn(poll_id)
    if turn == PUBLISH_NOW:
        publish_results(poll_id, article_id)
    elif turn == PUBLISH_TRAILING:
        _schedule_trailing(poll_id, article_id)


PUBLISH_NOW, PUBLISH_TRAILING = 1, 2
# Both claims of _claim_turn in one round trip, atomically.
CLAIM_TURN = """
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return 1 end
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[2]) then return 2 end
return 0
"""


def _claim_turn(poll_id: int) -> int:
    """PUBLISH_NOW, PUBLISH_TRAILING, or 0 when a trailing event is already due."""
    throttle, trailing = _throttle_key(poll_id), _trailing_key(poll_id)
    if not settings.REDIS_URL:
        if cache.add(throttle, 1, timeout=THROTTLE_SECONDS):
            return PUBLISH_NOW
        return PUBLISH_TRAILING if cache.add(trailing, 1, timeout=THROTTLE_SECONDS * 2) else 0
    # The same keys as the cache's (publish_trailing resets them through it).
    keys = [cache.make_key(throttle), cache.make_key(trailing)]
    try:
        return _claim_script()(keys=keys, args=[THROTTLE_SECONDS, THROTTLE_SECONDS * 2])
    except Exception as error:  # redis-py raises more than RedisError when a connection breaks
        log.warning("live events: results of poll %s not sent: %s", poll_id, error)
        return 0


@functools.cache
def _claim_script():
    return redis_client().register_script(CLAIM_TURN)


def publish_trailing(poll_id: int, article_id: int):
    cache.delete(_trailing_key(poll_id))
    cache.set(_throttle_key(poll_id), 1, timeout=THROTTLE_SECONDS)
    publish_results(poll_id, article_id)


def publish_results(poll_id: int, article_id: int):
    answers = Prefetch("choices", queryset=Choice.objects.in_poll_order())
    poll = Poll.objects.filter(pk=poll_id).prefetch_related(answers).first()
    if poll is None:
        return
    payload = {"poll": poll.pk, "html": results_html(poll)}
    events.publish(article_id, "poll.results", payload)
    # Follow-ups showing these results ("What readers said") move with them.
    for followup_id in showing_results(poll_id):
        events.publish(followup_id, "poll.results", payload)


def results_html(poll: Poll) -> str:
    """The results partial as any reader is shown it; `poll.choices.all()` holds its answers."""
    return render_to_string("polls/card.html#results", {"card": results_card(poll)}).strip()


def showing_results(poll_id: int) -> list[int]:
    return list(
        FollowupQuestion.objects.filter(
            poll_id=poll_id,
            show_results=True,
            followup__in=Article.objects.published(),
        ).values_list("followup_id", flat=True)
    )


def _schedule_trailing(poll_id: int, article_id: int):
    # Eager Celery (the embedded default) runs it at once: there each change is
    # published as it commits. With the broker down the vote stands all the same.
    enqueue_quickly(
        publish_poll_results,
        (poll_id, article_id),
        countdown=THROTTLE_SECONDS,
        otherwise="readers see the poll's last change on their next load",
    )


def _throttle_key(poll_id):
    return f"polls:results-published:{poll_id}"


def _trailing_key(poll_id):
    return f"polls:results-trailing:{poll_id}"
