from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Notice(models.Model):
    """A line in a reader's in-site notices: something happened to what they wrote."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )

    class Kind(models.TextChoices):
        OTHER = "other", "Other"
        REPLY = "reply", "A reply"
        MENTION = "mention", "A mention"

    message = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    # The reader whose comment the notice is about, when it starts with their name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    # What the notice is about ("reply:<comment id>"): one notice per reader and event,
    # however often the comment is approved again.
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notice_once_per_event"
            ),
        ]
        indexes = [
            # Replies and mentions still to email, for the digest.
            models.Index(
                fields=["user", "created_at"],
                condition=Q(emailed_at__isnull=True, read_at__isnull=True) & ~Q(kind="other"),
                name="notice_to_email_idx",
            ),
            # The unread count in the header, on every page a reader sees.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread_idx"
            ),
        ]

    def __str__(self):
        return self.message

    @property
    def after_actor(self) -> str:
        """The message after the actor's name that starts it ("" when it does not):
        the page links the name to their profile and the rest to the comment."""
        if self.actor is None or not self.message.startswith(f"{self.actor.username} "):
            return ""
        return self.message[len(self.actor.username) + 1 :]


class ReaderPreferences(models.Model):
    """What a reader agreed to receive by email (beyond what they follow)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    email_answered_questions = models.BooleanField(
        default=False,
        help_text="Email me when the newsroom follows up on a question I took part in.",
    )
    email_replies = models.BooleanField(
        default=False,
        help_text="Email me when someone replies to me or mentions me (at most one email "
        "every few minutes).",
    )
    corrections = models.BooleanField(
        default=False,
        help_text="Tell me, here and by email, when an article of a story I follow is "
        "corrected or updated.",
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

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


class SitePage(models.Model):
    """A page of the site the newsroom writes in the admin (the community guidelines)."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown: headings, lists, links, emphasis.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("site-page", args=[self.slug])


class StaffAct(models.Model):
    """One thing a moderator or editor did to readers' words, their standing or a
    discussion: who, when, what and why, kept as the newsroom's record (read-only;
    written by briefing_site.staff_log alone)."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment decision"
        PROPOSAL = "proposal", "Proposed answer decision"
        PICK = "pick", "Editors' pick"
        DISCUSSION = "discussion", "Discussion closed, reopened or pre-moderated"
        AUTHOR = "author", "Author's standing"
        WORD_LIST = "word_list", "Word or domain list"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept if the account goes: the record names who acted.
    actor_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=200, help_text="What was done, in a few words.")
    # The reader whose words or standing it concerns, and the article: for filtering.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True, help_text="What it was done to.")
    url = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="The reason given.")
    note = models.TextField(blank=True, help_text="Staff only.")

    class Meta:
        verbose_name = "staff log entry"
        verbose_name_plural = "staff log entries"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The per-reader timeline, and the log filtered by moderator or article.
            models.Index(fields=["author", "-created_at"], name="staffact_author_idx"),
            models.Index(fields=["actor", "-created_at"], name="staffact_actor_idx"),
            models.Index(fields=["article", "-created_at"], name="staffact_article_idx"),
        ]

    def __str__(self):
        return f"{self.actor_name}: {self.action}"
