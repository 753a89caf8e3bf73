"""The moderators' admin: the comment queue and its pages, and the decisions on record.

The queues and their health are comments.queue (plain queries, tested without
the admin); the comment list's actions are comments.admin_actions, its filters
comments.admin_filters; the pipeline's settings and word lists are
comments.admin_settings, the authors' standings comments.admin_standing.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from comments import (  # noqa: F401 - admin_settings and admin_standing register their pages
    admin_actions,
    admin_settings,
    admin_standing,
    moderator_actions,
    queue,
    workspace_admin,
)
from comments.admin_filters import AgeFilter, DecidedByFilter, LatestPhaseFilter, QueueFilter
from comments.models import Comment, ModerationDecision, Report
from comments.services import can_moderate


def excerpt_of(comment: Comment, length: int) -> str:
    """What a moderator reads of a comment in a list: its words, unless its author deleted it."""
    return "[deleted]" if comment.is_deleted else Truncator(comment.body).chars(length)


# Read-only records: written by the pipeline and the actions, never in the admin


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionColumns:
    """How a decision reads, in the comment's history and in the audit trail."""

    @admin.display(description="Reasons")
    def reason_list(self, decision):
        return "; ".join(map(str, decision.reasons))

    @admin.display(description="By", ordering="actor__username")
    def decided_by(self, decision):
        return decision.actor or "system"


class DecisionInline(ReadOnly, DecisionColumns, admin.TabularInline):
    """The comment's decisions, newest first: part of the comment's record."""

    model = ModerationDecision
    fields = ["created_at", "version", "outcome", "phase", "reason_list", "score", "decided_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "decisions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    # Whoever may see the comment sees how it was decided.
    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.has_perm("comments.view_comment") or user.has_perm("comments.change_comment")


class ReportInline(ReadOnly, admin.TabularInline):
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
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]
    inlines = [DecisionInline, ReportInline]
    actions = [
        admin_actions.approve,
        admin_actions.approve_and_feature,
        admin_actions.pick,
        admin_actions.unpick,
        admin_actions.reject,
        admin_actions.ban_author,
        admin_actions.suspend_author,
        admin_actions.premoderate_author,
        admin_actions.trust_author,
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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("workspace/", view(self.workspace_view), name="comments_comment_workspace"),
            path(
                "workspace/<int:pk>/decide/",
                view(self.workspace_decide_view),
                name="comments_comment_workspace_decide",
            ),
            *super().get_urls(),
        ]

    def workspace_view(self, request):
        return workspace_admin.workspace_page(request, self)

    def workspace_decide_view(self, request, pk):
        return workspace_admin.decide(request, self, pk)

    def has_manage_authors_permission(self, request):
        return moderator_actions.can_manage_authors(request.user)

    def get_queryset(self, request):
        return queue.with_history(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a comment would delete its decisions, which are kept forever.
        return False

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Moderation queue", **(extra_context or {})}
        if request.method == "GET":
            context["queue_health"] = queue.queue_health_rows(queue.queue_health())
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
        return excerpt_of(comment, 80)

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
        """Its ancestors whatever their state, top comment first: one query."""
        ancestors = Comment.objects.get_ancestors(comment).select_related("author")
        if not ancestors:
            return "A top-level comment: it replies to no one."
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
                        excerpt_of(ancestor, 200),
                    )
                    for ancestor in ancestors
                ),
            ),
        )


# The moderators' way in: the admin's index and its "Comments" entry lead to the workspace.


def _comments_lead_to_the_workspace(get_app_list):
    @wraps(get_app_list)
    def app_list(request, app_label=None):
        apps = get_app_list(request, app_label)
        if can_moderate(request.user):
            for app in apps:
                for model in app["models"]:
                    if model["model"] is Comment:
                        model["admin_url"] = reverse("admin:comments_comment_workspace")
        return apps

    return app_list


def _index_with_the_queues(index):
    @wraps(index)
    def index_view(request, extra_context=None):
        if can_moderate(request.user):
            extra_context = {**workspace_admin.status_context(), **(extra_context or {})}
        return index(request, extra_context)

    return index_view


admin.site.get_app_list = _comments_lead_to_the_workspace(admin.site.get_app_list)
admin.site.index = _index_with_the_queues(admin.site.index)


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnly, DecisionColumns, admin.ModelAdmin):
    """The audit trail: read by those allowed to, written by the pipeline and the actions only."""

    list_display = ["created_at", "comment_link", "outcome", "phase", "reason_list", "decided_by"]
    list_filter = ["outcome", DecidedByFilter, "phase"]
    list_select_related = ["comment__author", "actor"]
    ordering = ["-created_at", "-pk"]

    @admin.display(description="Comment")
    def comment_link(self, decision):
        url = reverse("admin:comments_comment_change", args=[decision.comment_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(str(decision.comment)).chars(80))
