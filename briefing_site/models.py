from django.conf import settings
from django.db import models
from django.db.models import Q


class Notice(models.Model):
    """A line in a reader's in-site notices: something happened to what they wrote."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The unread count in the header, on every page a reader sees.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread_idx"
            ),
        ]

    def __str__(self):
        return self.message


class ReaderPreferences(models.Model):
    """What a reader agreed to receive by email (beyond what they follow)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    email_answered_questions = models.BooleanField(
        default=False,
        help_text="Email me when the newsroom follows up on a question I took part in.",
    )

    def __str__(self):
        return f"{self.user}'s preferences"


class Mute(models.Model):
    """A reader who does not want to read another: the muted reader's comments are
    folded for them (and only them); the muted reader is not told."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "muted"], name="mute_once"),
            models.CheckConstraint(condition=~Q(reader=models.F("muted")), name="mute_not_oneself"),
        ]

    def __str__(self):
        return f"{self.reader} mutes {self.muted}"
