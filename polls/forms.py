"""Admin forms for polls: they check what editors type; the writes live in polls.placement."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.text import Truncator

from articles.models import Article, Block
from polls.models import Choice, Poll
from polls.placement import poll_answers, poll_question
from polls.proposals import normalize_answer

PATH_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


class BlockChoiceField(forms.ModelChoiceField):
    """A block of an article, named by where it stands: "Section > paragraph: first words…"."""

    def __init__(self, *, with_article: bool, **kwargs):
        self.with_article = with_article
        super().__init__(**kwargs)

    def label_from_instance(self, block):
        words = Truncator(" ".join(block.text.split())).words(8)
        label = f"{block.section}{PATH_SEPARATOR}{block.kind}: {words}"
        return f"{block.section.article}{PATH_SEPARATOR}{label}" if self.with_article else label


def blocks_of(article: Article | None):
    blocks = Block.objects.select_related("section__article").order_by(
        "section__article", "section__position", "position"
    )
    return blocks if article is None else blocks.filter(section__article=article)


class PollAddForm(forms.ModelForm):
    """A reader question added by hand, placed after a block of its article.

    Opened from an article (`?article=<id>`) the article is fixed and only its
    blocks are offered; otherwise the block must belong to the chosen article.
    """

    fixed_article: Article | None = None

    after_block = BlockChoiceField(
        with_article=True,
        queryset=Block.objects.none(),
        label="Place after block",
        help_text="The question appears right after this block of the article.",
    )
    answers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=(
            "One per line. Yes / No: leave empty for Yes, No, Not sure. "
            "Multiple choice: at least two. Open: may start empty; readers propose answers."
        ),
    )

    class Meta:
        model = Poll
        fields = ["article", "question", "kind", "results_visibility", "closes_at"]
        widgets = {"question": forms.TextInput(attrs={"size": 90})}

    @classmethod
    def for_article(cls, article: Article | None):
        """This form with the article fixed (when given)."""
        if article is None:
            return cls
        return type(cls.__name__, (cls,), {"fixed_article": article})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        article = self.fixed_article
        self.fields["after_block"].queryset = blocks_of(article)
        if article is not None:
            field = self.fields["article"]
            field.disabled = True
            field.widget = forms.Select()  # no links to add or change articles from here
            field.queryset = Article.objects.filter(pk=article.pk)
            self.initial["article"] = article.pk
            self.fields["after_block"].with_article = False

    def clean_question(self):
        return poll_question(self.cleaned_data["question"])

    def clean_closes_at(self):
        closes_at = self.cleaned_data["closes_at"]
        if closes_at is not None and closes_at <= timezone.now():
            raise ValidationError("Pick a closing time in the future, or leave it empty.")
        return closes_at

    def clean(self):
        cleaned = super().clean()
        article, block = cleaned.get("article"), cleaned.get("after_block")
        if article and block and block.section.article_id != article.pk:
            self.add_error(
                "after_block", f"This block belongs to “{block.section.article}”, not this article."
            )
        if cleaned.get("kind"):
            try:
                cleaned["answers"] = poll_answers(
                    kind=cleaned["kind"], choices=cleaned.get("answers", "").splitlines()
                )
            except ValidationError as error:
                self.add_error("answers", error)
        return cleaned

    def placement(self) -> dict:
        """The arguments of `add_poll_after_block`, once the form is valid."""
        data = self.cleaned_data
        return {
            "block": data["after_block"],
            "question": data["question"],
            "kind": data["kind"],
            "choices": data["answers"],
            "results_visibility": data["results_visibility"],
            "closes_at": data["closes_at"],
        }


class PollChangeForm(forms.ModelForm):
    class Meta:
        model = Poll
        fields = ["question", "kind", "results_visibility", "closes_at"]
        widgets = {"question": forms.TextInput(attrs={"size": 90})}

    def clean_question(self):
        return poll_question(self.cleaned_data["question"])


class ChoiceAdminForm(forms.ModelForm):
    """An answer as editors and moderators edit it; its normalised text follows its text."""

    class Meta:
        model = Choice
        fields = ["position", "text", "status"]

    def clean_text(self):
        text = " ".join(self.cleaned_data["text"].split())
        normalized = normalize_answer(text)
        if not normalized:
            raise ValidationError("An answer needs some words, not only punctuation.")
        others = Choice.objects.filter(
            poll_id=self.instance.poll_id, normalized_text=normalized
        ).exclude(pk=self.instance.pk)
        if self.instance.poll_id is not None and others.exists():
            raise ValidationError("Another answer of this poll already reads the same.")
        self.instance.normalized_text = normalized
        return text


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """A poll's answers: no two alike, and none with votes deleted (reject it instead)."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            choice = form.instance
            if self.can_delete and self._should_delete_form(form):
                if choice.pk is not None and choice.vote_count:
                    votes = f"{choice.vote_count} vote{pluralize(choice.vote_count)}"
                    raise ValidationError(
                        f"“{choice.text}” has {votes}: "
                        "reject it instead of deleting it, so the votes are kept."
                    )
                continue
            if form.errors or (not form.has_changed() and choice.pk is None):
                continue  # its own errors are shown on it; an empty extra row is ignored
            if choice.normalized_text in seen:
                raise ValidationError(f"Two answers read the same: “{choice.text}”.")
            seen.add(choice.normalized_text)
