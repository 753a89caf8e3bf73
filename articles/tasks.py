"""Publishing and follow-up work for Celery. Each task imports the service it calls inside
its body (HackSoft's styleguide): the services queue these tasks, so they import this module."""

import smtplib

from celery import shared_task

# An email task is retried, backing off to half an hour, for about an hour and a half
# while the mail server fails.
RETRIED_WHILE_MAIL_FAILS = {
    "acks_late": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "max_retries": 8,
}


@shared_task
def publish_scheduled_articles():
    """Publish what editors scheduled (beat runs it every minute; running twice is harmless)."""
    from articles.publishing import publish_due

    return publish_due()


@shared_task(acks_late=True)
def tell_followers(followup_id):
    from articles import following

    return following.tell_followers(followup_id)


@shared_task(**RETRIED_WHILE_MAIL_FAILS)
def email_followup(notice_id):
    """One email per follower and follow-up; retried while the mail server fails."""
    from articles import following

    return following.send_followup_email(notice_id)


@shared_task
def sweep_followups():
    """Beat, every minute: tell readers and send emails that a broker outage held back."""
    from articles import corrections, following

    return following.sweep(), corrections.sweep()


@shared_task(acks_late=True)
def tell_of_correction(version_id):
    from articles import corrections

    return corrections.tell_followers(version_id)


@shared_task(**RETRIED_WHILE_MAIL_FAILS)
def email_correction(notice_id):
    """One email per reader and correction; retried while the mail server fails."""
    from articles import corrections

    return corrections.send_email(notice_id)
