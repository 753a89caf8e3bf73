from django.conf import settings
from django.utils.functional import SimpleLazyObject

from briefing_site.notices import unread_count


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        # Counted only when a template shows it (the header, for signed-in readers).
        "unread_notices": SimpleLazyObject(lambda: unread_count(request.user)),
    }
