"""The moderation workspace's pages in the admin (CommentAdmin.get_urls wraps them in the
admin's login and staff check): the queue as cards, a decision, the live counts.

One template, comments' admin workspace.html; htmx asks for its partials. Without
JavaScript a decision is a plain form that redirects (303) to the queue's next item.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from comments import moderator_actions, queue, workspace
from comments.models import Comment
from comments.rules import can_moderate

TEMPLATE = "admin/comments/comment/workspace.html"


def _check(request):
    if not can_moderate(request.user):
        raise PermissionDenied


def _queue_of(request, params) -> str:
    name = params.get("queue", "")
    return name if name in workspace.QUEUES else workspace.DEFAULT_QUEUE


def workspace_url(queue_name: str) -> str:
    return f"{reverse('admin:comments_comment_workspace')}?{urlencode({'queue': queue_name})}"


def status_context() -> dict:
    """The tabs' counts and the queue-health panel: what the page polls for."""
    counts = workspace.counts()
    return {
        "tabs": [(name, queue.QUEUE_TITLES[name], counts[name]) for name in workspace.QUEUES],
        "queue_health": queue.queue_health_rows(queue.queue_health()),
    }


def _render(request, model_admin, queue_name, *, partial=None, status=200):
    context = {
        **model_admin.admin_site.each_context(request),
        **status_context(),
        "title": "Moderation workspace",
        "opts": model_admin.opts,
        "queue": queue_name,
        "queue_title": queue.QUEUE_TITLES[queue_name],
        "cards": workspace.cards(queue_name),
        "rejection_reasons": moderator_actions.REJECTION_REASONS,
        "notices": list(messages.get_messages(request)) if partial else [],
    }
    request.current_app = model_admin.admin_site.name
    template = f"{TEMPLATE}#{partial}" if partial else TEMPLATE
    return TemplateResponse(request, template, context, status=status)


@require_GET
def workspace_page(request, model_admin):
    """The queue's first items as cards; htmx asks for the cards alone (a tab) or the
    counts alone (polling)."""
    _check(request)
    queue_name = _queue_of(request, request.GET)
    if request.htmx and request.GET.get("part") == "status":
        request.current_app = model_admin.admin_site.name
        context = {**status_context(), "queue": queue_name}
        return TemplateResponse(request, f"{TEMPLATE}#queue-status", context)
    partial = "queue" if request.htmx else None
    return _render(request, model_admin, queue_name, partial=partial)


@require_POST
def decide(request, model_admin, pk):
    """Approve, reject (with one of the reasons) or escalate one item, unless someone else
    decided it since the moderator saw it; then the queue's next items."""
    _check(request)
    comment = get_object_or_404(Comment, pk=pk)
    queue_name = _queue_of(request, request.POST)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        seen = int(request.POST.get("seen", ""))
        version = int(request.POST.get("version", ""))
    except ValueError:
        seen = version = None
    if (
        action not in workspace.ACTIONS
        or seen is None
        or (action == "reject" and reason not in moderator_actions.REJECTION_REASONS)
    ):
        messages.error(request, "That decision was not understood; nothing was changed.")
    else:
        try:
            workspace.decide(
                comment_id=comment.pk,
                moderator=request.user,
                action=action,
                seen=seen,
                version=version,
                reason=reason,
            )
        except workspace.AlreadyDecided as refused:
            messages.warning(request, f"{refused} Nothing was changed.")
        else:
            messages.success(request, _done(action, reason, comment))
    if request.htmx:
        return _render(request, model_admin, queue_name, partial="queue")
    return HttpResponseRedirect(workspace_url(queue_name), status=303)


def _done(action, reason, comment) -> str:
    what = {"approve": "Approved", "reject": "Rejected", "escalate": "Escalated"}[action]
    because = f" ({reason})" if action == "reject" else ""
    return f"{what}{because}: “{comment.author_name}: {comment.body[:40]}”."
