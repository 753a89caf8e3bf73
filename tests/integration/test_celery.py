"""The Celery app starts as documented: `celery -A briefing_site worker|beat`, on Redis."""

import subprocess
import sys

import pytest
from django_celery_beat.models import PeriodicTask

from briefing_site.celery import app
from tests.services import ROOT, stop, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_on_redis_answers(celery_worker):
    replies = app.control.ping(destination=[celery_worker], timeout=2)
    assert replies == [{celery_worker: {"ok": "pong"}}]


def test_beat_keeps_its_schedule_in_the_database(production_env):
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "briefing_site", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The database scheduler writes celery's own housekeeping entry on start.
        wait_until(
            lambda: PeriodicTask.objects.filter(name="celery.backend_cleanup").exists(),
            timeout=30,
            what="celery beat",
            process=process,
        )
    finally:
        stop(process)
    output = process.stdout.read()
    assert "DatabaseScheduler" in output
