"""Running the moderation pipeline from Celery, for comments and readers' proposed answers alike.

A task moderates one pending item: `verdict_or_hold` gives the pipeline's verdict, or,
when deciding keeps failing, a hold for a moderator after the task's last retry (a task
that decides its item among others gets that hold from `hold_after_failure`). An
item whose moderation raises must never block the others, nor stay pending to be
queued again for ever. Beat's sweepers queue again the items whose task was lost
(`requeue_stale`).
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from comments.moderation import HOLD, ScorerUnavailable, Verdict, held_for_scorer_failure

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
SWEEP_BATCH = 500


def verdict_or_hold(task, decide: Callable[[], Verdict], *, item: str) -> Verdict:
    """What `decide()` says; when it raises, a retry with backoff (on a worker), and after
    the last one a hold that tells the moderators why. `item` names it in the log."""
    try:
        return decide()
    except Exception as error:  # a poison item must never block the others
        return hold_after_failure(task, error, item=item)


def hold_after_failure(task, error: Exception, *, item: str) -> Verdict:
    """Deciding the task's item raised `error`: a retry with backoff (on a worker; this
    raises Retry), and after the last one the hold to record, which tells the moderators
    why."""
    retry_later(task, error)
    if isinstance(error, ScorerUnavailable):
        return held_for_scorer_failure()
    if isinstance(error, DatabaseError):
        return moderation_error("the database kept failing")
    logger.error("Moderation of %s failed", item, exc_info=error)
    return moderation_error(type(error).__name__)


def retry_later(task, error):
    """Retry with backoff on a worker; run eagerly in a request, give up at once instead."""
    if not task.request.is_eager and task.request.retries < MAX_RETRIES:
        raise task.retry(countdown=_backoff(task.request.retries)) from error


def _backoff(retries: int) -> float:
    return min(settings.MODERATION_RETRY_MILLISECONDS / 1000 * 2**retries, 60)


def moderation_error(detail: str) -> Verdict:
    return Verdict(
        outcome=HOLD,
        phase="error",
        reasons=(f"moderation error ({detail}); a moderator decides",),
        score=None,
    )


def stale_before() -> dt.datetime:
    """Pending since before this, an item's task was lost (Redis or a worker died)."""
    return timezone.now() - dt.timedelta(seconds=settings.COMMENT_SWEEP_AFTER_SECONDS)


def requeue_stale(stale: Iterable[tuple], enqueue: Callable[..., bool], *, name: str) -> int:
    """Queue `enqueue(*args)` again for each stale item's task arguments; how many were queued.

    An item queued here is not queued again for COMMENT_SWEEP_REQUEUE_SECONDS: behind a
    long backlog its task is still waiting its turn, and queueing the whole backlog
    every minute would fill the queue with copies that each find nothing to do.
    """
    by_key = {f"{name}-swept:{':'.join(map(str, args))}": args for args in stale}
    try:
        recently_swept = cache.get_many(by_key)
    except Exception:  # the cache is Redis, down with the broker: queue what we can
        logger.warning("Sweeper: cannot read which %s items it queued lately; queueing all.", name)
        recently_swept = {}
    swept = {
        key: True for key, args in by_key.items() if key not in recently_swept and enqueue(*args)
    }
    if swept:
        try:
            cache.set_many(swept, timeout=settings.COMMENT_SWEEP_REQUEUE_SECONDS)
        except Exception:
            logger.warning("Sweeper: cannot note the %d %s items it queued.", len(swept), name)
    return len(swept)
