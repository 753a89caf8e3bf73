from functools import wraps

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.sitemaps.views import sitemap
from django.shortcuts import redirect
from django.urls import include, path

from articles.sitemaps import ArticleSitemap
from briefing_site.accounts import must_set_up_two_factor
from briefing_site.views import (
    favicon,
    healthz,
    mute_reader,
    muted_readers,
    notices,
    notices_link,
    reader_profile,
    reply_emails_off,
    robots_txt,
    site_page,
)

# A database outage answers 503 "try again" rather than 500 (briefing_site/errors.py).
handler500 = "briefing_site.errors.server_error"

admin.site.site_header = "Briefing newsroom"
admin.site.site_title = "Briefing admin"
admin.site.index_title = "Newsroom"
# One log-in for everyone: the admin's own form would have none of allauth's
# throttles (per address and per account) nor its two-factor step.
admin.site.login = secure_admin_login(admin.site.login)
staff_only_view = admin.site.admin_view


def admin_view_after_two_factor(view, cacheable=False):
    """Every admin page (the sites' and the models'), once STAFF_REQUIRE_MFA is met."""
    staff_only = staff_only_view(view, cacheable)

    @wraps(staff_only)
    def guarded(request, *args, **kwargs):
        if must_set_up_two_factor(request.user):
            messages.warning(
                request,
                "The newsroom admin needs two-factor authentication: "
                "set up an authenticator app first.",
            )
            return redirect("mfa_activate_totp")
        return staff_only(request, *args, **kwargs)

    return guarded


admin.site.admin_view = admin_view_after_two_factor

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots"),
    path("favicon.ico", favicon, name="favicon"),
    path("notices/", notices, name="notices"),
    path("notices/link/", notices_link, name="notices-link"),
    path("notices/email/off/<str:token>/", reply_emails_off, name="reply-emails-off"),
    path("readers/<str:name>/", reader_profile, name="reader-profile"),
    path("readers/<str:name>/mute/", mute_reader, name="mute-reader"),
    path("muted/", muted_readers, name="muted-readers"),
    path("guidelines/", site_page, {"slug": "guidelines"}, name="guidelines"),
    path("pages/<slug:slug>/", site_page, name="site-page"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"articles": ArticleSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("polls.urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]
