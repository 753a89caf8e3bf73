from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget
from django_ratelimit.decorators import ratelimit

from articles.models import Article
from briefing_site.ids import database_id
from briefing_site.refusals import refused
from briefing_site.site_address import absolute_url
from comments import services, threads
from comments.discussion import (
    discussion_context,
    discussion_key,
    discussion_url,
    page_number,
    where_reader_acts,
)
from comments.forms import CommentForm, ReportForm
from comments.models import Comment
from comments.rules import voice
from comments.services import (
    CommentRefused,
    delete_comment,
    edit_comment,
    post_comment,
    report_comment,
    toggle_like,
)
from comments.threads import BadCursor, Entry
from polls.cards import poll_card
from polls.models import Poll
from polls.voters import read_voter_quietly

TOO_FAST = "You are posting too fast. Wait a minute and try again."


def _previewing(request) -> bool:
    return "preview" in request.POST


def comment_rate(group, request):
    return None if _previewing(request) else settings.COMMENT_RATE_PER_READER


rate_limited = ratelimit(key="user_or_ip", rate=comment_rate, method="POST", block=False)

TOO_MANY_PREVIEWS = "You are asking for previews too fast. Wait a minute and try again."


def preview_rate(group, request):
    return settings.COMMENT_PREVIEW_RATE_PER_READER if _previewing(request) else None


# A preview saves nothing, so it does not use up the reader's posts or edits; it
# renders Markdown all the same, so it has its own limit.
previews_limited = ratelimit(key="user", rate=preview_rate, method="POST", block=False)

TOO_MANY_EDITS = "You are editing too fast. Wait a minute and try again."


def edit_rate(group, request):
    return None if _previewing(request) else settings.COMMENT_EDIT_RATE_PER_READER


# Every edit is moderated again and redrawn for every live reader.
edits_limited = ratelimit(key="user", rate=edit_rate, method="POST", block=False)

TOO_MANY_REPORTS = "You are sending reports too fast. Wait a minute and try again."


def report_rate(group, request):
    return settings.REPORT_RATE_PER_READER


# Three readers' reports hide a comment: a burst of reports is how a few
# accounts would silence a discussion, so they are limited on their own.
reports_limited = ratelimit(key="user", rate=report_rate, method="POST", block=False)


# Loading, with the checks every view needs


def _article(slug, user):
    return get_object_or_404(Article.objects.visible_to(user), slug=slug)


def _poll_of(article, poll_id):
    if not poll_id:
        return None
    pk = database_id(str(poll_id))
    if pk is None:
        raise Http404("No such question.")
    return get_object_or_404(Poll, pk=pk, article=article)


def _comment(request, pk):
    """A comment this reader may see (approved, or their own awaiting moderation)."""
    comment = get_object_or_404(
        Comment.objects.select_related("article", "author", "stance", "poll"), pk=pk
    )
    if not comment.article.is_published and not request.user.has_perm("articles.change_article"):
        raise Http404("No such comment.")
    if not threads.visible(comment, request.user) and not comment.is_deleted:
        raise Http404("No such comment.")
    return comment


def _back_to(comment):
    """Where a reader without JavaScript lands after acting on a comment."""
    if comment.poll_id:
        return f"{discussion_url(comment.article, comment.poll)}#c{comment.pk}"
    return f"{comment.article.get_absolute_url()}#c{comment.pk}"


def _redirect(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# Reading


@require_GET
@vary_on_headers("HX-Request")
def discussion(request, slug):
    """A discussion page: the article's, or a question's (`?poll=`), in `?sort=` order,
    continued after `?after=` (what "show more" appends) or at page `?page=`."""
    article = _article(slug, request.user)
    poll = _poll_of(article, request.GET.get("poll"))
    try:
        context = discussion_context(
            article=article,
            user=request.user,
            poll=poll,
            sort=request.GET.get("sort"),
            cursor=request.GET.get("after"),
            number=page_number(request.GET.get("page")),
            page_url=_shown_on(request, article, poll),
        )
    except BadCursor as error:
        return refused(request, str(error), 400)
    if request.htmx:
        partial = "thread-page" if request.GET.get("after") else "discussion"
        return render(request, f"comments/discussion.html#{partial}", context)
    if poll is not None:
        # The question's own page shows it as the article does: to vote in, or its results.
        poll.article = article
        context["poll_card"] = poll_card(poll, user=request.user, voter=read_voter_quietly(request))
    # To a search engine every order of a page of the discussion is that one page.
    number = context["page"].number
    context["canonical_url"] = absolute_url(
        discussion_url(article, poll, page=number if number > 1 else None)
    )
    return render(request, "comments/discussion.html", context)


def _shown_on(request, article, poll) -> str | None:
    """The address of the page this discussion is shown on, when an order chosen in it
    belongs in that address: the article's own discussion on the article page, or the
    discussion page itself (a question's discussion opened inside the article page has
    no address of its own there)."""
    own_page = discussion_url(article, poll)
    if not request.htmx:
        return own_page
    shown_on = request.htmx.current_url_abs_path or ""
    path = shown_on.split("?", 1)[0].split("#", 1)[0]
    if path == article.get_absolute_url():
        return path if poll is None else None
    if path == own_page.split("?", 1)[0]:
        return own_page
    return None


@require_GET
def detail(request, pk):
    """A comment's own page: its ancestors, then it with a page of its replies."""
    comment = _comment(request, pk)
    if request.htmx and not request.GET.get("after"):
        return _entry_response(request, comment, comment.article)
    after = request.GET.get("after")
    try:
        entries = threads.subtree(comment, request.user, after=after)
    except BadCursor as error:
        return refused(request, str(error), 400)
    context = {
        "comment": comment,
        "article": comment.article,
        "ancestors": threads.ancestors_of(comment),
        "entries": entries,
        "muted": threads.muted_by(request.user),
        "continued": bool(after),
        "back_url": _back_to(comment),
        **where_reader_acts(article=comment.article, user=request.user),
    }
    return render(request, "comments/detail.html", context)


@require_GET
def more_replies(request, pk):
    """The next page of a comment's replies, in place of its "show more" line."""
    comment = _comment(request, pk)
    after = request.GET.get("after")
    if not request.htmx:
        url = comment.get_absolute_url()
        return HttpResponseRedirect(f"{url}?{urlencode({'after': after})}" if after else url)
    try:
        entries = threads.replies_page(comment, request.user, after=after)
    except BadCursor as error:
        return refused(request, str(error), 400)
    context = {
        "entries": entries,
        "article": comment.article,
        "voice": voice(article=comment.article, user=request.user),
    }
    return render(request, "comments/discussion.html#entries", context)


def _entry_response(request, comment, article, status=200):
    """The comment redrawn as this reader now sees it (`article` decides whether replies
    are open: a closed article offers no Reply link)."""
    comment.refresh_from_db()
    entry = Entry(
        comment,
        min(comment.depth, threads.MAX_INDENT),
        shown=threads.visible(comment, request.user),
    )
    threads.for_reader([entry], request.user)
    if not entry.shown and comment.numchild == 0:
        return HttpResponse("", status=status)  # gone: the swap removes it
    context = {
        "entry": entry,
        "article": article,
        "voice": voice(article=article, user=request.user),
    }
    return render(request, "comments/discussion.html#entry", context, status=status)


# Writing


def _submit(request, form, reader_voice, **where):
    """Post the form's comment; returns (comment, "", 201) or (None, error, status)."""
    if getattr(request, "limited", False):
        return None, TOO_FAST, 429
    if reader_voice.barred:
        # The page offered no form; this one came from a page older than the decision.
        return None, BARRED, 409
    if not form.is_valid():
        return None, "", 422
    try:
        comment = post_comment(
            author=request.user,
            body=form.cleaned_data["body"],
            show_stance=form.cleaned_data["show_stance"],
            **where,
        )
    except CommentRefused as refusal:
        return None, str(refusal), refusal.status
    return comment, "", 201


BARRED = "Your account cannot take part in discussions at the moment."
NO_STANCE = (
    "Your comment is posted without an answer beside your name: "
    "you have not answered this question."
)


def _stance_notice(request, form, comment) -> str:
    """Tell a reader who asked to show their answer, but gave none, why none shows."""
    if comment.poll_id and form.cleaned_data["show_stance"] and comment.stance_id is None:
        if not request.htmx:
            messages.info(request, NO_STANCE)
        return NO_STANCE
    return ""


def _form_response(request, context, partial, *, status=200, target=None, swap="innerHTML"):
    """The form: its partial for htmx, else the compose page. A form sent back with
    errors names its `target` and `swap`: the send was aimed elsewhere."""
    if not request.htmx:
        return render(request, "comments/compose.html", context, status=status)
    response = render(request, f"comments/discussion.html#{partial}", context, status=status)
    return reswap(retarget(response, target), swap) if target else response


def _preview(request, form, context):
    """The text as it would be published, posting nothing: to htmx the preview alone;
    without JavaScript the form's page again, the text kept and the preview below it."""
    error, status = "", 200
    if getattr(request, "limited", False):
        error, status = TOO_MANY_PREVIEWS, 429
    elif form.is_valid():
        try:
            context["preview_html"] = services.preview_body(form.cleaned_data["body"])
        except CommentRefused as refusal:
            error, status = str(refusal), refusal.status
    else:
        error, status = " ".join(form.errors.get("body", [])), 422
    context["form"] = form
    if request.htmx:
        context["preview_error"] = error
        return render(request, "comments/discussion.html#preview", context, status=status)
    if error and not form.errors:
        form.add_error("body" if status == 422 else None, error)
    return render(request, "comments/compose.html", context, status=status)


@require_POST
@login_required
@rate_limited
@previews_limited
def post(request, slug):
    article = _article(slug, request.user)
    poll = _poll_of(article, request.POST.get("poll"))
    form = CommentForm(request.POST)
    key = discussion_key(poll)
    reader_voice = voice(article=article, user=request.user)
    context = {
        "form": form,
        "article": article,
        "poll": poll,
        "key": key,
        "action": "post",
        "voice": reader_voice,
        "back_url": f"{discussion_url(article, poll) if poll else article.get_absolute_url()}"
        f"#discussion-{key}",
    }
    if _previewing(request):
        return _preview(request, form, context)
    comment, error, status = _submit(request, form, reader_voice, article=article, poll=poll)
    if comment is not None:
        notice = _stance_notice(request, form, comment)
        if not request.htmx:
            return _redirect(_back_to(comment))
        comment.refresh_from_db()
        entry = Entry(comment, 1)
        threads.for_reader([entry], request.user)
        context.update(
            entry=entry,
            form=CommentForm(),
            notice=notice,
            comment_count=threads.discussion_count(article.pk, poll.pk if poll else None),
        )
        return render(request, "comments/discussion.html#posted", context)
    if status == 409 and not request.htmx:
        return refused(request, error, status)
    if error:
        form.add_error("body" if status == 422 else None, error)
    return _form_response(
        request, context, "compose", status=status, target=f"#compose-{key}", swap="outerHTML"
    )


@require_http_methods(["GET", "POST"])
@login_required
@rate_limited
@previews_limited
def reply(request, pk):
    parent = _comment(request, pk)
    reader_voice = voice(article=parent.article, user=request.user)
    context = {
        "parent": parent,
        "article": parent.article,
        "action": "reply",
        "voice": reader_voice,
    }
    if request.method == "GET":
        if parent.article.comments_closed:
            return refused(request, services.COMMENTS_CLOSED, 409)
        if reader_voice.barred:
            return refused(request, BARRED, 409)
        context["form"] = CommentForm()
        return _form_response(request, context, "reply-form")

    form = CommentForm(request.POST)
    context["form"] = form
    if _previewing(request):
        return _preview(request, form, context)
    comment, error, status = _submit(
        request, form, reader_voice, article=parent.article, parent=parent
    )
    if comment is not None:
        notice = _stance_notice(request, form, comment)
        if not request.htmx:
            return _redirect(_back_to(comment))
        comment.refresh_from_db()
        entry = Entry(comment, min(comment.depth, threads.MAX_INDENT))
        threads.for_reader([entry], request.user)
        context.update(entry=entry, notice=notice)
        return render(request, "comments/discussion.html#replied", context)
    if status == 409 and not request.htmx:
        return refused(request, error, status)
    if error:
        form.add_error("body", error)
    return _form_response(
        request, context, "reply-form", status=status, target=f"#reply-slot-{parent.pk}"
    )


@require_http_methods(["GET", "POST"])
@login_required
@edits_limited
@previews_limited
def edit(request, pk):
    comment = _comment(request, pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    context = {
        "comment": comment,
        "article": comment.article,
        "action": "edit",
        "voice": voice(article=comment.article, user=request.user),
    }
    if request.method == "GET":
        refusal = services.edit_refusal(comment, request.user)
        if refusal is not None:
            return refused(request, str(refusal), 409)
        context["form"] = CommentForm(initial={"body": comment.body})
        return _form_response(request, context, "edit-form")

    form = CommentForm(request.POST)
    context["form"] = form
    if _previewing(request):
        return _preview(request, form, context)
    if getattr(request, "limited", False):
        form.add_error(None, TOO_MANY_EDITS)
        status = 429
    elif form.is_valid():
        try:
            comment = edit_comment(
                comment=comment, editor=request.user, body=form.cleaned_data["body"]
            )
        except CommentRefused as refusal:
            if refusal.status == 409 and not request.htmx:
                return refused(request, str(refusal), refusal.status)
            form.add_error("body", str(refusal))
            status = refusal.status
        else:
            if request.htmx:
                return _entry_response(request, comment, context["article"])
            return _redirect(_back_to(comment))
    else:
        status = 422
    return _form_response(
        request, context, "edit-form", status=status, target=f"#comment-body-{comment.pk}"
    )


@require_http_methods(["GET", "POST"])
@login_required
def delete(request, pk):
    comment = _comment(request, pk)
    if request.method == "GET":
        if comment.author_id != request.user.pk and not services.can_moderate(request.user):
            raise PermissionDenied("Only its author can delete a comment.")
        return render(request, "comments/confirm_delete.html", {"comment": comment})
    article = comment.article
    try:
        comment = delete_comment(comment=comment, actor=request.user)
    except CommentRefused as refusal:
        return refused(request, str(refusal), refusal.status)
    if request.htmx:
        return _entry_response(request, comment, article)
    return _redirect(_back_to(comment))


@require_POST
@login_required
def like(request, pk):
    comment = _comment(request, pk)
    try:
        liked, comment = toggle_like(comment=comment, reader=request.user)
    except CommentRefused as refusal:
        return refused(request, str(refusal), refusal.status)
    if request.htmx:
        entry = Entry(comment, 1, liked=liked)
        return render(request, "comments/discussion.html#like", {"entry": entry})
    return _redirect(_back_to(comment))


@require_http_methods(["GET", "POST"])
@login_required
@reports_limited
def report(request, pk):
    comment = _comment(request, pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"comment": comment, "form": form, "done": False}
    status = 200
    if request.method == "GET" and services.has_reported(comment, request.user):
        context.update(done=True, already=True)
    elif request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, TOO_MANY_REPORTS)
            status = 429
        elif form.is_valid():
            try:
                report_comment(
                    comment=comment,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except CommentRefused as refusal:
                form.add_error(None, str(refusal))
                status = refusal.status
            else:
                if not request.htmx:
                    return _redirect(_back_to(comment))
                context["done"] = True
        else:
            status = 422
    if request.htmx:
        return render(request, "comments/discussion.html#report-form", context, status=status)
    return render(request, "comments/report.html", context, status=status)


@require_POST
@login_required
def pick(request, pk):
    """Staff make a comment an editors' pick, or take it off the strip."""
    comment = _comment(request, pk)
    try:
        services.set_editors_pick(
            comment=comment, actor=request.user, picked=request.POST.get("picked") != "0"
        )
    except CommentRefused as refusal:
        return refused(request, str(refusal), refusal.status)
    if request.htmx:
        return _entry_response(request, comment, comment.article)
    return HttpResponseRedirect(comment.get_absolute_url())
