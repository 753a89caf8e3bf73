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


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    lead = models.TextField(blank=True, help_text="First paragraph; used for summaries and meta.")
    keywords = models.JSONField(default=list, blank=True)
    comments_closed = models.BooleanField(default=False, help_text="Refuse new comments.")
    premoderate = models.BooleanField(
        default=False, help_text="Hold every new comment for a moderator."
    )
    # Kept by the comments service as comments are approved, so the front page
    # never counts every comment. (Votes are summed from their choices' counters.)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # The front page: published articles, newest first.
            models.Index(fields=["status", "-published_at"], name="article_front_page_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


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
