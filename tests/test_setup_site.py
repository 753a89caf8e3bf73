from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from articles.models import Article
from polls.models import Poll


def setup_site():
    out = StringIO()
    call_command("setup_site", stdout=out)
    return out.getvalue()


def test_it_imports_the_demo_article_once(db):
    setup_site()
    setup_site()
    assert Article.objects.count() == 1
    assert Poll.objects.count() == 2


def test_it_leaves_an_edited_demo_article_alone(db):
    setup_site()
    Article.objects.update(title="Edited by the desk")
    out = setup_site()
    assert "already present" in out
    assert Article.objects.get().title == "Edited by the desk"


def test_it_creates_the_newsroom_groups_with_their_permissions(db):
    setup_site()
    editors = Group.objects.get(name="Editors")
    moderators = Group.objects.get(name="Moderators")
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    assert {"change_article", "add_block", "delete_section", "change_poll"} <= editor_perms
    assert set(moderators.permissions.values_list("codename", flat=True)) >= {"view_article"}
    changes = moderators.permissions.filter(codename__startswith="change_")
    # Moderators change proposed answers and comments (approve, reject); nothing else.
    assert set(changes.values_list("codename", flat=True)) == {
        "change_choice",
        "change_comment",
        "change_moderationsettings",
        "change_moderatedterm",
        "change_blockeddomain",
        "change_authorstanding",
    }


def test_in_debug_it_creates_demo_accounts_and_prints_their_passwords(db, settings):
    settings.DEBUG = True
    out = setup_site()
    users = get_user_model().objects
    editor = users.get(username="editor")
    assert editor.is_staff
    assert editor.groups.filter(name="Editors").exists()
    assert users.get(username="moderator").groups.filter(name="Moderators").exists()
    assert not users.get(username="reader").is_staff
    assert editor.check_password("editor-dev-password")
    assert "editor-dev-password" in out


def test_in_production_it_creates_no_accounts(db, settings):
    settings.DEBUG = False
    out = setup_site()
    assert get_user_model().objects.count() == 0
    assert "password" not in out
