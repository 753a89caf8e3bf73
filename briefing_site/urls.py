from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles.sitemaps import ArticleSitemap
from briefing_site.views import healthz, notices, notices_link

# A database outage answers 503 "try again" rather than 500 (briefing_site/errors.py).
handler500 = "briefing_site.errors.server_error"

admin.site.site_header = "Briefing newsroom"
admin.site.site_title = "Briefing admin"
admin.site.index_title = "Newsroom"
# One log-in for everyone: the admin's own form would have none of allauth's
# throttles (per address and per account) nor its two-factor step.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("notices/", notices, name="notices"),
    path("notices/link/", notices_link, name="notices-link"),
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
