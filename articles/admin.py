from django.contrib import admin

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
        # Polls come from the article's reader questions.
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "published_at", "comment_count"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "status", "published_at", "lead", "keywords"]
    inlines = [SectionInline, PollInline]


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
