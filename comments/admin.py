"""The moderators' admin: the comment queues, their health, and what moderators decide.

The queues (the "Queue" filter on the comment list, counted in one query):

- Pending: waiting for the pipeline. Every decision moves a comment out of
  pending, so a pending comment has no decision on its current version (an
  edit starts a new version, back in pending; a held comment's stays held).
- Held: held for a moderator, by the pipeline or by readers' reports (once
  they reach ModerationSettings.report_threshold; the latest decision's phase
  is then "reports").
- Reported: published comments with at least one report that no moderator
  has decided on since, i.e. reported but below the hiding threshold. A
  moderator's decision clears it; a new report brings it back.
- Rejected, Approved: everything in those states.

Pending, Held and Reported are work to do: comments their authors deleted
are left out of them.
"""

import datetime as dt
import statistics

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, JSONField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from comments import moderator_actions
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
    Report,
)
from comments.services import CommentRefused, can_moderate, set_editors_pick

Status = Comment.Status

QUEUE_TITLES = {
    "pending": "Pending",
    "held": "Held",
    "reported": "Reported",
    "rejected": "Rejected",
    "approved": "Approved",
}

# The median time to a moderator's decision is taken over at most this many
# of the latest decisions (the last 7 days' are usually far fewer).
MEDIAN_SAMPLE = 1000


# The queues


def _unreviewed_reports():
    """The comment's reports that no moderator's decision on it has come after."""
    reviewed = ModerationDecision.objects.filter(
        comment=OuterRef("comment"), actor__isnull=False, created_at__gte=OuterRef("created_at")
    )
    return Report.objects.filter(comment=OuterRef("pk")).filter(~Exists(reviewed))


def queue_conditions() -> dict[str, Q]:
    """Each queue as a condition on comments (see the module's docstring)."""
    live = Q(deleted_at__isnull=True)
    return {
        "pending": live & Q(status=Status.PENDING),
        "held": live & Q(status=Status.HELD),
        "reported": live
        & Q(status=Status.APPROVED, report_count__gt=0)
        & Q(Exists(_unreviewed_reports())),
        "rejected": Q(status=Status.REJECTED),
        "approved": Q(status=Status.APPROVED),
    }


def queue_counts() -> dict[str, int]:
    """Every queue's size, in one query."""
    return Comment.objects.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in queue_conditions().items()}
    )


def queue_health(now: dt.datetime | None = None) -> dict:
    """The numbers on the queue-health panel, in three queries.

    Ages are from posting. The median time to a moderator's decision covers
    the last 7 days' decisions by moderators (at most MEDIAN_SAMPLE of the
    latest), each measured from the comment's posting; None without any.
    """
    now = now or timezone.now()
    conditions = queue_conditions()
    queues = Comment.objects.aggregate(
        pending=Count("pk", filter=conditions["pending"]),
        held=Count("pk", filter=conditions["held"]),
        oldest_pending=Min("created_at", filter=conditions["pending"]),
        oldest_held=Min("created_at", filter=conditions["held"]),
    )
    last_hour = ModerationDecision.objects.filter(
        created_at__gt=now - dt.timedelta(hours=1), created_at__lte=now
    ).aggregate(
        system=Count("pk", filter=Q(actor__isnull=True)),
        moderators=Count("pk", filter=Q(actor__isnull=False)),
    )
    delays = [
        (decided - posted).total_seconds()
        for decided, posted in ModerationDecision.objects.filter(
            actor__isnull=False, created_at__gt=now - dt.timedelta(days=7), created_at__lte=now
        )
        .order_by("-created_at")
        .values_list("created_at", "comment__created_at")[:MEDIAN_SAMPLE]
    ]
    return {
        "pending": queues["pending"],
        "held": queues["held"],
        "oldest_pending_age": _age(queues["oldest_pending"], now),
        "oldest_held_age": _age(queues["oldest_held"], now),
        "system_decisions_last_hour": last_hour["system"],
        "moderator_decisions_last_hour": last_hour["moderators"],
        "median_time_to_moderator_decision": (
            dt.timedelta(seconds=statistics.median(delays)) if delays else None
        ),
    }


def _age(since, now):
    return None if since is None else now - since


def _duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "none"
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def queue_health_rows(health: dict) -> list[tuple[str, str]]:
    return [
        ("Pending", str(health["pending"])),
        ("Held", str(health["held"])),
        ("Oldest pending", _duration(health["oldest_pending_age"])),
        ("Oldest held", _duration(health["oldest_held_age"])),
        (
            "Decisions in the last hour",
            f"{health['system_decisions_last_hour']} by the system, "
            f"{health['moderator_decisions_last_hour']} by moderators",
        ),
        (
            "Median time to a moderator's decision (7 days)",
            _duration(health["median_time_to_moderator_decision"]),
        ),
    ]


# The comment list's filters


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        counts = queue_counts()
        return [(name, f"{title} ({counts[name]})") for name, title in QUEUE_TITLES.items()]

    def queryset(self, request, queryset):
        condition = queue_conditions().get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class LatestPhaseFilter(admin.SimpleListFilter):
    title = "phase of the latest decision"
    parameter_name = "phase"
    UNDECIDED = "-"

    def lookups(self, request, model_admin):
        phases = ModerationDecision.objects.order_by("phase").values_list("phase", flat=True)
        return [*((phase, phase) for phase in phases.distinct()), (self.UNDECIDED, "No decision")]

    def queryset(self, request, queryset):
        if self.value() == self.UNDECIDED:
            return queryset.filter(latest_phase__isnull=True)
        if self.value():
            return queryset.filter(latest_phase=self.value())
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("hour", "In the last hour"), ("today", "Today"), ("older", "Before today")]

    def queryset(self, request, queryset):
        now = timezone.now()
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if self.value() == "hour":
            return queryset.filter(created_at__gte=now - dt.timedelta(hours=1))
        if self.value() == "today":
            return queryset.filter(created_at__gte=midnight)
        if self.value() == "older":
            return queryset.filter(created_at__lt=midnight)
        return queryset


# The comment page's history


class DecisionInline(admin.TabularInline):
    """The comment's decisions, newest first: part of the comment's record, read-only."""

    model = ModerationDecision
    fields = ["created_at", "version", "outcome", "phase", "reason_list", "score", "decided_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "decisions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="Reasons")
    def reason_list(self, decision):
        return "; ".join(map(str, decision.reasons))

    @admin.display(description="By")
    def decided_by(self, decision):
        return decision.actor or "system"

    # Whoever may see the comment sees how it was decided.
    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.has_perm("comments.view_comment") or user.has_perm("comments.change_comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportInline(admin.TabularInline):
    """Readers' reports; who reported is shown to moderators only."""

    model = Report
    readonly_fields = ["created_at", "reason", "note", "reporter"]
    extra = 0
    can_delete = False

    def get_fields(self, request, obj=None):
        fields = ["created_at", "reason", "note"]
        return [*fields, "reporter"] if can_moderate(request.user) else fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The forms of the actions that ask something first


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason shown to the author",
        choices=[(reason, reason) for reason in moderator_actions.REJECTION_REASONS],
        widget=forms.RadioSelect,
    )


class BanForm(forms.Form):
    reject_comments = forms.BooleanField(
        label="Also reject all their comments (pending, held and published)", required=False
    )


class SuspendForm(forms.Form):
    days = forms.IntegerField(
        label="Days", min_value=1, max_value=moderator_actions.MAX_SUSPENSION_DAYS, initial=7
    )


def _author_count(status):
    """How many of the row's author's comments are in this state (a correlated subquery)."""
    counted = (
        Comment.objects.filter(author=OuterRef("author"), status=status)
        .order_by()
        .values("author")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def staff_standing_refused(names) -> str:
    return (
        f"Only a superuser can change the standing of staff: {', '.join(sorted(names))}. "
        "Nothing was changed."
    )


def _authors(comments):
    """The distinct authors of these comments (deleted accounts have none)."""
    authors = {comment.author_id: comment.author for comment in comments if comment.author_id}
    return list(authors.values())


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author_history",
        "short_article",
        "status",
        "latest_decision",
        "toxicity_score",
        "reports",
        "created_at",
    ]
    list_filter = [
        QueueFilter,
        ("article", admin.RelatedOnlyFieldListFilter),
        LatestPhaseFilter,
        AgeFilter,
    ]
    list_select_related = ["article", "author"]
    search_fields = ["body", "author__username"]
    # The queues are worked oldest first.
    ordering = ["created_at", "pk"]
    # The queue filter counts its own; per-lookup facets would cost a query each.
    show_facets = admin.ShowFacets.NEVER
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "article",
                    "poll",
                    "author_history",
                    "status",
                    "featured",
                    "public_reason",
                ]
            },
        ),
        (
            "Comment",
            {
                "fields": [
                    "body",
                    "toxicity",
                    "version",
                    "like_count",
                    "report_count",
                    "reply_count",
                    "created_at",
                    "edited_at",
                    "deleted_at",
                ]
            },
        ),
        ("Thread", {"fields": ["thread"]}),
    ]
    # Moderators change a comment through the actions only, each one recorded.
    readonly_fields = [
        "article",
        "poll",
        "author_history",
        "status",
        "featured",
        "public_reason",
        "body",
        "toxicity",
        "version",
        "like_count",
        "report_count",
        "reply_count",
        "created_at",
        "edited_at",
        "deleted_at",
        "thread",
    ]
    inlines = [DecisionInline, ReportInline]
    actions = [
        "approve",
        "approve_and_feature",
        "pick",
        "unpick",
        "reject",
        "ban_author",
        "suspend_author",
        "premoderate_author",
        "trust_author",
    ]
    # The buttons on a comment's page: the same actions, on that one comment.
    one_comment_actions = {
        "approve": "Approve",
        "approve_and_feature": "Approve and feature",
        "reject": "Reject…",
        "ban_author": "Ban the author…",
        "suspend_author": "Suspend the author…",
        "premoderate_author": "Always pre-moderate the author",
        "trust_author": "Trust the author",
    }

    def has_manage_authors_permission(self, request):
        return moderator_actions.can_manage_authors(request.user)

    def get_queryset(self, request):
        latest = ModerationDecision.objects.filter(comment=OuterRef("pk")).order_by(
            "-created_at", "-pk"
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_phase=Subquery(latest.values("phase")[:1]),
                latest_reasons=Subquery(latest.values("reasons")[:1], output_field=JSONField()),
                author_approved=_author_count(Status.APPROVED),
                author_rejected=_author_count(Status.REJECTED),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a comment would delete its decisions, which are kept forever.
        return False

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Moderation queue", **(extra_context or {})}
        if request.method == "GET":
            context["queue_health"] = queue_health_rows(queue_health())
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        available = self.get_actions(request)
        context = {
            "title": "Moderate comment" if available else "Comment",
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            "moderation_actions": [
                (name, label)
                for name, label in self.one_comment_actions.items()
                if name in available
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    # The list

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return "[deleted]" if comment.is_deleted else Truncator(comment.body).chars(80)

    @admin.display(description="Author", ordering="author__username")
    def author_history(self, comment):
        if comment.author_id is None:
            return comment.author_name
        return format_html(
            "{}<br><small>{} approved, {} rejected · joined {} ago</small>",
            comment.author.username,
            comment.author_approved,
            comment.author_rejected,
            timesince(comment.author.date_joined, depth=1),
        )

    @admin.display(description="Article", ordering="article__title")
    def short_article(self, comment):
        return Truncator(comment.article.title).chars(40)

    @admin.display(description="Latest decision", ordering="latest_phase")
    def latest_decision(self, comment):
        if comment.latest_phase is None:
            return None
        reasons = "; ".join(map(str, comment.latest_reasons or []))
        return f"{comment.latest_phase}: {reasons}" if reasons else comment.latest_phase

    @admin.display(description="Toxicity", ordering="toxicity")
    def toxicity_score(self, comment):
        return None if comment.toxicity is None else f"{comment.toxicity:.2f}"

    @admin.display(description="Reports", ordering="report_count")
    def reports(self, comment):
        return comment.report_count

    # The comment's page

    @admin.display(description="Above it")
    def thread(self, comment):
        """Its ancestors, top comment first, in one query by their path prefixes."""
        paths = [comment.path[: depth * Comment.steplen] for depth in range(1, comment.depth)]
        if not paths:
            return "A top-level comment: it replies to no one."
        ancestors = list(Comment.objects.filter(path__in=paths).select_related("author"))
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li>{}<a href="{}">{}</a> ({}): {}</li>',
                (
                    (
                        "Parent: " if ancestor.depth == comment.depth - 1 else "",
                        reverse("admin:comments_comment_change", args=[ancestor.pk]),
                        ancestor.author_name,
                        ancestor.get_status_display(),
                        "[deleted]" if ancestor.is_deleted else Truncator(ancestor.body).chars(200),
                    )
                    for ancestor in ancestors
                ),
            ),
        )

    # Actions: on the selected rows, or on one comment from its page

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._approve(request, queryset, feature=False)

    @admin.action(description="Approve and feature selected comments", permissions=["change"])
    def approve_and_feature(self, request, queryset):
        self._approve(request, queryset, feature=True)

    @admin.action(description="Make selected comments editors' picks", permissions=["change"])
    def pick(self, request, queryset):
        self._pick(request, queryset, picked=True)

    @admin.action(
        description="Remove selected comments from editors' picks", permissions=["change"]
    )
    def unpick(self, request, queryset):
        self._pick(request, queryset, picked=False)

    def _pick(self, request, queryset, *, picked):
        done, refused = 0, 0
        for comment in queryset:
            try:
                set_editors_pick(comment=comment, actor=request.user, picked=picked)
                done += 1
            except CommentRefused:
                refused += 1
        verb = "Picked" if picked else "Unpicked"
        self.message_user(request, f"{verb} {done} comment{pluralize(done)}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} not picked: only published comments can be editors' picks.",
                messages.WARNING,
            )

    def _approve(self, request, queryset, *, feature):
        comments = list(queryset)
        for comment in comments:
            moderator_actions.approve(comment=comment, moderator=request.user, feature=feature)
        done = "Approved and featured" if feature else "Approved"
        self.message_user(
            request, f"{done} {len(comments)} comment{pluralize(len(comments))}.", messages.SUCCESS
        )

    @admin.action(description="Reject selected comments…", permissions=["change"])
    def reject(self, request, queryset):
        comments = list(queryset)
        form = self._form(request, RejectForm)
        if not form.is_valid():
            return self._ask(
                request,
                "reject",
                form,
                comments,
                title=f"Reject {len(comments)} comment{pluralize(len(comments))}",
                intro="Their authors see the reason beside their comment.",
                items=[str(comment) for comment in comments],
                submit="Reject",
            )
        reason = form.cleaned_data["reason"]
        for comment in comments:
            moderator_actions.reject(comment=comment, moderator=request.user, reason=reason)
        self.message_user(
            request,
            f"Rejected {len(comments)} comment{pluralize(len(comments))}: “{reason}”.",
            messages.SUCCESS,
        )
        return None

    @admin.action(
        description="Ban the authors of selected comments…", permissions=["manage_authors"]
    )
    def ban_author(self, request, queryset):
        comments = list(queryset)
        authors = _authors(comments)
        if self._refuse_staff(request, authors):
            return None
        form = self._form(request, BanForm)
        if not form.is_valid():
            return self._ask(
                request,
                "ban_author",
                form,
                comments,
                title=f"Ban {len(authors)} author{pluralize(len(authors))}",
                intro="A banned author can no longer comment.",
                items=[author.username for author in authors],
                submit="Ban",
            )
        reject_comments = form.cleaned_data["reject_comments"]
        for author in authors:
            moderator_actions.ban_author(
                user=author, moderator=request.user, reject_comments=reject_comments
            )
        also = " and rejected their comments" if reject_comments else ""
        self.message_user(
            request,
            f"Banned {len(authors)} author{pluralize(len(authors))}{also}.",
            messages.SUCCESS,
        )
        return None

    @admin.action(
        description="Suspend the authors of selected comments…", permissions=["manage_authors"]
    )
    def suspend_author(self, request, queryset):
        comments = list(queryset)
        authors = _authors(comments)
        if self._refuse_staff(request, authors):
            return None
        form = self._form(request, SuspendForm)
        if not form.is_valid():
            return self._ask(
                request,
                "suspend_author",
                form,
                comments,
                title=f"Suspend {len(authors)} author{pluralize(len(authors))}",
                intro="A suspended author cannot comment until the suspension ends.",
                items=[author.username for author in authors],
                submit="Suspend",
            )
        days = form.cleaned_data["days"]
        for author in authors:
            moderator_actions.suspend_author(user=author, moderator=request.user, days=days)
        self.message_user(
            request,
            f"Suspended {len(authors)} author{pluralize(len(authors))} for "
            f"{days} day{pluralize(days)}.",
            messages.SUCCESS,
        )
        return None

    @admin.action(
        description="Always pre-moderate the authors of selected comments",
        permissions=["manage_authors"],
    )
    def premoderate_author(self, request, queryset):
        authors = _authors(queryset)
        if self._refuse_staff(request, authors):
            return None
        for author in authors:
            moderator_actions.premoderate_author(user=author, moderator=request.user)
        self.message_user(
            request,
            f"Every comment by {len(authors)} author{pluralize(len(authors))} now waits "
            "for a moderator.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Trust the authors of selected comments", permissions=["manage_authors"]
    )
    def trust_author(self, request, queryset):
        authors = _authors(queryset)
        if self._refuse_staff(request, authors):
            return None
        for author in authors:
            moderator_actions.trust_author(user=author, moderator=request.user)
        self.message_user(
            request, f"Trusted {len(authors)} author{pluralize(len(authors))}.", messages.SUCCESS
        )

    def _refuse_staff(self, request, authors) -> bool:
        """True (and the moderator told why) when any of the authors is beyond their reach."""
        protected = [
            author.username
            for author in authors
            if not moderator_actions.may_change_standing_of(request.user, author)
        ]
        if protected:
            self.message_user(request, staff_standing_refused(protected), messages.ERROR)
        return bool(protected)

    # The intermediate page: the admin's action confirmation pattern. Its form
    # posts the same action and selection back, with APPLY and the answers.

    APPLY = "apply"

    def _form(self, request, form_class):
        return form_class(request.POST) if self.APPLY in request.POST else form_class()

    def _ask(self, request, action, form, comments, *, title, intro, items, submit):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "items": items,
            "opts": self.opts,
            "action": action,
            "form": form,
            "comment_ids": [comment.pk for comment in comments],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "apply": self.APPLY,
            "submit": submit,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/comments/comment/action_form.html", context)


# The pipeline's settings and lists


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """One row: the list is that row's page; it is never added twice nor deleted."""

    readonly_fields = ["updated_at"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:comments_moderationsettings_change", ModerationSettings.current().pk)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ModerationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the singleton's row (a check constraint holds it to pk 1)
        super().save_model(request, obj, form, change)


@admin.register(ModeratedTerm)
class ModeratedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["term"]


@admin.register(BlockedDomain)
class BlockedDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "created_at"]
    search_fields = ["domain"]


class BannedFilter(admin.SimpleListFilter):
    title = "banned"
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(banned_at__isnull=self.value() == "no")
        return queryset


@admin.register(AuthorStanding)
class AuthorStandingAdmin(admin.ModelAdmin):
    list_display = ["user", "banned", "suspended_until", "premoderate", "trusted", "updated_at"]
    list_filter = [BannedFilter, "premoderate", "trusted"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    ordering = ["-updated_at"]

    @admin.display(description="Banned", boolean=True, ordering="banned_at")
    def banned(self, standing):
        return standing.banned_at is not None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class StandingForm(form):
            def clean(self):
                cleaned = super().clean()
                # Both whose standing this was and whose it would become.
                users = [cleaned.get("user")]
                if self.instance.user_id is not None:
                    users.append(self.instance.user)
                protected = {
                    user.username
                    for user in users
                    if user is not None
                    and not moderator_actions.may_change_standing_of(actor, user)
                }
                if protected:
                    raise forms.ValidationError(staff_standing_refused(protected))
                return cleaned

        return StandingForm


class DecidedByFilter(admin.SimpleListFilter):
    title = "decided by"
    parameter_name = "by"

    def lookups(self, request, model_admin):
        return [("system", "The system"), ("moderator", "A moderator")]

    def queryset(self, request, queryset):
        if self.value() in ("system", "moderator"):
            return queryset.filter(actor__isnull=self.value() == "system")
        return queryset


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    """The audit trail: read by those allowed to, written by the pipeline and the actions only."""

    list_display = ["created_at", "comment_link", "outcome", "phase", "reason_list", "decided_by"]
    list_filter = ["outcome", DecidedByFilter, "phase"]
    list_select_related = ["comment__author", "actor"]
    ordering = ["-created_at", "-pk"]

    @admin.display(description="Comment")
    def comment_link(self, decision):
        url = reverse("admin:comments_comment_change", args=[decision.comment_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(str(decision.comment)).chars(80))

    @admin.display(description="Reasons")
    def reason_list(self, decision):
        return "; ".join(map(str, decision.reasons))

    @admin.display(description="By", ordering="actor__username")
    def decided_by(self, decision):
        return decision.actor or "system"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
