import pytest

from polls.models import Poll
from polls.voting import Voter

HTMX = {"HX-Request": "true"}


@pytest.fixture
def yes_no_poll(demo_article):
    return Poll.objects.select_related("article").get(article=demo_article, kind=Poll.Kind.YES_NO)


@pytest.fixture
def open_poll(demo_article):
    return Poll.objects.select_related("article").get(article=demo_article, kind=Poll.Kind.OPEN)


def choice_named(poll, text):
    return poll.choices.get(text=text)


def cookie_voter(n: int) -> Voter:
    return Voter(voter_key=f"{n:032x}")
