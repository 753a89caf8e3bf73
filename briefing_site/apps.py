from django.apps import AppConfig


class BriefingSiteConfig(AppConfig):
    name = "briefing_site"
    verbose_name = "Briefing site"
