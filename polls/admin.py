import csv
from collections import defaultdict

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Case, Count, Prefetch, Q, When
from django.db.models.functions import TruncDate
from django.http import HttpResponse
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from articles.models import Article
from briefing_site.ids import database_id
from polls.forms import ChoiceAdminForm, ChoiceInlineFormSet, PollAddForm, PollChangeForm
from polls.live import poll_results_changed
from polls.models import Choice, Poll, Surge, Vote
from polls.placement import add_poll_after_block, close_polls, reopen_polls
from polls.proposals import moderate_proposals, record_proposal_decision

CSV_HEADER = ["poll_id", "question", "option", "day", "votes"]


def vote_count_rows(polls):
    """Per poll, option and day, the votes as they stand; then each option's total.

    The day is when the voter made their current choice. Only counts: no voter
    is named. The per-day counts come from one grouped query.
    """
    polls = list(polls)
    choices = Choice.objects.approved().filter(poll__in=polls).order_by("poll", "position", "pk")
    per_day = defaultdict(list)
    for row in (
        Vote.objects.filter(choice__in=choices)
        .annotate(day=TruncDate("updated_at"))
        .values("choice_id", "day")
        .annotate(votes=Count("pk"))
        .order_by("choice_id", "day")
    ):
        per_day[row["choice_id"]].append((row["day"], row["votes"]))
    choices_of = defaultdict(list)
    for choice in choices:
        choices_of[choice.poll_id].append(choice)
    for poll in polls:
        for choice in choices_of[poll.pk]:
            for day, votes in per_day[choice.pk]:
                yield [poll.pk, poll.question, choice.text, day.isoformat(), votes]
            yield [poll.pk, poll.question, choice.text, "", choice.vote_count]


def spreadsheet_safe(value):
    """Readers write answers: keep a spreadsheet from running one as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class ChoiceInline(admin.TabularInline):
    model = Choice
    form = ChoiceAdminForm
    formset = ChoiceInlineFormSet
    fields = ["position", "text", "status", "vote_count", "proposal_count"]
    readonly_fields = ["vote_count", "proposal_count"]
    extra = 0


class PollStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "closed":
            return queryset.filter(Q(closed_at__isnull=False) | Q(closes_at__lte=timezone.now()))
        return queryset


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = [
        "short_question",
        "short_article",
        "kind",
        "total_votes",
        "pending_proposals",
        "is_open",
        "latest_surge",
    ]
    list_select_related = ["article"]
    list_filter = [("article", admin.RelatedOnlyFieldListFilter), "kind", PollStateFilter]
    search_fields = ["question", "article__title"]
    fields = [
        "article",
        "source",
        "question",
        "kind",
        "results_visibility",
        "closes_at",
        "state",
        "surge_report",
    ]
    readonly_fields = ["article", "source", "state", "surge_report"]
    form = PollChangeForm
    add_form = PollAddForm
    add_fieldsets = [
        (None, {"fields": ["article", "after_block", "question", "kind", "answers"]}),
        ("Results", {"fields": ["results_visibility", "closes_at"]}),
    ]
    actions = ["close_selected", "reopen_selected", "export_vote_counts"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_totals()
            .annotate(
                pending_count=Count("choices", filter=Q(choices__status=Choice.Status.PENDING))
            )
            .prefetch_related(
                Prefetch(
                    "surges", queryset=Surge.objects.order_by("-minute")[:1], to_attr="last_surge"
                )
            )
        )

    # The list

    @admin.display(description="Question", ordering="question")
    def short_question(self, poll):
        return Truncator(poll.question).chars(90)

    @admin.display(description="Article", ordering="article__title")
    def short_article(self, poll):
        return Truncator(poll.article.title).chars(45)

    @admin.display(description="Votes", ordering="total_votes")
    def total_votes(self, poll):
        return poll.total_votes or 0

    @admin.display(description="Proposals to moderate", ordering="pending_count")
    def pending_proposals(self, poll):
        if not poll.pending_count:
            return 0
        url = reverse("admin:polls_choice_changelist") + f"?poll__id__exact={poll.pk}"
        return format_html('<a href="{}">{}</a>', url, poll.pending_count)

    @admin.display(description="Open", boolean=True)
    def is_open(self, poll):
        return not poll.is_closed()

    @admin.display(description="Latest surge")
    def latest_surge(self, poll):
        if not poll.last_surge:
            return ""
        surge = poll.last_surge[0]
        return f"⚠ {surge.minute:%d %b} {surge}"

    # The change form

    @admin.display(description="State")
    def state(self, poll):
        if poll.closed_at:
            return f"Closed on {timezone.localtime(poll.closed_at):%d %b %Y, %H:%M}"
        if poll.is_closed():
            return "Closed: its closing time has passed"
        return "Open"

    @admin.display(description="Vote surges")
    def surge_report(self, poll):
        surges = poll.surges.order_by("-minute")
        if not surges:
            return "None recorded."
        return format_html(
            "<table><thead><tr><th>Minute</th><th>Votes</th><th>Usual per minute</th>"
            "<th>New voters</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        f"{timezone.localtime(surge.minute):%d %b %Y, %H:%M}",
                        surge.votes,
                        f"{surge.baseline_per_minute:.1f}",
                        f"{surge.new_voter_share:.0%}",
                    )
                    for surge in surges
                ),
            ),
        )

    def get_inlines(self, request, obj):
        return [ChoiceInline] if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.source == Poll.Source.BRIEFING:
            # A re-import finds this poll by its question text: change the
            # briefing and import it again instead.
            return [*self.readonly_fields, "question", "kind"]
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form.for_article(self._article_in_query(request))
        return super().get_form(request, obj, **kwargs)

    def _article_in_query(self, request):
        """The article of an add page opened from it, as `?article=<id>`."""
        article_id = database_id(request.GET.get("article"))
        if article_id is None:
            return None
        return Article.objects.filter(pk=article_id).first()

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        # A new poll is saved with its question block and answers by
        # polls.placement, in the admin's transaction.
        return add_poll_after_block(**form.placement())

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not change:
            return
        super().save_related(request, form, formsets, change)
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            poll_results_changed(form.instance)

    # Actions

    def has_export_permission(self, request):
        return self.has_change_permission(request)

    @admin.action(description="Close selected polls", permissions=["change"])
    def close_selected(self, request, queryset):
        closed = close_polls(polls=queryset)
        self.message_user(
            request, f"Closed {len(closed)} poll{pluralize(len(closed))}.", messages.SUCCESS
        )

    @admin.action(description="Reopen selected polls", permissions=["change"])
    def reopen_selected(self, request, queryset):
        reopened = reopen_polls(polls=queryset)
        self.message_user(
            request, f"Reopened {len(reopened)} poll{pluralize(len(reopened))}.", messages.SUCCESS
        )

    @admin.action(description="Export vote counts as CSV", permissions=["export"])
    def export_vote_counts(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"poll-votes-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for row in vote_count_rows(queryset):
            writer.writerow([spreadsheet_safe(value) for value in row])
        return response


class ProposalStatusFilter(admin.SimpleListFilter):
    """Awaiting moderation unless asked otherwise: the queue is what moderators open it for."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [
            (Choice.Status.PENDING, "Awaiting moderation"),
            (Choice.Status.APPROVED, "Approved"),
            (Choice.Status.REJECTED, "Rejected"),
            (self.ALL, "All"),
        ]

    def _selected(self):
        return self.value() or Choice.Status.PENDING

    def queryset(self, request, queryset):
        if self._selected() == self.ALL:
            return queryset
        return queryset.filter(status=self._selected())

    def choices(self, changelist):
        for value, title in self.lookup_choices:
            yield {
                "selected": self._selected() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


@admin.register(Choice)
class ChoiceAdmin(admin.ModelAdmin):
    """Proposed answers: readers' answers to open questions, the ones awaiting moderation first."""

    form = ChoiceAdminForm
    list_display = [
        "text",
        "short_poll",
        "proposer",
        "reason",
        "proposal_count",
        "created_at",
        "status",
    ]
    list_select_related = ["poll", "proposed_by"]
    list_filter = [ProposalStatusFilter, ("poll", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "poll__question"]
    ordering = [Case(When(status=Choice.Status.PENDING, then=0), default=1), "created_at"]
    fields = [
        "poll",
        "text",
        "proposer",
        "reason",
        "status",
        "proposal_count",
        "vote_count",
        "created_at",
    ]
    # A moderator approves or rejects a reader's words; nobody rewrites them.
    readonly_fields = [
        "poll",
        "text",
        "proposer",
        "reason",
        "proposal_count",
        "vote_count",
        "created_at",
    ]
    actions = ["approve", "reject"]

    @admin.display(description="Question", ordering="poll__question")
    def short_poll(self, choice):
        return Truncator(choice.poll.question).chars(70)

    @admin.display(description="Proposed by", ordering="proposed_by__username")
    def proposer(self, choice):
        if choice.proposed_by_id is not None:
            return choice.proposed_by.username
        return "a visitor (not logged in)" if choice.proposed_by_voter else "—"

    @admin.display(description="Why it waits or was refused")
    def reason(self, choice):
        if choice.moderation_reasons:
            return " ".join(choice.moderation_reasons)
        if choice.moderated_at is None:
            return "Not checked yet."
        return "Nothing found: it waits for a moderator."

    def get_queryset(self, request):
        return super().get_queryset(request).filter(proposal_count__gt=0)

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Proposed answers", **(extra_context or {})}
        return super().changelist_view(request, context)

    def has_add_permission(self, request):
        return False  # readers propose answers; editors add them on the poll

    def has_delete_permission(self, request, obj=None):
        # A rejected answer is kept, so the same proposal is not asked again.
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "status" in form.changed_data and obj.status != Choice.Status.PENDING:
            record_proposal_decision(obj, request.user, obj.status)
        if form.has_changed():
            poll_results_changed(obj.poll)

    @admin.action(description="Approve selected answers", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, approve=True)

    @admin.action(description="Reject selected answers", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, approve=False)

    def _moderate(self, request, queryset, *, approve):
        changed = moderate_proposals(
            queryset.select_related("poll"), approve=approve, moderator=request.user
        )
        them = pluralize(changed, "it,them")
        done, seen = (
            ("Approved", f"readers can vote for {them} now")
            if approve
            else ("Rejected", f"readers do not see {them}")
        )
        self.message_user(
            request, f"{done} {changed} answer{pluralize(changed)}: {seen}.", messages.SUCCESS
        )
