"""Editors writing articles in the admin: the rules for what they type."""

import re

# The banner, the feed and the email label a follow-up themselves; a title carrying the label
# too would read "Follow-up: Follow-up: ...".
FOLLOWUP_LABEL = re.compile(r"^\s*(follow[\s-]*up\s*[:\-\u2013\u2014]\s*)+", re.IGNORECASE)


def followup_title(title: str) -> str:
    """The title of a follow-up without the "Follow-up:" label readers are shown anyway."""
    return FOLLOWUP_LABEL.sub("", title).strip() or title.strip()
