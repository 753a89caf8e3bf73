"""The Editors and Moderators groups, with the least permissions each needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrating; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from briefing_site.roles import ensure_groups

    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("briefing_site", "0001_notices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0006_followup_questions"),
        ("polls", "0007_proposal_sweeper_schedule"),
        ("comments", "0003_sweeper_schedule"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
