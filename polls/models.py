from django.db import models


class Poll(models.Model):
    """A reader question of an article. Votes arrive with the polls feature."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes / No"
        CHOICE = "choice", "Multiple choice"
        OPEN = "open", "Open (readers propose answers)"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="polls")
    # The question's place in the article; cleared while an import rebuilds
    # the blocks, set again when the question is still there.
    block = models.OneToOneField(
        "articles.Block", null=True, blank=True, on_delete=models.SET_NULL, related_name="poll"
    )
    question = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            # Re-imports find a poll by its question text, so its votes survive.
            models.UniqueConstraint(fields=["article", "question"], name="poll_unique_question"),
        ]

    def __str__(self):
        return self.question


class Choice(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "text"], name="choice_unique_text"),
        ]

    def __str__(self):
        return self.text
