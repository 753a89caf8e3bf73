"""The newsroom's roles as auth groups, and the demo accounts for development."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

EDITORS = "Editors"
MODERATORS = "Moderators"

# app label -> models whose permissions each role gets; later features add theirs.
EDITOR_PERMISSIONS = {
    "articles": {"article", "section", "block", "followupquestion"},
    "polls": {"poll", "choice"},
    "briefing_site": {"sitepage"},
}
# Editors see the discussion and may moderate it too.
EDITOR_COMMENT_PERMISSIONS = {"comments": {"comment", "report", "moderationdecision"}}
# Both roles read the staff log; nobody writes it by hand.
STAFF_LOG_VIEW_PERMISSIONS = {"briefing_site": {"staffact"}}
MODERATION_MODELS = {
    "moderationsettings",
    "moderatedterm",
    "blockeddomain",
    "authorstanding",
}
MODERATOR_VIEW_PERMISSIONS = {
    "articles": {"article", "section", "block"},
    "polls": {"poll", "choice"},
    "comments": {"comment", "report", "moderationdecision", *MODERATION_MODELS},
}
# Moderators decide readers' proposed answers (choices) and comments, and keep
# the pipeline's settings, lists and authors' standings; nothing else.
MODERATOR_CHANGE_PERMISSIONS = {
    "polls": {"choice"},
    "comments": {"comment", *MODERATION_MODELS},
}
# Moderators keep the word and domain lists.
MODERATOR_MANAGE_PERMISSIONS = {"comments": {"moderatedterm", "blockeddomain"}}

# Both roles close, reopen and pre-moderate an article's comments (moderators
# without editing the article).
DISCUSSION_PERMISSION = ("articles", "moderate_comments")

DEMO_ACCOUNTS = [
    # username, group, is_staff, dev password
    ("editor", EDITORS, True, "editor-dev-password"),
    ("moderator", MODERATORS, True, "moderator-dev-password"),
    ("reader", None, False, "reader-dev-password"),
]


def _permissions(models_by_app, actions, permission_model=Permission):
    perms = permission_model.objects.none()
    for app_label, models in models_by_app.items():
        perms = perms | permission_model.objects.filter(
            content_type__app_label=app_label,
            content_type__model__in=models,
            codename__regex=rf"^({'|'.join(actions)})_",
        )
    return perms


@transaction.atomic
def ensure_groups(group_model=Group, permission_model=Permission) -> dict[str, Group]:
    """The two newsroom groups with exactly their permissions (a data migration and
    setup_site both call it; the models are the migration's when it does)."""

    def perms(models_by_app, actions):
        return _permissions(models_by_app, actions, permission_model)

    editors, _ = group_model.objects.get_or_create(name=EDITORS)
    editors.permissions.add(*perms(EDITOR_PERMISSIONS, ["add", "change", "delete", "view"]))
    editors.permissions.add(*perms(EDITOR_COMMENT_PERMISSIONS, ["change", "view"]))
    editors.permissions.add(*perms(STAFF_LOG_VIEW_PERMISSIONS, ["view"]))
    moderators, _ = group_model.objects.get_or_create(name=MODERATORS)
    moderators.permissions.add(*perms(MODERATOR_VIEW_PERMISSIONS, ["view"]))
    moderators.permissions.add(*perms(STAFF_LOG_VIEW_PERMISSIONS, ["view"]))
    moderators.permissions.add(*perms(MODERATOR_CHANGE_PERMISSIONS, ["change"]))
    moderators.permissions.add(*perms(MODERATOR_MANAGE_PERMISSIONS, ["add", "delete"]))
    app_label, codename = DISCUSSION_PERMISSION
    discussion = permission_model.objects.filter(
        content_type__app_label=app_label, codename=codename
    )
    editors.permissions.add(*discussion)
    moderators.permissions.add(*discussion)
    return {EDITORS: editors, MODERATORS: moderators}


@transaction.atomic
def ensure_demo_accounts(groups: dict[str, Group]) -> list[tuple[str, str]]:
    """Create (or reset) the demo accounts; returns (username, password) pairs."""
    User = get_user_model()
    created = []
    for username, group_name, is_staff, password in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = is_staff
        user.set_password(password)
        user.save()
        # allauth logs readers in by email and, with mandatory verification,
        # only through a confirmed address: give each demo account its own.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
        )
        if group_name:
            user.groups.add(groups[group_name])
        created.append((username, password))
    return created
