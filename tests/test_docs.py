"""The README is one page that leads into docs/, and every link in them leads somewhere."""

import re
from pathlib import Path

import pytest

from briefing_site.management.commands.write_permissions_doc import (
    PERMISSIONS_DOC,
    with_role_table,
)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))

FENCED_CODE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(markdown: str) -> str:
    """The text outside code, where a bracket is a link and a # a heading."""
    return INLINE_CODE.sub("", FENCED_CODE.sub("", markdown))


def anchors(markdown: str) -> set[str]:
    """The fragment GitHub gives each heading: lower case, punctuation dropped,
    spaces as hyphens, and -1, -2... on repeats."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCED_CODE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    targets = LINK.findall(prose(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_readme_is_one_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move a section into docs/"


def test_the_readme_says_what_briefing_is_and_then_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Briefing"
    first_paragraph = next(line for line in lines[1:] if line.strip())
    assert "newsroom" in first_paragraph, "the README must open with what Briefing is"
    opening = "\n".join(lines[:40])
    assert re.search(r"^make run\b", opening, re.MULTILINE), "`make run` within 40 lines"
    assert re.search(r"^make test\b", opening, re.MULTILINE), "`make test` within 40 lines"
    assert opening.index(first_paragraph) < opening.index("make run")


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda page: page.name)
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page):
    broken = []
    for target in relative_links(page):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and fragment not in anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{target} (no such heading in {linked.name})")
    assert not broken, f"{page.name} has broken links: " + ", ".join(broken)


def test_the_readme_links_every_page_in_docs():
    linked = {
        (README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)
    }
    assert [doc.name for doc in DOCS if doc.resolve() not in linked] == []


def test_benchmark_figures_live_in_the_baseline_only():
    for page in [README, *DOCS]:
        text = page.read_text(encoding="utf-8")
        assert "req/s" not in text, f"{page.name}: link bench/BASELINE.md instead"
        assert "p99" not in text, f"{page.name}: link bench/BASELINE.md instead"


def test_the_permissions_page_shows_the_role_table_the_tests_run():
    current = PERMISSIONS_DOC.read_text(encoding="utf-8")
    assert with_role_table(current) == current, (
        "docs/permissions.md is stale: run `.venv/bin/python manage.py write_permissions_doc` "
        "and commit it"
    )
