"""The authors' standings in the admin; the list's actions each undo one of the comment
list's author actions.

Ban, suspend, trust and always pre-moderate are taken from a comment (the comment
list's actions, comments.admin_actions); a moderator undoes them here, on the
standings, where a banned author is found whatever became of their comments.
Each calls comments.moderator_actions, which checks and records it.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse

from briefing_site import staff_log
from comments import admin_actions, moderator_actions
from comments.admin_actions import counted, staff_standing_refused
from comments.admin_filters import BannedFilter
from comments.models import AuthorStanding


def _undo(modeladmin, request, queryset, undo, done: str):
    standings = list(queryset.select_related("user"))
    protected = [
        standing.user.username
        for standing in standings
        if not moderator_actions.may_change_standing_of(request.user, standing.user)
    ]
    if protected:
        modeladmin.message_user(request, staff_standing_refused(protected), messages.ERROR)
        return
    for standing in standings:
        undo(user=standing.user, moderator=request.user)
    modeladmin.message_user(
        request, f"{done} {counted(len(standings), 'author')}.", messages.SUCCESS
    )


@admin.action(description="Lift the ban of selected authors", permissions=["change"])
def unban(modeladmin, request, queryset):
    _undo(modeladmin, request, queryset, moderator_actions.unban_author, "Lifted the ban of")


@admin.action(description="Lift the suspension of selected authors", permissions=["change"])
def lift_suspension(modeladmin, request, queryset):
    _undo(
        modeladmin, request, queryset, moderator_actions.lift_suspension, "Lifted the suspension of"
    )


@admin.action(description="Stop trusting selected authors", permissions=["change"])
def untrust(modeladmin, request, queryset):
    _undo(modeladmin, request, queryset, moderator_actions.untrust_author, "Stopped trusting")


@admin.action(description="Stop pre-moderating selected authors", permissions=["change"])
def stop_premoderating(modeladmin, request, queryset):
    _undo(
        modeladmin,
        request,
        queryset,
        moderator_actions.stop_premoderating_author,
        "Stopped pre-moderating",
    )


ACTIONS = [unban, lift_suspension, untrust, stop_premoderating]


@admin.register(AuthorStanding)
class AuthorStandingAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "banned",
        "suspended_until",
        "public_reason",
        "premoderate",
        "trusted",
        "updated_at",
    ]
    list_filter = [BannedFilter, "premoderate", "trusted"]
    actions = ACTIONS
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    ordering = ["-updated_at"]

    @admin.display(description="Banned", boolean=True, ordering="banned_at")
    def banned(self, standing):
        return standing.banned_at is not None

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:
            changed = ", ".join(str(form.fields[name].label) for name in form.changed_data)
            staff_log.record(
                actor=request.user,
                kind=staff_log.Kind.AUTHOR,
                action=f"Edited standing: {changed}",
                author_id=obj.user_id,
                subject=obj.user.get_username(),
                url=reverse("admin:comments_authorstanding_change", args=[obj.pk]),
            )

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
                    raise forms.ValidationError(admin_actions.staff_standing_refused(protected))
                return cleaned

        return StandingForm
