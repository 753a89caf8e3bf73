"""Editors and moderators may close, reopen and pre-moderate an article's comments."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "moderate_comments"


def grant(apps, schema_editor):
    # Permissions are normally made after migrating; the groups need this one now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    from briefing_site.roles import ensure_groups

    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permission = Permission.objects.filter(
        content_type__app_label="articles", codename=CODENAME
    ).first()
    if permission is not None:
        for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("briefing_site", "0010_staff_log"),
        ("articles", "0010_moderate_comments_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
