from django.contrib import admin
from django.urls import include, path

from briefing_site.views import healthz, notices

admin.site.site_header = "Briefing newsroom"
admin.site.site_title = "Briefing admin"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("notices/", notices, name="notices"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("polls.urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]
