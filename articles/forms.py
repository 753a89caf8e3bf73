from django import forms
from django.utils import timezone

from articles import writing
from articles.briefing import BriefingError, parse_block_text
from articles.corrections import CHANGE_CHOICES, Change, check_change
from articles.importer import block_data
from articles.models import Article, Block, Section


class KeywordsField(forms.CharField):
    """Keywords typed as one comma-separated line, stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [keyword.strip() for keyword in text.split(",") if keyword.strip()]


class ChangeOnRecordForm(forms.Form):
    """Saving a published article's text asks what kind of change it is (and, for readers,
    what changed). The admin tells the form whether the body's inlines changed."""

    change_kind = forms.ChoiceField(
        label="This change is",
        choices=CHANGE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text="Asked when the text of a published article changes. A correction or an "
        "update is shown on the article with its time and note, and told to followers who "
        "asked for them; a silent fix (a typo) is kept as a version only.",
    )
    change_note = forms.CharField(
        label="Note for readers",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 90}),
        help_text="What was wrong and what it now says, or what is new.",
    )
    # The fields whose change changes the text readers see.
    text_fields: tuple[str, ...] = ()

    def body_changed(self) -> bool:
        return False

    def published_article(self) -> Article | None:
        raise NotImplementedError

    def check_change_on_record(self):
        article = self.published_article()
        if article is None or not article.is_published:
            return
        if not (set(self.text_fields) & set(self.changed_data) or self.body_changed()):
            return
        refusal = check_change(
            self.cleaned_data.get("change_kind", ""), self.cleaned_data.get("change_note", "")
        )
        if refusal:
            field = "change_note" if self.cleaned_data.get("change_kind") else "change_kind"
            self.add_error(field, refusal)

    def change(self) -> Change:
        return Change(
            kind=self.cleaned_data.get("change_kind") or Change.kind,
            note=self.cleaned_data.get("change_note", ""),
        )


class ArticleAdminForm(ChangeOnRecordForm, forms.ModelForm):
    keywords = KeywordsField(required=False, help_text="Comma-separated.")

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "status",
            "publish_at",
            "published_at",
            "follows",
            "lead",
            "keywords",
            "comments_closed",
            "premoderate",
        ]

    def clean(self):
        cleaned = super().clean()
        status, publish_at = cleaned.get("status"), cleaned.get("publish_at")
        if status == Article.Status.SCHEDULED:
            if publish_at is None:
                self.add_error("publish_at", "A scheduled article needs its publishing time.")
            elif publish_at <= timezone.now():
                self.add_error("publish_at", "Choose a time in the future, or publish it now.")
        if status == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        follows = cleaned.get("follows")
        if (
            follows is not None
            and self.instance.pk is not None
            and self.instance.pk in (follows.pk, follows.story_id)
        ):
            self.add_error("follows", "An article cannot follow itself or its own follow-up.")
        self.check_change_on_record()
        return cleaned

    text_fields = ("title", "lead")

    def published_article(self):
        # The instance still holds what the database says: the form has not been applied yet.
        return self.instance if self.instance.pk else None


class SectionAdminForm(ChangeOnRecordForm, forms.ModelForm):
    class Meta:
        model = Section
        fields = ["article", "position", "title", "level", "anchor"]

    text_fields = ("article", "position", "title", "level")

    def published_article(self):
        if self.instance.pk:
            return self.instance.article
        return self.cleaned_data.get("article")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            self.text_fields = tuple(self.fields)  # a new section changes the text
        self.check_change_on_record()
        return cleaned


class AnsweredPollsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, poll):
        return f"{poll.question} (in “{poll.article.title}”)"


class WritingForm(forms.Form):
    """A whole article pasted on one page; a follow-up also says which questions it answers."""

    syntax = forms.ChoiceField(
        label="Written in",
        choices=writing.SYNTAXES,
        initial=writing.BRIEFING,
        required=False,
        widget=forms.RadioSelect,
        help_text="Briefing text: title, Table of Contents, sections, pipe tables, reader "
        "questions, a Keywords line. Markdown: the title as a “# ” heading, sections as "
        "“## ” headings, lists, pipe tables, a “## Reader questions” section, a last "
        "“Keywords: …” line.",
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "cols": 100}))
    answers = AnsweredPollsField(
        label="Questions this piece answers",
        queryset=writing.earlier_polls(None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Readers who voted, proposed an answer or commented under a question "
        "you tick are told when this piece is published; its results are shown in it "
        "(“What readers said”).",
    )
    publish_at = forms.DateTimeField(required=False, help_text="Only to schedule it.")

    def __init__(self, *args, follows: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        polls = writing.earlier_polls(follows)
        if follows is None or not polls.exists():
            del self.fields["answers"]
        else:
            self.fields["answers"].queryset = polls

    def clean_syntax(self):
        return self.cleaned_data["syntax"] or writing.BRIEFING

    def clean(self):
        cleaned = super().clean()
        if self.data.get("action") == "schedule" and not cleaned.get("publish_at"):
            self.add_error("publish_at", "Give the time to publish it.")
        return cleaned


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=300)
    slug = forms.SlugField(max_length=100, help_text="The follow-up's address.")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Article.objects.filter(slug=slug).exists():
            raise forms.ValidationError("An article with this address already exists.")
        return slug


class BlockAdminForm(forms.ModelForm):
    """Editors type a block in briefing markup; it is parsed once, here."""

    class Meta:
        model = Block
        fields = ["position", "kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6, "cols": 90})}

    def clean(self):
        cleaned = super().clean()
        kind, text = cleaned.get("kind"), cleaned.get("text")
        if kind and text:
            try:
                parsed = parse_block_text(kind, text)
            except BriefingError as error:
                self.add_error("text", str(error))
            else:
                self.instance.data = block_data(parsed)
        return cleaned
