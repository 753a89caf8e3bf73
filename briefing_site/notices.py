"""In-site notices for readers: written by the features, read in the header and /notices/."""

from django.db import transaction
from django.utils import timezone

from briefing_site.models import Notice


def notify(*, user, message: str, url: str = "") -> None:
    """Leave the reader a notice once the current transaction commits, unless the same
    notice is still unread: a reader is told a thing once."""
    if user is None:
        return

    def leave():
        unread = Notice.objects.filter(user=user, message=message, url=url, read_at__isnull=True)
        if not unread.exists():
            Notice.objects.create(user=user, message=message, url=url)

    transaction.on_commit(leave)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def mark_all_read(user) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
