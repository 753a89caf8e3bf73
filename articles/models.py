from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Readers see published articles; editors may preview the rest."""
        if user.has_perm("articles.change_article"):
            return self
        return self.published()

    def discussion_continues_in(self, article) -> "Article | None":
        """The story's latest published piece after `article` whose comments are open:
        where a closed discussion points its readers."""
        root = article.story_root_id
        return (
            self.published()
            .filter(Q(pk=root) | Q(story_id=root), comments_closed=False)
            .filter(published_at__gt=article.published_at)
            .only("title", "slug", "published_at")
            .order_by("-published_at", "-pk")
            .first()
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled article goes out."
    )
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
        help_text="The earlier article of the story this one follows up.",
    )
    # The story's first article (None on the first article itself): the whole
    # story is one query, however long it grows.
    story = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    lead = models.TextField(blank=True, help_text="First paragraph; used for summaries and meta.")
    keywords = models.JSONField(default=list, blank=True)
    comments_closed = models.BooleanField(default=False, help_text="Refuse new comments.")
    # Readers are told since when; set and cleared with comments_closed (publishing.py).
    comments_closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    premoderate = models.BooleanField(
        default=False, help_text="Hold every new comment for a moderator."
    )
    # Kept by the comments service as comments are approved, so the front page
    # never counts every comment. (Votes are summed from their choices' counters.)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    # Corrections and updates shown on the page, kept by articles.corrections: the page asks
    # for them only when there are some.
    correction_count = models.PositiveIntegerField(default=0, editable=False)
    # One more each time its sections or blocks change (articles.body): the page keeps
    # the body's HTML under this number and never draws it again until it moves.
    body_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            # Moderators hold this without change_article: a flame war is theirs to stop.
            ("moderate_comments", "Can close, reopen and pre-moderate an article's comments"),
        ]
        indexes = [
            # The front page: published articles, newest first.
            models.Index(fields=["status", "-published_at"], name="article_front_page_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False),
                name="article_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(follows=models.F("pk")), name="article_does_not_follow_itself"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.follows_id:
            self.story_id = self.follows.story_root_id
        else:
            self.story_id = None
        saves_a_row_read = not self._state.adding and self.pk is not None
        if (
            saves_a_row_read
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            # body_version moves in the database alone (articles.body): an instance read
            # before its body last changed must not set it back, or the page would show
            # the body stored under the old number.
            deferred = self.get_deferred_fields()  # as Django does: only the fields loaded
            kwargs["update_fields"] = [name for name in SAVED_IN_FULL if name not in deferred]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def story_root_id(self):
        return self.story_id or self.pk

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


SAVED_IN_FULL = [
    field.attname
    for field in Article._meta.concrete_fields
    if not field.primary_key and field.name != "body_version"
]


class Section(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True, help_text="Empty for the lead.")
    level = models.PositiveSmallIntegerField(default=2)
    anchor = models.SlugField(max_length=100)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="section_unique_position"),
            models.UniqueConstraint(fields=["article", "anchor"], name="section_unique_anchor"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=6), name="section_level_1_to_6"
            ),
        ]

    def __str__(self):
        return self.title or "Lead"

    @property
    def heading_level(self):
        """The HTML heading level: the headline is the page's only <h1>."""
        return max(self.level, 2)


class Block(models.Model):
    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", "Paragraph"
        LIST = "list", "Bulleted list"
        TABLE = "table", "Table"
        QUESTION = "question", "Reader question"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(
        help_text=(
            "As in a briefing file: a paragraph's text; list items as '- item' lines; "
            "a table as '| a | b |' lines after an optional caption line; one question."
        )
    )
    # The parsed form of `text` (list items, table caption/header/rows), so
    # pages render without parsing.
    data = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="block_unique_position"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class StoryFollow(models.Model):
    """A signed-in reader asked to hear of the story's follow-ups."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_follows"
    )
    story = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="followers", help_text="The first article."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "story"], name="storyfollow_once"),
        ]

    def __str__(self):
        return f"{self.user} follows {self.story}"


class FollowupNotice(models.Model):
    """One follower told of one follow-up: the row that makes it exactly once."""

    followup = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Email(models.TextChoices):
        NONE = "", "No email"
        FOLLOWS = "follows", "Follows the story"
        TOOK_PART = "took_part", "Took part in an answered question and asked for email"

    created_at = models.DateTimeField(auto_now_add=True)
    email = models.CharField(max_length=20, choices=Email.choices, default="", blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["followup", "user"], name="followupnotice_once"),
        ]

    def __str__(self):
        return f"{self.user} told of {self.followup}"


class FollowupQuestion(models.Model):
    """A reader question of the story, taken up by a follow-up: answered, or its results shown."""

    followup = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="questions")
    poll = models.ForeignKey("polls.Poll", on_delete=models.CASCADE, related_name="followups")
    answers = models.BooleanField(
        default=False,
        help_text="This follow-up answers the question: readers who voted, proposed an answer "
        "or commented under it are told when it is published.",
    )
    show_results = models.BooleanField(
        default=True, help_text="Show the poll's results in the follow-up (“What readers said”)."
    )
    after_section = models.PositiveIntegerField(
        default=0,
        help_text="Show the results after this section (its number, from 1); 0 puts them "
        "at the end of the article.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["followup", "poll"], name="followupquestion_once"),
        ]

    def __str__(self):
        return f"{self.followup} takes up “{self.poll}”"

    def clean(self):
        if self.poll_id and self.followup_id:
            story = self.followup.story_root_id
            poll_story = self.poll.article.story_root_id
            if story != poll_story:
                raise ValidationError({"poll": "Choose a question from this article's story."})


class ArticleVersionQuerySet(models.QuerySet):
    def on_the_record(self):
        """Corrections and updates: the versions readers are told of, oldest first."""
        return self.filter(
            kind__in=[ArticleVersion.Kind.CORRECTION, ArticleVersion.Kind.UPDATE]
        ).order_by("number")


class ArticleVersion(models.Model):
    """The text of a published article as it stood after one change (or at publication)."""

    class Kind(models.TextChoices):
        FIRST = "first", "First publication"
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"
        SILENT = "silent", "Silent fix"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True, help_text="What was wrong, or what is new; readers see it.")
    # Title, lead and sections as plain text, so any two versions compare line by line.
    text = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            # Also the index of the article page's corrections and the admin's version list.
            models.UniqueConstraint(
                fields=["article", "number"], name="articleversion_number_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["first", "silent"]) | ~Q(note=""),
                name="articleversion_public_change_has_note",
            ),
        ]

    def __str__(self):
        return f"{self.article} v{self.number} ({self.get_kind_display()})"


class CorrectionNotice(models.Model):
    """One reader told of one correction or update: the row that makes it exactly once."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="correctionnotice_once"),
        ]

    def __str__(self):
        return f"{self.user} told of {self.version}"
