from django.contrib import admin

from polls.models import Choice, Poll


class ChoiceInline(admin.TabularInline):
    model = Choice
    fields = ["position", "text"]
    extra = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "article", "kind", "position"]
    list_select_related = ["article"]
    list_filter = ["kind"]
    search_fields = ["question", "article__title"]
    fields = ["article", "question", "kind", "position"]
    readonly_fields = ["article"]
    inlines = [ChoiceInline]
