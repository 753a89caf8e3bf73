from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles import corrections, live, publishing, writing
from articles.forms import (
    ArticleAdminForm,
    BlockAdminForm,
    FollowUpForm,
    SectionAdminForm,
    WritingForm,
)
from articles.models import Article, Block, FollowupQuestion, Section
from polls.models import Choice, Poll
from polls.placement import close_polls

WRITING_STATUSES = {
    "draft": Article.Status.DRAFT,
    "schedule": Article.Status.DRAFT,  # the publish time makes it scheduled
    "publish": Article.Status.PUBLISHED,
}


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label="Compare version", coerce=int)
    new = forms.TypedChoiceField(label="with version", coerce=int)

    def __init__(self, data, *, numbers):
        super().__init__(data)
        for name in ("old", "new"):
            self.fields[name].choices = [(number, number) for number in numbers]


class AsksWhatKindOfChange:
    """A published article's text changes on this page, or in its inlines: the form asks
    whether it is a correction, an update or a silent fix, and the save keeps the version."""

    def _create_formsets(self, request, obj, change):
        # The form is validated after its inlines are built: it reads whether they changed.
        formsets, inlines = super()._create_formsets(request, obj, change)
        request.body_formsets = [fs for fs in formsets if fs.model in (Section, Block)]
        return formsets, inlines

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def body_changed(self):
            return any(formset.has_changed() for formset in getattr(request, "body_formsets", []))

        return type(form.__name__, (form,), {"body_changed": body_changed})

    def record_change(self, request, form, article):
        version = corrections.record_change(
            article=article, change=form.change(), editor=request.user
        )
        kind = form.cleaned_data.get("change_kind")
        if version is None and kind in corrections.ON_THE_RECORD:
            self.message_user(
                request,
                f"The text did not change, so no {corrections.Kind(kind).label.lower()} "
                "was recorded.",
                messages.WARNING,
            )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        main = [name for name in fieldsets[0][1]["fields"] if not name.startswith("change_")]
        if obj is None or not self.article_of(obj).is_published:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            ("This change, on a published article", {"fields": ["change_kind", "change_note"]}),
        ]


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


class StoryFilter(admin.SimpleListFilter):
    title = "story"
    parameter_name = "story"

    def lookups(self, request, model_admin):
        roots = Article.objects.filter(
            pk__in=Article.objects.filter(story__isnull=False).values("story")
        ).only("title")
        return [(root.pk, root.title[:60]) for root in roots]

    def queryset(self, request, queryset):
        if self.value():
            root = self.value()
            return queryset.filter(Q(pk=root) | Q(story_id=root))
        return queryset


class FollowupQuestionInline(admin.TabularInline):
    model = FollowupQuestion
    fields = ["poll", "answers", "show_results", "after_section"]
    raw_id_fields = ["poll"]
    extra = 0
    verbose_name = "reader question taken up"
    verbose_name_plural = "Reader questions of the story taken up here (answered, or results shown)"


@admin.register(Article)
class ArticleAdmin(AsksWhatKindOfChange, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status",
        "publish_at",
        "published_at",
        "story_title",
        "comment_count",
        "vote_total",
        "preview_link",
    ]
    list_filter = ["status", StoryFilter]
    list_select_related = ["story"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["add_poll_link", "followup_link", "versions_link"]
    fields = [*ArticleAdminForm.Meta.fields, *readonly_fields]
    raw_id_fields = ["follows"]
    inlines = [SectionInline, PollInline, FollowupQuestionInline]
    actions = [
        "close_all_polls",
        "close_comments",
        "open_comments",
        "premoderate_comments",
        "stop_premoderating_comments",
    ]

    @admin.action(description="Close every poll of the selected articles", permissions=["change"])
    def close_all_polls(self, request, queryset):
        closed = close_polls(polls=Poll.objects.filter(article__in=queryset))
        self.message_user(request, f"Closed {len(closed)} poll(s).", messages.SUCCESS)

    # Moderators have these without change_article.
    def has_moderate_comments_permission(self, request):
        return publishing.can_moderate_comments(request.user)

    @admin.action(
        description="Close comments on the selected articles", permissions=["moderate_comments"]
    )
    def close_comments(self, request, queryset):
        self._comment_control(request, queryset, "closed", comments_closed=True)

    @admin.action(
        description="Reopen comments on the selected articles", permissions=["moderate_comments"]
    )
    def open_comments(self, request, queryset):
        self._comment_control(request, queryset, "reopened", comments_closed=False)

    @admin.action(
        description="Pre-moderate comments on the selected articles",
        permissions=["moderate_comments"],
    )
    def premoderate_comments(self, request, queryset):
        self._comment_control(request, queryset, "now pre-moderated", premoderate=True)

    @admin.action(
        description="Stop pre-moderating comments on the selected articles",
        permissions=["moderate_comments"],
    )
    def stop_premoderating_comments(self, request, queryset):
        self._comment_control(request, queryset, "no longer pre-moderated", premoderate=False)

    def _comment_control(self, request, queryset, done: str, **change):
        changed = publishing.set_discussion(queryset, actor=request.user, **change)
        self.message_user(request, f"Comments {done} on {changed} article(s).", messages.SUCCESS)

    def get_queryset(self, request):
        votes = (
            Choice.objects.filter(poll__article=OuterRef("pk"))
            .values("poll__article")
            .annotate(total=Sum("vote_count"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(votes=Coalesce(Subquery(votes, output_field=IntegerField()), 0))
        )

    @admin.display(description="votes", ordering="votes")
    def vote_total(self, article):
        return article.votes

    @admin.display(description="story")
    def story_title(self, article):
        return article.story.title if article.story_id else "—"

    @admin.display(description="preview")
    def preview_link(self, article):
        return format_html(
            '<a href="{}">{}</a>',
            article.get_absolute_url(),
            "View" if article.is_published else "Preview",
        )

    @admin.display(description="Reader polls")
    def add_poll_link(self, article):
        if article.pk is None:
            return "Save the article first."
        url = reverse("admin:polls_poll_add") + f"?article={article.pk}"
        return format_html('<a href="{}">Add a poll after a block of this article</a>', url)

    @admin.display(description="Follow-ups")
    def followup_link(self, article):
        if article.pk is None:
            return "Save the article first."
        url = reverse("admin:articles_article_write") + f"?follows={article.pk}"
        return format_html('<a class="button" href="{}">Write a follow-up</a>', url)

    @admin.display(description="Versions")
    def versions_link(self, article):
        if article.pk is None:
            return "Save the article first."
        count = article.versions.count()
        if not count:
            return "Kept from its publication on."
        url = reverse("admin:articles_article_versions", args=[article.pk])
        return format_html(
            '<a href="{}">{} version{}: compare</a>', url, count, "" if count == 1 else "s"
        )

    def article_of(self, article):
        return article

    def get_urls(self):
        return [
            path(
                "<int:pk>/versions/",
                self.admin_site.admin_view(self.compare_versions),
                name="articles_article_versions",
            ),
            path(
                "<int:pk>/follow-up/",
                self.admin_site.admin_view(self.write_followup),
                name="articles_article_followup",
            ),
            path(
                "write/",
                self.admin_site.admin_view(self.write_article),
                name="articles_article_write",
            ),
            *super().get_urls(),
        ]

    def write_article(self, request):
        """Paste or write a whole article, preview it as readers will see it, then save it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        follows = None
        if request.GET.get("follows", "").isdigit():
            follows = Article.objects.filter(pk=request.GET["follows"]).first()
        form = WritingForm(request.POST or None, follows=follows)
        draft = None
        if request.method == "POST" and form.is_valid():
            syntax = form.cleaned_data["syntax"]
            draft = writing.parse(form.cleaned_data["text"], follows=follows, syntax=syntax)
            action = request.POST.get("action", "preview")
            if draft.briefing is not None and action in WRITING_STATUSES:
                publish_at = form.cleaned_data["publish_at"] if action == "schedule" else None
                try:
                    article = writing.save(
                        form.cleaned_data["text"],
                        follows=follows,
                        status=WRITING_STATUSES[action],
                        publish_at=publish_at,
                        answers=form.cleaned_data.get("answers", ()),
                        syntax=syntax,
                    )
                except writing.WritingRefused as refused:
                    draft = writing.Draft(briefing=None, error=str(refused))
                else:
                    messages.success(request, f"Saved “{article.title}” ({article.status}).")
                    return redirect("admin:articles_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Write a follow-up" if follows else "Write an article",
            "follows": follows,
            "form": form,
            "draft": draft,
            "preview_sections": writing.preview_sections(draft) if draft else [],
            "opts": self.model._meta,
        }
        template = "admin/articles/write.html"
        if request.htmx and request.POST.get("action", "preview") == "preview":
            template += "#preview"
        return TemplateResponse(request, template, context)

    def compare_versions(self, request, pk):
        """Every version of a published article's text, and the difference between any two."""
        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        versions = list(article.versions.select_related("editor").order_by("number"))
        numbers = [version.number for version in versions]
        data = request.GET if "old" in request.GET or "new" in request.GET else None
        if data is None and len(numbers) >= 2:
            data = {"old": numbers[-2], "new": numbers[-1]}
        form = CompareForm(data, numbers=numbers)
        old = new = None
        if data is not None and form.is_valid():
            by_number = {version.number: version for version in versions}
            old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Versions of “{article.title}”",
            "article": article,
            "versions": versions,
            "form": form,
            "old": old,
            "new": new,
            "diff": corrections.compare(old.text, new.text) if old else [],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/articles/versions.html", context)

    def write_followup(self, request, pk):
        """A draft follow-up of this article, in its story; the editor goes on writing it."""
        article = get_object_or_404(Article, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FollowUpForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            followup = publishing.start_followup(
                article,
                title=writing.followup_title(form.cleaned_data["title"]),
                slug=form.cleaned_data["slug"],
            )
            messages.success(
                request, "Draft follow-up created: write it, then schedule or publish it."
            )
            return redirect("admin:articles_article_change", followup.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Write a follow-up",
            "article": article,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/articles/write_followup.html", context)

    def save_model(self, request, obj, form, change):
        was_published = change and Article.objects.get(pk=obj.pk).is_published
        if "comments_closed" in form.changed_data:
            publishing.comments_closed_changed(obj)
        if was_published:
            corrections.keep_published_text(obj)
        super().save_model(request, obj, form, change)
        if change:
            publishing.record_discussion_changes(obj, actor=request.user, fields=form.changed_data)
        if obj.is_published and not was_published:
            publishing.announce(obj)
        elif change and "comments_closed" in form.changed_data:
            publishing.comments_changed_state(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            self.record_change(request, form, form.instance)
            live.article_updated(form.instance)


class BlockInline(admin.StackedInline):
    model = Block
    form = BlockAdminForm
    extra = 0


@admin.register(Section)
class SectionAdmin(AsksWhatKindOfChange, admin.ModelAdmin):
    form = SectionAdminForm
    list_display = ["__str__", "article", "position", "level"]
    list_select_related = ["article"]
    list_filter = ["article"]
    search_fields = ["title", "article__title"]
    fields = ["article", "position", "title", "level", "anchor"]
    raw_id_fields = ["article"]
    inlines = [BlockInline]

    def article_of(self, section):
        return section.article

    def has_delete_permission(self, request, obj=None):
        # On a published article, sections go from the article's page, which asks what kind
        # of change it is.
        if obj is not None and obj.article.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        corrections.keep_published_text(
            Section.objects.get(pk=obj.pk).article if change else obj.article
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.record_change(request, form, form.instance.article)
        live.article_updated(form.instance.article)
