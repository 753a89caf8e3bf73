"""The Celery app: `celery -A briefing_site worker` and `celery -A briefing_site beat`."""

import logging
import os

from celery import Celery
from celery.signals import task_postrun, worker_init
from django.db import close_old_connections

from comments.classifiers import get_classifier

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

logger = logging.getLogger(__name__)

app = Celery("briefing_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes every database connection before and after each
# task and, in a prefork worker, the connection pool too: each task then paid for
# a new pool, its threads and a new PostgreSQL connection. With this it closes
# them only every few hundred tasks; return_connections() below hands the
# connection back to the pool after each task instead, as Django does after
# each request (a broken one is discarded, and the pool checks the next).
app.conf.CELERY_DB_REUSE_MAX = 500
app.autodiscover_tasks()


@task_postrun.connect
def return_connections(sender=None, **kwargs):
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # eager tasks run inside a request (and its transaction)
    close_old_connections()


@worker_init.connect
def load_classifier(**kwargs):
    """Load the moderation model once, before the pool forks: every process shares it."""
    try:
        get_classifier()
    except Exception:  # each task will try again, and hold its comment if it still fails
        logger.exception("The comment classifier could not be loaded at start")
