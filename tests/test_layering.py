"""Where code lives: views import selectors and services; only an app's urls import its views."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("articles", "comments", "polls", "briefing_site")
# `from comments.views import x`, `from comments import views`, `import comments.views`
IMPORTS_VIEWS = re.compile(
    r"^\s*(?:from\s+(\w+)\.views\s+import|from\s+(\w+)\s+import\s+[^#\n]*\bviews\b"
    r"|import\s+(\w+)\.views\b)",
    re.MULTILINE,
)


def views_imported_by(path: Path) -> set[str]:
    """The apps whose views this module imports."""
    return {
        next(app for app in match.groups() if app)
        for match in IMPORTS_VIEWS.finditer(path.read_text())
    } & set(APPS)


def test_no_module_imports_views_but_its_own_apps_urls():
    wrong = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            allowed = {app} if path.name == "urls.py" else set()
            wrong += [
                f"{path.relative_to(ROOT)}: {other}.views"
                for other in views_imported_by(path) - allowed
            ]
    assert wrong == []


def test_the_check_sees_each_way_of_importing_views(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from articles.views import article_detail\n"
        "from comments import forms, views\n"
        "import polls.views\n"
        "from django.contrib.sitemaps.views import sitemap\n"
    )
    assert views_imported_by(module) == {"articles", "comments", "polls"}
