from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


def visible_to_q(user) -> Q:
    """Who may see a comment's text and author, as a filter: the one rule, with
    Comment.is_visible_to beside it for a comment already loaded.

    Everyone sees approved comments; authors also see their own awaiting or refused
    ones (they see its fate). A deleted comment is nobody's to see. Staff read the
    rest in the admin, not on reader pages. `user` None means any reader.
    """
    shown = Q(status=Comment.Status.APPROVED)
    if user is not None and user.is_authenticated:
        shown |= Q(author_id=user.pk)
    return shown & Q(deleted_at__isnull=True)


class CommentQuerySet(MP_NodeQuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def visible_to(self, user):
        """The comments whose text and author this reader may see (see visible_to_q)."""
        return self.filter(visible_to_q(user))

    def discussion(self, article, poll=None):
        """The top-level comments of the article's own discussion, or of one question's."""
        return self.filter(article=article, poll=poll, depth=1)


class CommentManager(MP_NodeManager.from_queryset(CommentQuerySet)):
    def get_queryset(self):
        return CommentQuerySet(self.model, using=self._db).order_by("path")


# Each at comments/<pk>/<action>/ (comments/urls.py; a test holds the two together).
COMMENT_ACTIONS = ("replies", "reply", "edit", "delete", "like", "report", "pick")


class Comment(MP_Node):
    """A reader's comment: on the article, or in one of its questions' discussions.

    The tree is a materialized path (django-treebeard): a thread is one query,
    `path__startswith=<its top comment's path>`, already in display order.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        HELD = "held", "Held for a moderator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # 36**6 top-level comments across the site, 42 levels deep.
    steplen = 6
    max_depth = 42
    path = models.CharField(max_length=steplen * max_depth, unique=True)

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    poll = models.ForeignKey(
        "polls.Poll",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text="Set for a question's own discussion.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(help_text="As the reader wrote it (Markdown).")
    body_html = models.TextField(editable=False, help_text="Rendered and sanitized once.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # The reader's answer in the question's poll, shown beside their name when
    # they chose to show it (copied when posting: it never reveals more later).
    stance = models.ForeignKey(
        "polls.Choice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    like_count = models.PositiveIntegerField(default=0, editable=False)
    report_count = models.PositiveIntegerField(default=0, editable=False)
    # Approved replies anywhere below this comment ("most replies" sorting).
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    # Wilson lower bound of likes against reports ("best" sorting).
    score = models.FloatField(default=0, editable=False)
    # Bumped by every edit: moderation decides once per version.
    version = models.PositiveIntegerField(default=1, editable=False)
    toxicity = models.FloatField(null=True, blank=True, editable=False)
    # Shown to the author when a moderator rejects it.
    public_reason = models.CharField(max_length=200, blank=True)
    featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentManager()

    class Meta:
        ordering = ["path"]
        indexes = [
            # A discussion's top-level comments, by each sort order.
            models.Index(
                fields=["article", "poll", "depth", "-created_at", "-id"], name="comment_newest_idx"
            ),
            models.Index(
                fields=["article", "poll", "depth", "-score", "-id"], name="comment_best_idx"
            ),
            models.Index(
                fields=["article", "poll", "depth", "-reply_count", "-id"],
                name="comment_replies_idx",
            ),
            # The same for the article's own discussion: PostgreSQL does not read
            # `poll IS NULL` as fixing the column, so the indexes above could
            # not give it its order, and it sorted every top-level comment.
            models.Index(
                fields=["article", "depth", "-created_at", "-id"],
                condition=Q(poll__isnull=True),
                name="comment_article_newest_idx",
            ),
            models.Index(
                fields=["article", "depth", "-score", "-id"],
                condition=Q(poll__isnull=True),
                name="comment_article_best_idx",
            ),
            models.Index(
                fields=["article", "depth", "-reply_count", "-id"],
                condition=Q(poll__isnull=True),
                name="comment_article_replies_idx",
            ),
            # Editors' picks: a few among thousands.
            models.Index(
                fields=["article", "poll"], condition=Q(featured=True), name="comment_picks_idx"
            ),
            # The moderation queue.
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="comment_pending_idx"
            ),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.body[:60]}"

    @property
    def author_name(self):
        return self.author.username if self.author_id else "[deleted account]"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    def is_visible_to(self, user) -> bool:
        """visible_to_q for a comment already loaded (the two must agree; a test holds them)."""
        if self.is_deleted:
            return False
        if self.status == Comment.Status.APPROVED:
            return True
        return user is not None and user.is_authenticated and self.author_id == user.pk

    @property
    def parent_path(self) -> str:
        """The path of the comment it answers ("" for a top-level comment)."""
        return self.path[: -self.steplen]

    @property
    def takes_replies(self) -> bool:
        """Whether a reader may answer it, its article being open."""
        return self.is_visible_to(None) and self.depth < self.max_depth

    def get_absolute_url(self):
        return self.urls["detail"]

    @cached_property
    def urls(self) -> dict[str, str]:
        """The comment's page and its actions: one reverse() for the many links of a thread."""
        detail = reverse("comments:detail", args=[self.pk])
        return {"detail": detail, **{action: f"{detail}{action}/" for action in COMMENT_ACTIONS}}


class Like(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reader"], name="like_once_per_reader"),
        ]

    def __str__(self):
        return f"{self.reader_id} likes {self.comment_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_reader"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on {self.comment_id}"


class ModerationSettings(models.Model):
    """The pipeline's thresholds: one row, edited in the admin, read by every task."""

    max_links = models.PositiveSmallIntegerField(
        default=2, help_text="More links than this holds a comment."
    )
    new_account_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Links from accounts younger than this are held."
    )
    velocity_comments = models.PositiveSmallIntegerField(
        default=5, help_text="More comments than this by one author..."
    )
    velocity_minutes = models.PositiveSmallIntegerField(
        default=2, help_text="...within this many minutes holds the next ones."
    )
    duplicate_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="The same text by the same author within this window is rejected."
    )
    # A high score alone holds the comment for a moderator; only a near-certain one
    # rejects it without a human.
    toxicity_hold = models.FloatField(default=0.8, help_text="Hold at or above this score.")
    toxicity_reject = models.FloatField(
        default=0.97, help_text="Reject at or above this score, without a moderator."
    )
    report_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="Reports from distinct readers that hide an approved comment."
    )
    premoderate_below = models.PositiveSmallIntegerField(
        default=2,
        help_text="Hold a new commenter's comments until this many are approved (0: off).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="moderation_settings_singleton"),
            models.CheckConstraint(
                condition=Q(toxicity_hold__gte=0, toxicity_hold__lte=1)
                & Q(toxicity_reject__gte=0, toxicity_reject__lte=1),
                name="moderation_thresholds_0_to_1",
            ),
        ]

    def __str__(self):
        return "Moderation settings"

    @classmethod
    def current(cls) -> "ModerationSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class ModeratedTerm(models.Model):
    """A word moderators list: banned words reject, suspect words hold."""

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned (reject)"
        SUSPECT = "suspect", "Suspect (hold)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    term = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "term"], name="moderated_term_unique"),
        ]

    def __str__(self):
        return f"{self.term} ({self.get_kind_display()})"


class BlockedDomain(models.Model):
    domain = models.CharField(max_length=253, unique=True, help_text="e.g. spam.example")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class AuthorStanding(models.Model):
    """What moderators decided about an author."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing"
    )
    banned_at = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    premoderate = models.BooleanField(default=False, help_text="Hold every comment.")
    trusted = models.BooleanField(
        default=False, help_text="Skips pre-moderation and the velocity check."
    )
    public_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why they are banned or suspended, as the reader is told.",
    )
    note = models.CharField(max_length=500, blank=True, help_text="For staff only.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Standing of {self.user}"


class ModerationDecision(models.Model):
    """One decision on one version of a comment, by the pipeline or a moderator. Kept forever."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approve"
        HOLD = "hold", "Hold"
        REJECT = "reject", "Reject"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    phase = models.CharField(max_length=40)
    reasons = models.JSONField(default=list)
    score = models.FloatField(null=True, blank=True)
    # Empty: the automatic pipeline.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The pipeline decides each version once, however often its task runs.
            models.UniqueConstraint(
                fields=["comment", "version"],
                condition=Q(actor__isnull=True) & ~Q(phase="reports"),
                name="decision_once_per_version",
            ),
        ]
        indexes = [
            # Decisions per hour on the queue-health panel.
            models.Index(fields=["created_at"], name="decision_created_idx"),
        ]

    def __str__(self):
        who = self.actor or "system"
        return f"{self.get_outcome_display()} by {who} ({self.phase})"


class CommentRevision(models.Model):
    """A comment's text as it was before its author edited it: what moderators compare
    the new version with. Written by the edit service; gone with the comment's text when
    its author deletes it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    body = models.TextField()
    # When this version was written (the comment's posting, or its previous edit).
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "version"], name="revision_once_per_version"
            ),
        ]

    def __str__(self):
        return f"Version {self.version} of comment {self.comment_id}"
