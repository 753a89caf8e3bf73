from django import forms
from django.conf import settings

from comments.models import Report
from comments.rendering import MAX_BODY_LENGTH


class CommentForm(forms.Form):
    # Told beside the field, counted live by compose.js; no maxlength attribute, which
    # would cut a pasted text short without a word: the server says what is too long.
    max_body_length = MAX_BODY_LENGTH

    body = forms.CharField(
        label="Your comment",
        # Browsers send line breaks as CRLF: the exact limit is counted by
        # clean_body after normalising them; this only stops absurd input.
        max_length=MAX_BODY_LENGTH * 2,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown: *emphasis*, **strong**, [links](https://…), > quotes, lists, `code`.",
        error_messages={
            "required": "Write something before posting.",
            "max_length": "Keep your comment to 5,000 characters (it has %(show_value)d).",
        },
    )
    show_stance = forms.BooleanField(
        label="Show my answer to this question beside my name", required=False
    )

    @property
    def edit_window_minutes(self) -> int:
        return settings.COMMENT_EDIT_WINDOW_MINUTES


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with it?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are reporting this comment."},
    )
    note = forms.CharField(
        label="Anything the moderators should know",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )
