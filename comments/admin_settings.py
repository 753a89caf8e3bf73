"""The pipeline's settings and word lists in the admin; every change to a list goes
on the staff log."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect

from briefing_site import staff_log
from comments.models import BlockedDomain, ModeratedTerm, ModerationSettings


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


class WordListAdmin(admin.ModelAdmin):
    """Every change to the lists goes on the staff log."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._record(request, f"{'Changed' if change else 'Added'} {self.opts.verbose_name}", obj)

    @transaction.atomic
    def delete_model(self, request, obj):
        self._record(request, f"Removed {self.opts.verbose_name}", obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, f"Removed {self.opts.verbose_name}", obj)
        super().delete_queryset(request, queryset)

    def _record(self, request, action, obj):
        staff_log.record(
            actor=request.user, kind=staff_log.Kind.WORD_LIST, action=action, subject=str(obj)
        )


@admin.register(ModeratedTerm)
class ModeratedTermAdmin(WordListAdmin):
    list_display = ["term", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["term"]


@admin.register(BlockedDomain)
class BlockedDomainAdmin(WordListAdmin):
    list_display = ["domain", "created_at"]
    search_fields = ["domain"]
