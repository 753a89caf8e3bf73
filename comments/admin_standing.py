"""The authors' standings list's actions: each undoes one of the comment list's author actions.

Ban, suspend, trust and always pre-moderate are taken from a comment (the comment
list's actions, comments.admin_actions); a moderator undoes them here, on the
standings, where a banned author is found whatever became of their comments.
Each calls comments.moderator_actions, which checks and records it.
"""

from django.contrib import admin, messages

from comments import moderator_actions
from comments.admin_actions import counted, staff_standing_refused


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
