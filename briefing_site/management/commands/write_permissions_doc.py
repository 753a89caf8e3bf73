"""Write the role table of docs/permissions.md from the one tests/test_boundaries.py runs.

The test's table is the spec: every cell is a request the suite makes as that
role. The document shows the same table, so it cannot claim what the suite does
not check. The prose around it is written by hand; this command rewrites only
what lies between its two markers. tests/test_docs.py fails when the file differs
from what this command would write.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# The role table lives with the test that runs it, so this command needs the
# test dependencies (`make install-test`), as `make test` has.
from tests.test_boundaries import ROLE_TITLES, ROLES, TABLE

PERMISSIONS_DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"
BEGIN = "<!-- BEGIN role table: written by `manage.py write_permissions_doc`, do not edit -->"
END = "<!-- END role table -->"
LEGEND = {
    "login": "→ log in",
    "admin": "→ admin log in",
}


def markdown_table() -> str:
    head = "| what | method | path | " + " | ".join(ROLE_TITLES[r] for r in ROLES) + " |"
    lines = [head, "|---|---|---|" + "---|" * len(ROLES)]
    for row in TABLE:
        path = row.path.replace("|", "\\|")
        cells = [LEGEND.get(row.expected[r], row.expected[r]) for r in ROLES]
        lines.append(f"| {row.what} | {row.method} | `{path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def role_table_block() -> str:
    cells = len(TABLE) * len(ROLES)
    return "\n".join(
        [
            BEGIN,
            "<details>",
            f"<summary>The table ({len(TABLE)} requests by {len(ROLES)} roles: "
            f"{cells:,} cells)</summary>",
            "",
            markdown_table(),
            "",
            "</details>",
            END,
        ]
    )


def with_role_table(document: str) -> str:
    """The document with the text between the markers replaced by the current table."""
    start, end = document.find(BEGIN), document.find(END)
    if start == -1 or end == -1 or end < start:
        raise CommandError(f"{PERMISSIONS_DOC} lacks the role table's markers:\n{BEGIN}\n{END}")
    return document[:start] + role_table_block() + document[end + len(END) :]


class Command(BaseCommand):
    help = "Write the role table in docs/permissions.md from tests/test_boundaries.py."

    def handle(self, *args, **options):
        current = PERMISSIONS_DOC.read_text(encoding="utf-8")
        written = with_role_table(current)
        if written == current:
            self.stdout.write(f"{PERMISSIONS_DOC.name} is up to date.")
            return
        PERMISSIONS_DOC.write_text(written, encoding="utf-8")
        self.stdout.write(f"Wrote the role table ({len(TABLE)} requests) to {PERMISSIONS_DOC}.")
