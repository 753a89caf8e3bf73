"""The admin lists' filters: the comment queue's, the standings', the decisions'."""

from django.contrib import admin

from comments import queue
from comments.models import ModerationDecision


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        counts = queue.queue_counts()
        return [(name, f"{title} ({counts[name]})") for name, title in queue.QUEUE_TITLES.items()]

    def queryset(self, request, queryset):
        if self.value() in queue.QUEUE_TITLES:
            return queue.in_queue(self.value(), queryset)
        return queryset


class LatestPhaseFilter(admin.SimpleListFilter):
    title = "phase of the latest decision"
    parameter_name = "phase"
    UNDECIDED = "-"

    def lookups(self, request, model_admin):
        phases = ModerationDecision.objects.order_by("phase").values_list("phase", flat=True)
        return [*((phase, phase) for phase in phases.distinct()), (self.UNDECIDED, "No decision")]

    def queryset(self, request, queryset):
        if self.value() == self.UNDECIDED:
            return queryset.filter(latest_phase__isnull=True)
        if self.value():
            return queryset.filter(latest_phase=self.value())
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return list(queue.AGE_TITLES.items())

    def queryset(self, request, queryset):
        if self.value() in queue.AGE_TITLES:
            return queryset.filter(queue.posted_in(self.value()))
        return queryset


class BannedFilter(admin.SimpleListFilter):
    title = "banned"
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(banned_at__isnull=self.value() == "no")
        return queryset


class DecidedByFilter(admin.SimpleListFilter):
    title = "decided by"
    parameter_name = "by"

    def lookups(self, request, model_admin):
        return [("system", "The system"), ("moderator", "A moderator")]

    def queryset(self, request, queryset):
        if self.value() in ("system", "moderator"):
            return queryset.filter(actor__isnull=self.value() == "system")
        return queryset
