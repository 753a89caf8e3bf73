"""The comment list's actions: on the selected rows, or on one comment from its page.

Each calls comments.moderator_actions (or set_editors_pick), which record what
was decided. The actions that ask something first (a reason, a number of days)
go through confirm_then_apply: Django's own pattern for delete_selected, an
intermediate page whose form posts the same action and selection back.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse

from comments import moderator_actions
from comments.services import CommentRefused, set_editors_pick

# The name of the confirmation page's submit button: its answers are to be applied.
APPLY = "apply"


@dataclass(frozen=True)
class Question:
    """What the confirmation page says before an action applies."""

    title: str
    intro: str
    items: list[str]
    submit: str


def confirm_then_apply(modeladmin, request, *, action, selected, form_class, question, apply):
    """Ask first, then apply: `apply(**answers)` once the page's form comes back valid,
    and tell the moderator what it returns (what was done).

    The first post (from the list or a comment's page) shows the question with an
    empty form; invalid answers show it again with their errors. Returns the page
    to show, or None once applied (the admin then goes back to the list).
    """
    form = form_class(request.POST) if APPLY in request.POST else form_class()
    if form.is_valid():
        modeladmin.message_user(request, apply(**form.cleaned_data), messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": question.title,
        "intro": question.intro,
        "items": question.items,
        "submit": question.submit,
        "opts": modeladmin.opts,
        "action": action,
        "form": form,
        "selected_ids": [obj.pk for obj in selected],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "apply": APPLY,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/comments/comment/action_form.html", context)


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{pluralize(number)}"


def staff_standing_refused(names) -> str:
    return (
        f"Only a superuser can change the standing of staff: {', '.join(sorted(names))}. "
        "Nothing was changed."
    )


# The forms of the actions that ask first


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason shown to the author",
        choices=[(reason, reason) for reason in moderator_actions.REJECTION_REASONS],
        widget=forms.RadioSelect,
    )


class StandingReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason shown to the reader",
        max_length=200,
        help_text="They are told once, in their notices, with this reason.",
    )
    note = forms.CharField(
        label="Internal note (staff only)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BanForm(StandingReasonForm):
    reject_comments = forms.BooleanField(
        label="Also reject all their comments (pending, held and published)", required=False
    )


class SuspendForm(StandingReasonForm):
    days = forms.IntegerField(
        label="Days", min_value=1, max_value=moderator_actions.MAX_SUSPENSION_DAYS, initial=7
    )


# Deciding on comments


@admin.action(description="Approve selected comments", permissions=["change"])
def approve(modeladmin, request, queryset):
    _approve(modeladmin, request, queryset, feature=False)


@admin.action(description="Approve and feature selected comments", permissions=["change"])
def approve_and_feature(modeladmin, request, queryset):
    _approve(modeladmin, request, queryset, feature=True)


def _approve(modeladmin, request, queryset, *, feature):
    comments = list(queryset)
    for comment in comments:
        moderator_actions.approve(comment=comment, moderator=request.user, feature=feature)
    done = "Approved and featured" if feature else "Approved"
    modeladmin.message_user(
        request, f"{done} {counted(len(comments), 'comment')}.", messages.SUCCESS
    )


@admin.action(description="Make selected comments editors' picks", permissions=["change"])
def pick(modeladmin, request, queryset):
    _pick(modeladmin, request, queryset, picked=True)


@admin.action(description="Remove selected comments from editors' picks", permissions=["change"])
def unpick(modeladmin, request, queryset):
    _pick(modeladmin, request, queryset, picked=False)


def _pick(modeladmin, request, queryset, *, picked):
    done, refused = 0, 0
    for comment in queryset:
        try:
            set_editors_pick(comment=comment, actor=request.user, picked=picked)
            done += 1
        except CommentRefused:
            refused += 1
    verb = "Picked" if picked else "Unpicked"
    modeladmin.message_user(request, f"{verb} {counted(done, 'comment')}.", messages.SUCCESS)
    if refused:
        modeladmin.message_user(
            request,
            f"{refused} not picked: only published comments can be editors' picks.",
            messages.WARNING,
        )


@admin.action(description="Reject selected comments…", permissions=["change"])
def reject(modeladmin, request, queryset):
    comments = list(queryset)

    def apply(reason):
        for comment in comments:
            moderator_actions.reject(comment=comment, moderator=request.user, reason=reason)
        return f"Rejected {counted(len(comments), 'comment')}: “{reason}”."

    question = Question(
        title=f"Reject {counted(len(comments), 'comment')}",
        intro="Their authors see the reason beside their comment.",
        items=[str(comment) for comment in comments],
        submit="Reject",
    )
    return confirm_then_apply(
        modeladmin,
        request,
        action="reject",
        selected=comments,
        form_class=RejectForm,
        question=question,
        apply=apply,
    )


# The authors' standing


@dataclass(frozen=True)
class AuthorsQuestion:
    """What an action on authors asks first: the page's verb, its intro, and the form."""

    action: str
    verb: str
    intro: str
    form_class: type[forms.Form]


def _apply_to_authors(modeladmin, request, queryset, apply, *, ask: AuthorsQuestion | None = None):
    """`apply(authors, **answers)` on the distinct authors of the selected comments (deleted
    accounts have none), after `ask`ing if given; the moderator is told what it returns.
    Nothing is done (and the moderator told why) when any author is beyond their reach."""
    comments = list(queryset.select_related("author"))
    authors = list({c.author_id: c.author for c in comments if c.author_id}.values())
    protected = [
        author.username
        for author in authors
        if not moderator_actions.may_change_standing_of(request.user, author)
    ]
    if protected:
        modeladmin.message_user(request, staff_standing_refused(protected), messages.ERROR)
        return None
    if ask is None:
        modeladmin.message_user(request, apply(authors), messages.SUCCESS)
        return None
    question = Question(
        title=f"{ask.verb} {counted(len(authors), 'author')}",
        intro=ask.intro,
        items=[author.username for author in authors],
        submit=ask.verb,
    )
    return confirm_then_apply(
        modeladmin,
        request,
        action=ask.action,
        selected=comments,
        form_class=ask.form_class,
        question=question,
        apply=lambda **answers: apply(authors, **answers),
    )


@admin.action(description="Ban the authors of selected comments…", permissions=["manage_authors"])
def ban_author(modeladmin, request, queryset):
    def ban(authors, reject_comments, reason, note):
        for author in authors:
            moderator_actions.ban_author(
                user=author,
                moderator=request.user,
                reason=reason,
                note=note,
                reject_comments=reject_comments,
            )
        also = " and rejected their comments" if reject_comments else ""
        return f"Banned {counted(len(authors), 'author')}{also}."

    ask = AuthorsQuestion(
        action="ban_author",
        verb="Ban",
        intro="A banned author can no longer comment.",
        form_class=BanForm,
    )
    return _apply_to_authors(modeladmin, request, queryset, ban, ask=ask)


@admin.action(
    description="Suspend the authors of selected comments…", permissions=["manage_authors"]
)
def suspend_author(modeladmin, request, queryset):
    def suspend(authors, days, reason, note):
        for author in authors:
            moderator_actions.suspend_author(
                user=author, moderator=request.user, days=days, reason=reason, note=note
            )
        return f"Suspended {counted(len(authors), 'author')} for {counted(days, 'day')}."

    ask = AuthorsQuestion(
        action="suspend_author",
        verb="Suspend",
        intro="A suspended author cannot comment until the suspension ends.",
        form_class=SuspendForm,
    )
    return _apply_to_authors(modeladmin, request, queryset, suspend, ask=ask)


@admin.action(
    description="Always pre-moderate the authors of selected comments",
    permissions=["manage_authors"],
)
def premoderate_author(modeladmin, request, queryset):
    def premoderate(authors):
        for author in authors:
            moderator_actions.premoderate_author(user=author, moderator=request.user)
        return f"Every comment by {counted(len(authors), 'author')} now waits for a moderator."

    _apply_to_authors(modeladmin, request, queryset, premoderate)


@admin.action(description="Trust the authors of selected comments", permissions=["manage_authors"])
def trust_author(modeladmin, request, queryset):
    def trust(authors):
        for author in authors:
            moderator_actions.trust_author(user=author, moderator=request.user)
        return f"Trusted {counted(len(authors), 'author')}."

    _apply_to_authors(modeladmin, request, queryset, trust)
