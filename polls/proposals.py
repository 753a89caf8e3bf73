"""Readers' proposed answers to open questions: collected, deduplicated, moderated."""

import re
import unicodedata
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from polls.live import poll_results_changed
from polls.models import Choice, Poll

MAX_PROPOSAL_LENGTH = 120
WORD_SEPARATORS = set(",;:/\\|+&")


class ProposalRefused(Exception):
    status = 422


@dataclass(frozen=True)
class ProposalOutcome:
    choice: Choice
    created: bool

    @property
    def message(self) -> str:
        # Read again: with eager tasks the first pass has already run.
        self.choice.refresh_from_db(fields=["status"])
        if self.choice.status == Choice.Status.APPROVED:
            if self.created:
                return f"Thanks: “{self.choice.text}” is now an answer everyone can vote for."
            return f"“{self.choice.text}” is already an answer: vote for it below."
        return "Thanks: your answer is with the moderators and appears once approved."


def normalize_answer(text: str) -> str:
    """Fold case, spacing and punctuation so that duplicates compare equal.

    Dashes and separators become spaces ("cease-fire" = "cease fire"); other
    punctuation and symbols vanish ("U.N." = "UN", "patrols!" = "patrols").
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " "
        if char in WORD_SEPARATORS or unicodedata.category(char) in {"Pd", "Ps", "Pe", "Zs"}
        else ""
        if unicodedata.category(char).startswith(("P", "S"))
        else char
        for char in folded
    )
    return re.sub(r"\s+", " ", kept).strip()


def clean_proposal(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise ProposalRefused("Write an answer before sending it.")
    if len(text) > MAX_PROPOSAL_LENGTH:
        raise ProposalRefused(
            f"Keep your answer to {MAX_PROPOSAL_LENGTH} characters (it has {len(text)})."
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ProposalRefused("Your answer contains control characters.")
    if "\N{REPLACEMENT CHARACTER}" in text:  # a byte that was not UTF-8
        raise ProposalRefused("Your answer has characters that could not be read; retype them.")
    if not normalize_answer(text):
        raise ProposalRefused("Your answer needs some words, not only punctuation.")
    return text


def propose_answer(*, poll: Poll, text: str, user=None, voter_key: str = "") -> ProposalOutcome:
    """Add a reader's answer to an open question, pending moderation.

    An answer that normalises like an existing one is the same answer: it is
    counted as proposed once more, never stored twice (a unique constraint
    holds this under concurrency).
    """
    if poll.kind != Poll.Kind.OPEN:
        raise ProposalRefused("This question has fixed answers; vote for one of them.")
    if not poll.article.is_published or poll.is_closed():
        raise ProposalRefused("This poll is closed to new answers.")
    text = clean_proposal(text)
    normalized = normalize_answer(text)
    signed_in = user is not None and user.is_authenticated

    for _attempt in range(3):
        existing = Choice.objects.filter(poll=poll, normalized_text=normalized).first()
        if existing is not None:
            Choice.objects.filter(pk=existing.pk).update(proposal_count=F("proposal_count") + 1)
            return ProposalOutcome(existing, created=False)
        try:
            with transaction.atomic():
                position = (poll.choices.aggregate(last=Max("position"))["last"] or 0) + 1
                choice = Choice.objects.create(
                    poll=poll,
                    text=text,
                    normalized_text=normalized,
                    position=position,
                    status=Choice.Status.PENDING,
                    proposed_by=user if signed_in else None,
                    proposed_by_voter="" if signed_in else voter_key,
                    proposal_count=1,
                )
            transaction.on_commit(partial(proposal_submitted, choice.pk))
            return ProposalOutcome(choice, created=True)
        except IntegrityError:
            continue  # the same answer was proposed at this very moment; count it instead
    raise ProposalRefused("Your answer could not be saved; please try again.")


def pending_proposals_of(*, polls, user=None, voter_key: str = "") -> dict[int, list[str]]:
    """This reader's proposals still awaiting moderation, per poll, in one query."""
    polls = [poll for poll in polls if poll.kind == Poll.Kind.OPEN]
    if not polls:
        return {}
    if user is not None and user.is_authenticated:
        mine = {"proposed_by": user}
    elif voter_key:
        mine = {"proposed_by_voter": voter_key}
    else:
        return {}
    pending: dict[int, list[str]] = {}
    for poll_id, text in (
        Choice.objects.pending().filter(poll__in=polls, **mine).values_list("poll_id", "text")
    ):
        pending.setdefault(poll_id, []).append(text)
    return pending


def moderate_proposals(choices, *, approve: bool) -> int:
    """Approve or reject proposed answers; returns how many changed."""
    status = Choice.Status.APPROVED if approve else Choice.Status.REJECTED
    changed = 0
    for choice in choices:
        if choice.status == status:
            continue
        Choice.objects.filter(pk=choice.pk).update(status=status)
        changed += 1
        poll_results_changed(choice.poll)
    return changed


def proposal_submitted(choice_id: int):
    """After a new proposal commits: the moderation pipeline's first pass (a Celery task)."""
    from polls.tasks import enqueue_proposal_moderation

    enqueue_proposal_moderation(choice_id)


@transaction.atomic
def record_proposal_verdict(choice_id: int, verdict) -> bool:
    """Apply the pipeline's verdict once; a held proposal waits for a moderator."""
    choice = Choice.objects.select_for_update().select_related("poll").filter(pk=choice_id).first()
    if choice is None or choice.status != Choice.Status.PENDING or choice.moderated_at:
        return False
    choice.moderated_at = timezone.now()
    choice.moderation_reasons = list(verdict.reasons)
    if verdict.outcome == "approve":
        choice.status = Choice.Status.APPROVED
    elif verdict.outcome == "reject":
        choice.status = Choice.Status.REJECTED
    choice.save(update_fields=["moderated_at", "moderation_reasons", "status"])
    if choice.status == Choice.Status.APPROVED:
        poll_results_changed(choice.poll)
    return True
