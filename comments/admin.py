from django.contrib import admin
from django.template.defaultfilters import pluralize
from django.utils.text import Truncator

from comments.models import Comment, Report
from comments.services import approve_comment, reject_comment


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["reason", "note", "reporter", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "short_article",
        "author",
        "status",
        "created_at",
        "like_count",
        "report_count",
    ]
    list_filter = ["status", "created_at", ("article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "author"]
    search_fields = ["body", "author__username", "article__title"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fields = [
        "article",
        "poll",
        "author",
        "status",
        "body",
        "body_html",
        "like_count",
        "report_count",
        "reply_count",
        "created_at",
        "edited_at",
        "deleted_at",
    ]
    readonly_fields = [
        "article",
        "poll",
        "author",
        "status",
        "body",
        "body_html",
        "like_count",
        "report_count",
        "reply_count",
        "created_at",
        "edited_at",
        "deleted_at",
    ]
    inlines = [ReportInline]
    actions = ["approve", "reject"]

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        changed = sum(approve_comment(pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"Approved {changed} comment{pluralize(changed)}.")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        changed = sum(reject_comment(pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"Rejected {changed} comment{pluralize(changed)}.")

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return "[deleted]" if comment.is_deleted else Truncator(comment.body).chars(80)

    @admin.display(description="Article", ordering="article__title")
    def short_article(self, comment):
        return Truncator(comment.article.title).chars(40)

    def has_add_permission(self, request):
        return False
