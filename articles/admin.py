from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from articles.forms import ArticleAdminForm, BlockAdminForm
from articles.models import Article, Block, Section
from polls.models import Poll


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["position", "title", "level", "anchor"]
    extra = 0
    show_change_link = True


class PollInline(admin.TabularInline):
    model = Poll
    fields = ["position", "question", "kind"]
    readonly_fields = ["question", "kind"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Added with their place in the article: see "Add a poll" above.
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "published_at", "comment_count"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "status", "published_at", "lead", "keywords", "add_poll_link"]
    readonly_fields = ["add_poll_link"]
    inlines = [SectionInline, PollInline]

    @admin.display(description="Reader polls")
    def add_poll_link(self, article):
        if article.pk is None:
            return "Save the article first."
        url = reverse("admin:polls_poll_add") + f"?article={article.pk}"
        return format_html('<a href="{}">Add a poll after a block of this article</a>', url)


class BlockInline(admin.StackedInline):
    model = Block
    form = BlockAdminForm
    extra = 0


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "position", "level"]
    list_select_related = ["article"]
    list_filter = ["article"]
    search_fields = ["title", "article__title"]
    fields = ["article", "position", "title", "level", "anchor"]
    raw_id_fields = ["article"]
    inlines = [BlockInline]
