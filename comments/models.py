from django.conf import settings
from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class CommentQuerySet(MP_NodeQuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def visible_to(self, user):
        """Approved comments, plus the reader's own comments awaiting moderation."""
        shown = Q(status=Comment.Status.APPROVED)
        if user is not None and user.is_authenticated:
            shown |= Q(status=Comment.Status.PENDING, author=user)
        return self.filter(shown)

    def discussion(self, article, poll=None):
        """The top-level comments of the article's own discussion, or of one question's."""
        return self.filter(article=article, poll=poll, depth=1)


class CommentManager(MP_NodeManager.from_queryset(CommentQuerySet)):
    def get_queryset(self):
        return CommentQuerySet(self.model, using=self._db).order_by("path")


class Comment(MP_Node):
    """A reader's comment: on the article, or in one of its questions' discussions.

    The tree is a materialized path (django-treebeard): a thread is one query,
    `path__startswith=<its top comment's path>`, already in display order.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # 36**6 top-level comments across the site, 42 levels deep.
    steplen = 6
    path = models.CharField(max_length=252, unique=True)

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

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("comments:detail", args=[self.pk])


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
