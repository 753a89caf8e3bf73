from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone


class PollQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(closed_at__isnull=True).exclude(closes_at__lte=now)

    def due_to_close(self, now=None):
        return self.filter(closed_at__isnull=True, closes_at__lte=now or timezone.now())

    def with_totals(self):
        return self.annotate(
            total_votes=Sum("choices__vote_count", filter=Q(choices__status="approved"))
        )


class Poll(models.Model):
    """A reader question of an article, which readers answer by voting."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes / No"
        CHOICE = "choice", "Multiple choice"
        OPEN = "open", "Open (readers propose answers)"

    class ResultsVisibility(models.TextChoices):
        ALWAYS = "always", "Always"
        AFTER_VOTE = "after_vote", "After the reader votes"
        AFTER_CLOSE = "after_close", "After the poll closes"

    class Source(models.TextChoices):
        BRIEFING = "briefing", "Briefing file"
        EDITOR = "editor", "Added by an editor"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="polls")
    # The question's place in the article. Empty when a re-import rebuilt the
    # blocks without this question; such polls are listed after the article.
    block = models.OneToOneField(
        "articles.Block", null=True, blank=True, on_delete=models.SET_NULL, related_name="poll"
    )
    question = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.BRIEFING)
    position = models.PositiveIntegerField(default=0)
    results_visibility = models.CharField(
        max_length=20, choices=ResultsVisibility.choices, default=ResultsVisibility.AFTER_VOTE
    )
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Voting stops at this time (empty: stays open)."
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Approved comments in the question's discussion, kept by the comments service.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PollQuerySet.as_manager()

    class Meta:
        ordering = ["article", "position", "pk"]
        constraints = [
            # Re-imports find a poll by its question text, so its votes survive.
            models.UniqueConstraint(fields=["article", "question"], name="poll_unique_question"),
        ]
        indexes = [
            # The beat task that closes polls at their closing time.
            models.Index(
                fields=["closes_at"],
                condition=Q(closed_at__isnull=True, closes_at__isnull=False),
                name="poll_due_to_close_idx",
            ),
        ]

    def __str__(self):
        return self.question

    def is_closed(self, now=None):
        if self.closed_at is not None:
            return True
        return self.closes_at is not None and self.closes_at <= (now or timezone.now())


class ChoiceQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Choice.Status.APPROVED)

    def pending(self):
        return self.filter(status=Choice.Status.PENDING)

    def in_poll_order(self):
        """One poll's answers in their order. The default ordering starts with
        the poll, which joins the poll and its article only to sort by them."""
        return self.order_by("position", "pk")


class Choice(models.Model):
    """An answer readers can vote for; on open questions, first a reader's proposal."""

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        PENDING = "pending", "Awaiting moderation"
        REJECTED = "rejected", "Rejected"

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=200)
    # Case, spacing and punctuation folded away: two proposals that normalise
    # alike are one answer.
    normalized_text = models.CharField(max_length=200, editable=False)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPROVED)
    # Kept exact by the voting service with F() in the vote's transaction;
    # `manage.py recount_votes` rebuilds it from the votes.
    vote_count = models.PositiveIntegerField(default=0, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_choices",
    )
    proposed_by_voter = models.CharField(max_length=64, blank=True, editable=False)
    proposal_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Readers who proposed this answer."
    )
    # The automatic first pass on a proposal: when it ran and why it held or
    # rejected (a held proposal stays pending for a moderator).
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderation_reasons = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "answer"
        ordering = ["poll", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "normalized_text"], name="choice_unique_normalized_text"
            ),
        ]
        indexes = [
            # Moderators' queue of proposals awaiting a decision.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="choice_pending_idx",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_proposal(self):
        return self.proposal_count > 0


class Vote(models.Model):
    """One reader's answer to one poll: by account when signed in, else by voter cookie."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    # NULL, not "", for signed-in voters: the unique constraint per cookie
    # must ignore them.
    voter_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The voter was first seen (cookie issued, account created) just before
    # voting: brigades arrive with fresh identities.
    is_new_voter = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "user"],
                condition=Q(user__isnull=False),
                name="vote_one_per_account",
            ),
            models.UniqueConstraint(
                fields=["poll", "voter_key"],
                condition=Q(voter_key__isnull=False),
                name="vote_one_per_voter_cookie",
            ),
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, voter_key__isnull=True)
                    | Q(user__isnull=True, voter_key__isnull=False)
                ),
                name="vote_has_exactly_one_voter",
            ),
        ]
        indexes = [
            # Counting and exporting a poll's votes per choice.
            models.Index(fields=["poll", "choice"], name="vote_poll_choice_idx"),
            # The surge task's votes per poll and minute.
            models.Index(fields=["created_at", "poll"], name="vote_created_idx"),
        ]

    def __str__(self):
        return f"{self.poll_id}: {self.choice_id}"


class VoteMinute(models.Model):
    """Votes cast on a poll in one minute, for spotting surges.

    Written by the surge task from the votes themselves, so the vote request
    never waits on a row every voter of the poll would share.
    """

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="minutes")
    minute = models.DateTimeField()
    votes = models.PositiveIntegerField(default=0)
    # Votes from voters first seen within the last few minutes (fresh cookies,
    # new accounts): a brigade arrives with them.
    new_voter_votes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["poll", "minute"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "minute"], name="vote_minute_unique"),
        ]

    def __str__(self):
        return f"{self.poll_id} @ {self.minute:%Y-%m-%d %H:%M}: {self.votes}"


class Surge(models.Model):
    """A minute in which a poll drew far more votes than usual; shown to editors."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="surges")
    minute = models.DateTimeField()
    votes = models.PositiveIntegerField()
    baseline_per_minute = models.FloatField(help_text="Average votes per minute before it.")
    new_voter_share = models.FloatField(help_text="Share of its votes from new voters.")
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-minute"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "minute"], name="surge_unique_minute"),
        ]

    def __str__(self):
        return (
            f"{self.votes} votes at {self.minute:%H:%M} "
            f"(usual {self.baseline_per_minute:.1f}/min, {self.new_voter_share:.0%} new voters)"
        )
