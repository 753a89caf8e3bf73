"""Replies and mentions by email, for readers who asked: one email listing what is
new, at most one every REPLY_DIGEST_MINUTES, with a link that stops them without
logging in."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from briefing_site.models import Notice, ReaderPreferences
from briefing_site.site_address import absolute_url, site_url

REPLY_EMAILS_SALT = "briefing_site.reply_emails"
READERS_PER_RUN = 200


def stop_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=REPLY_EMAILS_SALT)


def read_stop_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=REPLY_EMAILS_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def stop_reply_emails(user_id: int) -> None:
    ReaderPreferences.objects.filter(user_id=user_id).update(email_replies=False)


def waiting_notices():
    """Replies and mentions neither read in the site nor emailed yet."""
    return Notice.objects.filter(
        emailed_at__isnull=True,
        read_at__isnull=True,
        kind__in=[Notice.Kind.REPLY, Notice.Kind.MENTION],
    )


def send_reply_digests(now=None) -> int:
    """Email each reader who is due; returns how many emails went out."""
    now = now or timezone.now()
    due = now - dt.timedelta(minutes=settings.REPLY_DIGEST_MINUTES)
    readers = (
        ReaderPreferences.objects.filter(email_replies=True)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=due))
        .filter(user__in=waiting_notices().values("user_id"))
        .values_list("user_id", flat=True)[:READERS_PER_RUN]
    )
    return sum(_send_digest(user_id, now, due) for user_id in list(readers))


def _send_digest(user_id: int, now, due) -> bool:
    with transaction.atomic():
        # Locked, and checked again: two workers never email the same reader twice.
        preferences = (
            ReaderPreferences.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(user_id=user_id, email_replies=True)
            .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=due))
            .first()
        )
        if preferences is None or not preferences.user.email:
            return False
        notices = list(waiting_notices().filter(user_id=user_id).order_by("created_at", "pk"))
        if not notices:
            return False
        stop_url = absolute_url(reverse("reply-emails-off", args=[stop_token(preferences.user)]))
        body = render_to_string(
            "notices_email.txt",
            {
                "user": preferences.user,
                "notices": notices,
                "site_url": site_url(),
                "stop_url": stop_url,
                "notices_url": absolute_url(reverse("notices")),
            },
        )
        count = len(notices)
        EmailMessage(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}New replies and mentions ({count})",
            body=body,
            to=[preferences.user.email],
            headers={
                "List-Unsubscribe": f"<{stop_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        ).send()
        Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(emailed_at=now)
        preferences.last_digest_at = now
        preferences.save(update_fields=["last_digest_at"])
        return True


@shared_task
def send_reply_digests_task():
    return send_reply_digests()
