from django import forms

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
        fields = ["title", "slug", "status", "published_at", "lead", "keywords"]


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
