"""The record of every staff act: moderators' and editors' decisions on readers' words,
picks, discussions closed or pre-moderated, authors' standing and the word lists.

Each act calls `record` inside its own transaction, so the record and the act commit
(or roll back) together.
"""

from django.utils.text import Truncator

from briefing_site.models import StaffAct

Kind = StaffAct.Kind


def record(
    *,
    actor,
    kind: str,
    action: str,
    author_id: int | None = None,
    article_id: int | None = None,
    subject: str = "",
    url: str = "",
    reason: str = "",
    note: str = "",
) -> StaffAct:
    return StaffAct.objects.create(
        actor=actor,
        actor_name=actor.get_username(),
        kind=kind,
        action=Truncator(action).chars(200),
        author_id=author_id,
        article_id=article_id,
        subject=Truncator(" ".join(subject.split())).chars(300),
        url=url,
        reason=Truncator(reason).chars(300),
        note=note,
    )
