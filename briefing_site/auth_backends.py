"""A user's permissions read in one query.

Every page a signed-in reader opens asks whether they moderate or edit. Django's
ModelBackend reads a user's permissions in two queries (their own, then their
groups'); PermissionsInOneQuery, listed first, reads the same set in one and keeps
it where ModelBackend does (`_perm_cache` on the user), so the backends after it,
ModelBackend and allauth's, which build on it, read no more.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class PermissionsInOneQuery(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        """Checking a password is left to the backends after this one: one hash per attempt."""
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in _rows(user_obj)}
        return user_obj._perm_cache


def _rows(user):
    if user.is_superuser:
        return _named(Permission.objects.all())
    own = _named(Permission.objects.filter(user=user))
    through_groups = _named(Permission.objects.filter(group__user=user))
    return own.union(through_groups, all=True)


def _named(permissions):
    return permissions.values_list("content_type__app_label", "codename").order_by()
