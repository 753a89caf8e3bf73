"""Queueing work that must not be lost when the broker is down."""

import logging

logger = logging.getLogger(__name__)

# Fail fast when Redis is down: the request must not hang on the broker.
QUICK_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def enqueue_or_leave_to_sweeper(task, *args) -> bool:
    """Queue `task(*args)`; with the broker down, log and let a sweeper find the row later."""
    return enqueue_quickly(task, args, otherwise="its sweeper will")


def enqueue_quickly(task, args, *, otherwise: str, **options) -> bool:
    """Queue `task(*args)` (apply_async's `options`, e.g. countdown), giving up at once
    when the broker is down: then logs what happens instead (`otherwise`), returns False."""
    try:
        task.apply_async(args, retry=True, retry_policy=QUICK_RETRY, **options)
    except Exception:  # any broker failure
        logger.warning("Could not queue %s%r; %s.", task.name, args, otherwise)
        return False
    return True
