from django import forms
from django.utils import timezone

from articles.briefing import BriefingError, parse_block_text
from articles.importer import block_data
from articles.models import Article, Block


class KeywordsField(forms.CharField):
    """Keywords typed as one comma-separated line, stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [keyword.strip() for keyword in text.split(",") if keyword.strip()]


class ArticleAdminForm(forms.ModelForm):
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
