"""The Celery app: `celery -A briefing_site worker` and `celery -A briefing_site beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing_site.settings")

app = Celery("briefing_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
