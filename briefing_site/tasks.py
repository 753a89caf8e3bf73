"""Queueing work that must not be lost when the broker is down."""

import logging

logger = logging.getLogger(__name__)

# Fail fast when Redis is down: the request must not hang on the broker.
QUICK_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def enqueue_or_leave_to_sweeper(task, *args) -> bool:
    """Queue `task(*args)`; with the broker down, log and let a sweeper find the row later."""
    try:
        task.apply_async(args, retry=True, retry_policy=QUICK_RETRY)
    except Exception:  # any broker failure: the pending row stays, a sweeper re-queues it
        logger.warning("Could not queue %s%r; its sweeper will.", task.name, args)
        return False
    return True
