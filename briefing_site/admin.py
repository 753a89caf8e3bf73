from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.text import Truncator

from articles.models import Article
from briefing_site.models import SitePage, StaffAct


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "body"]


# The staff log: read-only, searchable, filtered by kind, date, staff member, reader and
# article; filtered by one reader it is that reader's timeline.

# A filter lists the staff members, readers or articles of the latest acts; any
# other is reached by search or from a link (e.g. a reader's "their record").
RECENT_CHOICES = 20


class _RecentFilter(admin.SimpleListFilter):
    """The distinct values of `field` in the latest acts, and the chosen one."""

    field = ""

    def lookups(self, request, model_admin):
        recent = (
            StaffAct.objects.exclude(**{f"{self.field}__isnull": True})
            .order_by("-created_at")
            .values_list(self.field, flat=True)[: RECENT_CHOICES * 10]
        )
        ids = list(dict.fromkeys(recent))[:RECENT_CHOICES]
        chosen = self.value()
        if chosen and chosen.isascii() and chosen.isdecimal() and int(chosen) not in ids:
            ids.append(int(chosen))
        return [(str(pk), label) for pk, label in self.labels(ids)]

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen and chosen.isascii() and chosen.isdecimal():
            return queryset.filter(**{self.field: int(chosen)})
        return queryset


class _UserFilter(_RecentFilter):
    def labels(self, ids):
        users = get_user_model().objects.filter(pk__in=ids).order_by("username")
        return users.values_list("pk", "username")


class ActorFilter(_UserFilter):
    title = "staff member"
    parameter_name = "actor"
    field = "actor_id"


class AuthorFilter(_UserFilter):
    title = "reader"
    parameter_name = "author"
    field = "author_id"


class ArticleFilter(_RecentFilter):
    title = "article"
    parameter_name = "article"
    field = "article_id"

    def labels(self, ids):
        return Article.objects.filter(pk__in=ids).order_by("-pk").values_list("pk", "title")


@admin.register(StaffAct)
class StaffActAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "what", "reader", "reason"]
    list_filter = ["kind", ActorFilter, AuthorFilter, ArticleFilter]
    list_select_related = ["author"]
    date_hierarchy = "created_at"
    search_fields = [
        "actor_name",
        "author__username",
        "article__title",
        "action",
        "subject",
        "reason",
        "note",
    ]
    ordering = ["-created_at", "-pk"]
    fields = [
        "created_at",
        "actor_name",
        "kind",
        "action",
        "subject",
        "url",
        "author",
        "article",
        "reason",
        "note",
    ]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="What")
    def what(self, act):
        subject = Truncator(act.subject).chars(80)
        if act.url:
            return format_html('<a href="{}">{}</a>', act.url, subject or act.url)
        return subject

    @admin.display(description="Reader", ordering="author__username")
    def reader(self, act):
        if act.author is None:
            return ""
        return format_html(
            '<a href="?author={}" title="Every act concerning {}">{}</a>',
            act.author_id,
            act.author.get_username(),
            act.author.get_username(),
        )

    def changelist_view(self, request, extra_context=None):
        title = "Staff log"
        author = request.GET.get("author", "")
        if author.isascii() and author.isdecimal():
            reader = get_user_model().objects.filter(pk=int(author)).first()
            if reader is not None:
                title = f"Staff log: the record of {reader.get_username()}"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})
