"""The automatic first pass over a comment: plain functions, no Celery.

`decide(comment)` runs the phases below in order; the first that fires decides and
the rest do not run. Each firing phase gives its reasons, one sentence each for the
moderators. The task in comments.tasks loads pending comments, calls decide_many() and
records the verdicts.

     1. author         banned or suspended author           reject
        closed         comments closed on the article       reject
     2. length         no visible text, or too long         reject
     3. duplicate      the author's same text, just now     reject
     4. banned_words   a banned term (see find_terms)       reject
     5. velocity       too many comments in a few minutes   hold (trusted authors skip)
     6. links          too many, a blocked domain, or a new account's
                                                            hold
     7. toxicity       the classifier's score               reject or hold
     8. suspect_words  a suspect term                       hold
    10. premoderation  the article's, the author's, or too few approved comments
                                                            hold
    11. clean          nothing fired                        approve

`decide_many(comments)` decides several at once, as a worker does: what the phases read
is loaded once for all of them, and the texts that reach the toxicity phase are scored
in one call to the classifier. A handful of queries whatever their number and their
authors' history: the standings (unless loaded with the comments,
select_related("author__standing")), the settings (unless given), the terms, the
blocked domains (only when one has links), the authors' recent comments, and their
approved counts (only when that rule is on). decide() is a batch of one.
"""

import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.db.models import Count
from django.utils import timezone
from django.utils.functional import cached_property
from linkify_it import LinkifyIt
from linkify_it.tlds import TLDS

from comments.classifiers import ScorerUnavailable, get_classifier
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
)
from comments.rendering import MAX_BODY_LENGTH, has_visible_text, plain_text

__all__ = [
    "ScorerUnavailable",
    "Verdict",
    "decide",
    "decide_many",
    "find_terms",
    "held_for_scorer_failure",
    "normalised_for_repeats",
]

APPROVE = ModerationDecision.Outcome.APPROVE.value
HOLD = ModerationDecision.Outcome.HOLD.value
REJECT = ModerationDecision.Outcome.REJECT.value

# The duplicate check compares at most this many of the author's recent comments.
RECENT_COMMENTS_COMPARED = 200


@dataclass(frozen=True)
class Verdict:
    outcome: str  # a ModerationDecision.Outcome value
    phase: str  # the phase that decided, or "clean"
    reasons: tuple[str, ...]  # one sentence each, for moderators
    score: float | None = None  # the toxicity score, when the pipeline got that far


def held_for_scorer_failure() -> Verdict:
    """What the task records when the classifier stayed unavailable through every retry."""
    return Verdict(outcome=HOLD, phase="toxicity", reasons=("scorer unavailable",), score=None)


def decide(
    comment: Comment,
    *,
    settings: ModerationSettings | None = None,
    now: dt.datetime | None = None,
    classifier=None,
) -> Verdict:
    """The pipeline's verdict on the comment as it is now (its current version).

    `now` is when standings are judged (a suspension may have ended); the time
    windows (repeats, velocity, account age) are measured from when this version
    was written. Raises ScorerUnavailable when the classifier could not score.
    """
    (outcome,) = decide_many([comment], settings=settings, now=now, classifier=classifier)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def decide_many(
    comments: Sequence[Comment],
    *,
    settings: ModerationSettings | None = None,
    now: dt.datetime | None = None,
    classifier=None,
) -> list[Verdict | Exception]:
    """decide() for each comment, in their order, sharing what the phases load.

    A comment whose moderation raises gets the exception in its place and the
    others are decided all the same: one poison comment spoils no batch.
    The comments are judged on the same state of the database: deciding one does
    not change what the phases read of another (they read every comment of an
    author, whatever became of it).
    """
    context = _run_context(settings, now, classifier)
    shared = _Shared(comments, settings=context["settings"], now=context["now"])
    runs = [_Run(comment=comment, shared=shared, **context) for comment in comments]
    return _verdicts(runs, _PHASES)


def _run_context(settings, now, classifier) -> dict:
    return {
        "settings": settings if settings is not None else ModerationSettings.current(),
        "now": now or timezone.now(),
        "classifier": classifier,
    }


def _verdicts(runs, phases) -> list[Verdict | Exception]:
    """Run the phases in order on each run; the first that fires decides. The phases
    before toxicity run first for all, so that the texts still undecided are scored
    together."""
    scoring = next(n for n, (phase, _check) in enumerate(phases) if phase == "toxicity")
    outcomes: list[Verdict | Exception | None] = []
    for run in runs:
        outcomes.append(_first_verdict(run, phases[:scoring], last=False))
    undecided = [n for n, outcome in enumerate(outcomes) if outcome is None]
    if undecided:
        texts = [runs[n].text for n in undecided]
        try:
            classifier = runs[undecided[0]].classifier
        except Exception as error:  # e.g. a classifier that cannot be imported
            scores = [error] * len(texts)
        else:
            scores = _scores(classifier, texts)
        for n, score in zip(undecided, scores, strict=True):
            runs[n].scored = score
            outcomes[n] = _first_verdict(runs[n], phases[scoring:], last=True)
    return outcomes


def _first_verdict(run, phases, *, last: bool) -> Verdict | Exception | None:
    """The verdict of the first phase that fires; when none does, approval after the
    last phases, None before them. The exception instead, when one raises."""
    try:
        for phase, check in phases:
            fired = check(run)
            if fired:
                outcome, reasons = fired
                return Verdict(
                    outcome=outcome, phase=phase, reasons=tuple(reasons), score=run.score
                )
    except Exception as error:  # a poison comment must never block the others
        return error
    return Verdict(outcome=APPROVE, phase="clean", reasons=(), score=run.score) if last else None


def _scores(classifier, texts: list[str]) -> list[float | Exception]:
    """Each text's score, in one call when the classifier takes a list (score_many).

    An unavailable scorer fails every text still to score: asked one at a time,
    each would wait out its timeout. Any other error is one text's: the texts are
    then scored one at a time, and only the one that fails gets the error.
    """
    score_many = getattr(classifier, "score_many", None)
    if score_many is not None and len(texts) > 1:
        try:
            scores = list(score_many(texts))
        except ScorerUnavailable as error:
            return [error] * len(texts)
        except Exception:  # noqa: S110 - one at a time below, to find which text fails
            pass
        else:
            if len(scores) == len(texts):
                return scores
    scores = []
    for text in texts:
        try:
            scores.append(classifier.score(text))
        except ScorerUnavailable as error:
            return scores + [error] * (len(texts) - len(scores))
        except Exception as error:
            scores.append(error)
    return scores


@dataclass(frozen=True)
class _Writing:
    """One of an author's comments, as the duplicate and velocity phases compare it."""

    pk: int
    created_at: dt.datetime
    deleted: bool
    body_html: str

    @cached_property
    def repeated(self) -> str:
        return normalised_for_repeats(plain_text(self.body_html))


class _Shared:
    """What the phases read, loaded once for all the comments decided together."""

    def __init__(self, comments: Sequence[Comment], *, settings, now):
        self.comments = comments
        self.settings = settings
        self.now = now

    @cached_property
    def terms(self) -> dict[str, list[str]]:
        """Read on every run: moderators edit the lists in the admin."""
        by_kind = {kind: [] for kind in ModeratedTerm.Kind.values}
        for kind, term in ModeratedTerm.objects.values_list("kind", "term"):
            by_kind.setdefault(kind, []).append(term)
        return by_kind

    @cached_property
    def blocked_domains(self) -> list[str]:
        return list(BlockedDomain.objects.values_list("domain", flat=True))

    @cached_property
    def standings(self) -> dict[int, AuthorStanding | None]:
        """Each author's standing, None for those with none."""
        standings, missing = {}, set()
        for comment in self.comments:
            if comment.author_id is None:
                continue
            author = comment.author if Comment.author.is_cached(comment) else None
            # select_related("author__standing") loaded it, or its absence.
            if author is not None and type(author).standing.is_cached(author):
                standings[comment.author_id] = getattr(author, "standing", None)
            else:
                missing.add(comment.author_id)
        if missing:
            standings.update(dict.fromkeys(missing))
            for standing in AuthorStanding.objects.filter(user_id__in=missing):
                standings[standing.user_id] = standing
        return standings

    @cached_property
    def writings(self) -> dict[int, list[_Writing]]:
        """The authors' comments written in the longest window a phase looks back over
        before the latest of these comments, newest first."""
        minutes = max(self.settings.duplicate_minutes, self.settings.velocity_minutes)
        authors = {comment.author_id for comment in self.comments} - {None}
        if not minutes or not authors:
            return {}
        written = [_written_at(comment, self.now) for comment in self.comments]
        rows = (
            Comment.objects.filter(
                author_id__in=authors,
                created_at__gte=min(written) - dt.timedelta(minutes=minutes),
                created_at__lte=max(written),
            )
            .order_by("-created_at")
            .values_list("author_id", "pk", "created_at", "deleted_at", "body_html")
        )
        by_author = defaultdict(list)
        for author_id, pk, created_at, deleted_at, body_html in rows:
            by_author[author_id].append(_Writing(pk, created_at, deleted_at is not None, body_html))
        return by_author

    @cached_property
    def approved_counts(self) -> dict[int, int]:
        """How many approved comments each author has, besides those decided now."""
        authors = {comment.author_id for comment in self.comments} - {None}
        counts = (
            Comment.objects.approved()
            .filter(author_id__in=authors)
            .exclude(pk__in=[comment.pk for comment in self.comments])
            .order_by()
            .values("author_id")
            .annotate(approved=Count("pk"))
        )
        return {row["author_id"]: row["approved"] for row in counts}


def _written_at(comment: Comment, now: dt.datetime) -> dt.datetime:
    return comment.edited_at or comment.created_at or now


class _Run:
    """One comment going through the phases, reading what is shared between them."""

    def __init__(self, *, comment, shared, settings, now, classifier):
        self.comment = comment
        self.shared = shared
        self.settings = settings
        self.now = now
        self._classifier = classifier
        # What the classifier gave for the text (or the error it raised), once asked.
        self.scored: float | Exception | None = None
        self.score: float | None = None

    @cached_property
    def text(self) -> str:
        return plain_text(self.comment.body_html)

    @cached_property
    def written_at(self) -> dt.datetime:
        return _written_at(self.comment, self.now)

    @property
    def standing(self) -> AuthorStanding | None:
        return self.shared.standings.get(self.comment.author_id)

    @property
    def trusted(self) -> bool:
        return self.standing is not None and self.standing.trusted

    @property
    def terms(self) -> dict[str, list[str]]:
        return self.shared.terms

    @cached_property
    def readings(self) -> tuple[str, ...]:
        """The text as the banned and the suspect terms are looked for in it."""
        return _readings(self.text) if self.text else ()

    @cached_property
    def hrefs(self) -> list[str]:
        return link_targets(self.comment.body_html)

    def others_by_author(self, minutes: int) -> list[_Writing]:
        """The author's other comments written in the `minutes` before this version,
        newest first."""
        since = self.written_at - dt.timedelta(minutes=minutes)
        return [
            writing
            for writing in self.shared.writings.get(self.comment.author_id, ())
            if since <= writing.created_at <= self.written_at and writing.pk != self.comment.pk
        ]

    @property
    def classifier(self):
        return self._classifier if self._classifier is not None else get_classifier()


# Phase 1


def _author(run: _Run):
    standing = run.standing
    if standing is None:
        return None
    if standing.banned_at is not None:
        return REJECT, ["The author is banned."]
    if standing.suspended_until is not None and standing.suspended_until > run.now:
        until = timezone.localtime(standing.suspended_until).strftime("%Y-%m-%d %H:%M")
        return REJECT, [f"The author is suspended until {until}."]
    return None


def _closed(run: _Run):
    if run.comment.article.comments_closed:
        return REJECT, ["Comments on this article are closed."]
    return None


# Phase 2


def _length(run: _Run):
    if not has_visible_text(run.text):
        return REJECT, ["The comment has no visible text."]
    if len(run.text) > MAX_BODY_LENGTH:
        return REJECT, [
            f"The comment's text is {len(run.text):,} characters long; "
            f"the limit is {MAX_BODY_LENGTH:,}."
        ]
    return None


# Phase 3


def normalised_for_repeats(text: str) -> str:
    """Text as compared for repeats: casefolded, punctuation dropped, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(char for char in folded if not unicodedata.category(char).startswith("P"))
    # Text that is all punctuation ("???") is compared as it is.
    return " ".join(kept.split()) or " ".join(folded.split())


def _duplicate(run: _Run):
    minutes = run.settings.duplicate_minutes
    if run.comment.author_id is None or not minutes:
        return None
    recent = [writing for writing in run.others_by_author(minutes) if not writing.deleted]
    if not recent:
        return None
    mine = normalised_for_repeats(run.text)
    if any(writing.repeated == mine for writing in recent[:RECENT_COMMENTS_COMPARED]):
        return REJECT, [f"The author posted the same text within the last {minutes} minutes."]
    return None


# Phases 4 and 8


def _banned_words(run: _Run):
    found = _found_in(run.readings, tuple(run.terms[ModeratedTerm.Kind.BANNED.value]))
    if found:
        return REJECT, [f"It contains banned words: {', '.join(found)}."]
    return None


def _suspect_words(run: _Run):
    found = _found_in(run.readings, tuple(run.terms[ModeratedTerm.Kind.SUSPECT.value]))
    if found:
        return HOLD, [f"It contains suspect words: {', '.join(found)}."]
    return None


# Phase 5


def _velocity(run: _Run):
    limit, minutes = run.settings.velocity_comments, run.settings.velocity_minutes
    if run.comment.author_id is None or run.trusted or not minutes:
        return None
    # Every comment counts, whatever became of it: deleting does not reset the pace.
    others = len(run.others_by_author(minutes))
    if others > limit:
        return HOLD, [
            f"The author posted {others} other comments in the {minutes} minutes before "
            f"this one (more than {limit})."
        ]
    return None


# Phase 6


def _links(run: _Run):
    hrefs = run.hrefs
    if not hrefs:
        return None
    reasons = []
    if len(hrefs) > run.settings.max_links:
        reasons.append(f"It has {len(hrefs)} links; the limit is {run.settings.max_links}.")
    blocked = blocked_hosts(hrefs, run.shared.blocked_domains)
    if blocked:
        reasons.append(f"It links to a blocked domain: {', '.join(blocked)}.")
    hours = run.settings.new_account_hours
    author = run.comment.author if run.comment.author_id is not None else None
    if (
        author is not None
        and hours
        and run.written_at - author.date_joined < dt.timedelta(hours=hours)
    ):
        reasons.append(f"It has links, and the account is less than {hours} hours old.")
    return (HOLD, reasons) if reasons else None


class _LinkCollector(HTMLParser):
    """The href of every link, and the text outside links (where a bare URL may be)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.unlinked: list[str] = []
        self._in_link = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._in_link += 1
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
        else:
            self.unlinked.append(" ")

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_link = max(0, self._in_link - 1)
        else:
            self.unlinked.append(" ")

    def handle_data(self, data):
        if not self._in_link:
            self.unlinked.append(data)


@functools.cache
def _linkifier():
    # Every top-level domain IANA lists, not only linkify-it's short default list
    # (spam lives on .shop and .xyz), and RFC 2606's "example" and "test".
    return LinkifyIt().tlds([tld.lower() for tld in TLDS] + ["example", "test"], True)


def link_targets(html: str) -> list[str]:
    """Every link in rendered HTML, in order: the links' hrefs, then the URLs, domain
    names and email addresses written as plain text, which readers copy into a browser
    as readily as they click (linkify-it finds them, as markdown-it's linkify would)."""
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.unlinked)
    if "." not in text:
        return collector.hrefs
    bare = [match.url for match in _linkifier().match(text) or []]
    return collector.hrefs + bare


def blocked_hosts(hrefs: Iterable[str], domains: Iterable[str]) -> list[str]:
    """The hosts among the links that are a blocked domain or one of its subdomains."""
    blocked = {_domain(domain) for domain in domains} - {""}
    if not blocked:
        return []
    found = []
    for href in hrefs:
        host = _host(href)
        if host and host not in found and _is_under(host, blocked):
            found.append(host)
    return found


def _is_under(host: str, domains: set[str]) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def _host(href: str) -> str:
    try:
        parts = urlsplit(href.strip())
        if parts.scheme.lower() == "mailto":
            return _domain(unquote(parts.path).rpartition("@")[2])
        return _domain(parts.hostname or "")
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return ""


def _domain(name: str) -> str:
    name = name.strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


# Phase 7


def _toxicity(run: _Run):
    score = run.scored
    if isinstance(score, Exception):
        raise score
    # NaN fails both comparisons too.
    if not 0 <= score <= 1:
        raise ScorerUnavailable(f"The classifier gave {score!r}, not a score between 0 and 1.")
    run.score = score = float(score)
    if score >= run.settings.toxicity_reject:
        return REJECT, [
            f"Its toxicity score {score:.2f} is at or above the rejection threshold "
            f"{run.settings.toxicity_reject:.2f}."
        ]
    if score >= run.settings.toxicity_hold:
        return HOLD, [
            f"Its toxicity score {score:.2f} is at or above the hold threshold "
            f"{run.settings.toxicity_hold:.2f}."
        ]
    return None


# Phase 10


def _premoderation(run: _Run):
    reasons = []
    if run.comment.article.premoderate:
        reasons.append("Comments on this article are pre-moderated.")
    if run.standing is not None and run.standing.premoderate:
        reasons.append("The author's comments are pre-moderated.")
    below = run.settings.premoderate_below
    if below and run.comment.author_id is not None and not run.trusted:
        approved = run.shared.approved_counts.get(run.comment.author_id, 0)
        if approved < below:
            reasons.append(
                f"The author has {approved} approved comments; "
                f"comments are held until they have {below}."
            )
    return (HOLD, reasons) if reasons else None


# What the author reads beside a comment the pipeline rejected ("not published: …"): the
# phase in the reader's words, never the moderators' detail (which words, which score).
READER_REASONS = {
    "author": "Your account cannot take part in discussions at the moment",
    "closed": "Comments on this article were closed",
    "length": "It has no text to show, or is too long",
    "duplicate": "You had just posted the same text",
}
AGAINST_GUIDELINES = "Against the community guidelines"


def reason_for_author(phase: str) -> str:
    return READER_REASONS.get(phase, AGAINST_GUIDELINES)


_PHASES = [
    ("author", _author),
    ("closed", _closed),
    ("length", _length),
    ("duplicate", _duplicate),
    ("banned_words", _banned_words),
    ("velocity", _velocity),
    ("links", _links),
    ("toxicity", _toxicity),
    ("suspect_words", _suspect_words),
    ("premoderation", _premoderation),
]


# The term matcher.
#
# Text and terms are both reduced to a canonical form: NFKD with the combining marks
# dropped ("fück"), casefolded, invisible format characters removed, whitespace
# collapsed, and leetspeak read as letters in any word that has a letter or an "@" in
# it (so "a55" reads "ass" but a price like "$5" or the number "55" stays as it is).
# In such a word "ph" reads "f" ("phuck"), and in a word that mixes Latin letters
# with Cyrillic or Greek ones, the look-alikes read as the Latin letters they imitate
# ("fu\u0441k" with a Cyrillic "\u0441"); a word all in Cyrillic or Greek is left as it is. "1"
# reads as both "i" and "l": the text is searched once each way. A text with "*" is
# also searched with each "*" after a letter (in runs of up to four) read as a masked
# letter: "f*ck", "sh*t", "a**".
#
# Each term then becomes a regular expression over that form:
# - whole words only: no letter or digit just before or after (Scunthorpe: "ass" is not
#   in "class" or "assess");
# - between letters, separators that people use to hide a word: "b.a.d", "b-a-d",
#   "b_a_d", "b*a*d", or spaced out one letter at a time, "b a d" (but never a space
#   between longer pieces, so "anal" is not in "an Al Jazeera reporter");
# - a letter may be repeated, "baaad", but a doubled letter in a term needs at least
#   two in the text ("ass" does not match "as"). Runs longer than three are cut to
#   three first, in text and terms alike, which keeps every search linear in the
#   length of the text, whatever an adversary types;
# - any letter but the first may be masked (see above);
# - the words of a phrase, "kill yourself", may have any spaces or punctuation between
#   them, or none;
# - a term listed with a trailing "*", "fuck*", also matches its English inflections
#   written on to it (INFLECTIONS: "fucks", "fucked", "fuckers", "fucking", "fuckin");
#   spelled out, "f.u.c.k.e.r.s" holds the bare word already. Moderators opt in term
#   by term: "cock*" would hold "cocker spaniel", "spic*" would hold "spicy".

_LEET = {
    ord("0"): "o",
    ord("3"): "e",
    ord("4"): "a",
    ord("5"): "s",
    ord("7"): "t",
    ord("@"): "a",
    ord("$"): "s",
}
_LEET_ONE_AS = {reading: {**_LEET, ord("1"): reading} for reading in ("i", "l")}
_BANG_INSIDE_WORD = re.compile(r"(?<=\w)!(?=\w)")
# Cyrillic and Greek letters (and a few Latin ones NFKD leaves alone) that look like
# a Latin letter in most fonts, after casefolding.
_LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("\u0430\u03b1", "a"),
        "\u0432": "b",
        **dict.fromkeys("\u0441\u03f2", "c"),
        "\u0501": "d",
        **dict.fromkeys("\u0435\u03b5", "e"),
        "\u0192": "f",
        "\u0261": "g",
        "\u04bb": "h",
        **dict.fromkeys("\u0456\u03b9\u0131", "i"),
        "\u0458": "j",
        **dict.fromkeys("\u043a\u03ba", "k"),
        **dict.fromkeys("\u04cf\u0142", "l"),
        "\u043c": "m",
        **dict.fromkeys("\u043f\u03b7", "n"),
        **dict.fromkeys("\u043e\u03bf\u00f8", "o"),
        **dict.fromkeys("\u0440\u03c1", "p"),
        "\u0455": "s",
        **dict.fromkeys("\u0442\u03c4", "t"),
        "\u03c5": "u",
        "\u03bd": "v",
        "\u0448": "w",
        **dict.fromkeys("\u0445\u03c7", "x"),
        **dict.fromkeys("\u0443\u03b3", "y"),
    }
)
_LATIN_LETTER = re.compile(r"[a-z]")
# What a "*" after a word's first letter becomes in the masked reading: a character
# no separator class or \w includes, so that a pattern's letters can accept it
# without making any search ambiguous.
_MASK = "\x1a"
# At most four: a longer run of "*" is decoration, and a short one keeps the search
# linear (a run of masks can only be shared out between so many letters).
_MASKED = re.compile(r"(?<=\w)\*{1,4}(?!\*)")
# In a character class, after "_" has become "-" (so that "\w" means a letter or digit).
# Besides ASCII: bullet, middle dot, bullet operator, and the Unicode hyphens and dashes.
_SEPARATORS = ".\\-*~+^|/\\\\\u2022\u00b7\u2219\u2010-\u2015"
_JOINED = f"[{_SEPARATORS}]*"
_SPACED = f"[{_SEPARATORS}]* [{_SEPARATORS}]*"
_PHRASE_GAP = r"\W*"
_LONGEST_RUN = 3
# A letter repeated more than three times, even with separators or single spaces
# between: the first three are kept.
_LONG_RUN = re.compile(
    rf"(\w)((?:[{_SEPARATORS} ]*\1){{{_LONGEST_RUN - 1}}})(?:[{_SEPARATORS} ]*\1)+"
)
# The endings a term listed as "word*" may take.
INFLECTIONS = ("s", "es", "ed", "d", "er", "ers", "ing", "ings", "in", "y", "ier", "iest")


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The terms (as given) found in the text as whole words or phrases, in the terms' order."""
    if not text:
        return []
    return _found_in(_readings(text), tuple(terms))


def _found_in(readings: tuple[str, ...], terms: tuple[str, ...]) -> list[str]:
    """find_terms() in a text's readings."""
    if not terms:
        return []
    # Most texts hold none of the terms: one search for all of them tells.
    if not any(_any_of(terms).search(reading) for reading in readings):
        return []
    found = []
    for term in terms:
        pattern = _term_pattern(term)
        if (
            pattern is not None
            and term not in found
            and any(pattern.search(reading) for reading in readings)
        ):
            found.append(term)
    return found


def _readings(text: str) -> tuple[str, ...]:
    """The text's canonical forms (see above) that the terms are searched in."""
    text = text.replace(_MASK, "")
    folded = _folded(text)
    readings = [_canonical_words(folded, one="i")]
    if "1" in text:
        readings.append(_canonical_words(folded, one="l"))
    if "*" in text:
        readings.extend([_masked(reading) for reading in readings])
    return tuple(readings)


@functools.lru_cache(maxsize=16)
def _any_of(terms: tuple[str, ...]) -> re.Pattern:
    """A pattern that matches where any of the terms' patterns would."""
    phrases = [phrase for term in terms if (phrase := _term_phrase(term)) is not None]
    if not phrases:
        return re.compile("(?!)")
    # Whole words around them all: inside a word, one look behind rules them all out.
    return re.compile(_whole_words("|".join(f"(?:{phrase})" for phrase in phrases)))


def _canonical(text: str, *, one: str) -> str:
    return _canonical_words(_folded(text), one=one)


def _folded(text: str) -> str:
    """The text decomposed, without combining marks or invisible format characters,
    casefolded."""
    if text.isascii():
        # Nothing to decompose or drop: casefolding ASCII is lowering it.
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        char
        for char in decomposed
        if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    ).casefold()


def _canonical_words(folded: str, *, one: str) -> str:
    leet = _LEET_ONE_AS[one]
    words = []
    for word in folded.split():
        if "@" in word or any(char.isalpha() for char in word):
            if _LATIN_LETTER.search(word):
                word = word.translate(_LOOK_ALIKES)
            word = _BANG_INSIDE_WORD.sub("i", word.translate(leet)).replace("ph", "f")
        words.append(word.replace("_", "-"))
    return _LONG_RUN.sub(r"\1\2", " ".join(words))


def _masked(canonical: str) -> str:
    # After the runs are cut, so that "a*a*a*a…" is three letters, not thousands.
    return _MASKED.sub(lambda stars: _MASK * len(stars[0]), canonical)


@functools.lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern | None:
    phrase = _term_phrase(term)
    return None if phrase is None else re.compile(_whole_words(phrase))


def _whole_words(phrase: str) -> str:
    return rf"(?<!\w)(?:{phrase})(?!\w)"


@functools.lru_cache(maxsize=4096)
def _term_phrase(term: str) -> str | None:
    inflected = term.rstrip().endswith("*")
    words = re.findall(r"\w+", _canonical(term.rstrip().rstrip("*"), one="i"))
    if not words:
        return None
    patterns = [_word_pattern(word) for word in words]
    if inflected:
        patterns[-1] = _word_pattern(words[-1], endings=INFLECTIONS)
    return _PHRASE_GAP.join(patterns)


def _runs(word: str) -> list[tuple[str, int]]:
    return [(char, min(len(list(group)), _LONGEST_RUN)) for char, group in itertools.groupby(word)]


def _word_pattern(word: str, endings: tuple[str, ...] = ()) -> str:
    def letter(char: str, first: bool) -> str:
        return re.escape(char) if first else f"[{re.escape(char)}{_MASK}]"

    def spelled(gap: str) -> str:
        return gap.join(
            f"{letter(char, i == 0)}(?:{gap}{letter(char, False)}){{{count - 1},}}"
            for i, (char, count) in enumerate(_runs(word))
        )

    pattern = f"(?:{spelled(_JOINED)}|{spelled(_SPACED)})"
    if endings:
        # Written on to the word: a word spelled out ("f.u.c.k.e.r.s") is found
        # without its ending already, a separator being no letter.
        pattern += f"(?:{'|'.join(re.escape(end) for end in endings)})?"
    return pattern


# Readers' proposed answers to open questions go through the phases that apply
# to a short text: the author's standing, emptiness, banned words, toxicity and
# suspect words.


class _ProposalRun(_Run):
    def __init__(self, *, choice, settings, now, classifier):
        shared = _Shared([], settings=settings, now=now)
        super().__init__(
            comment=None, shared=shared, settings=settings, now=now, classifier=classifier
        )
        self.choice = choice

    @cached_property
    def text(self) -> str:
        return self.choice.text

    @cached_property
    def standing(self) -> AuthorStanding | None:
        if self.choice.proposed_by_id is None:
            return None
        return AuthorStanding.objects.filter(user_id=self.choice.proposed_by_id).first()


_PROPOSAL_PHASES = (
    ("author", _author),
    ("length", _length),
    ("banned_words", _banned_words),
    ("toxicity", _toxicity),
    ("suspect_words", _suspect_words),
)


def decide_proposal(choice, *, settings=None, now=None, classifier=None) -> Verdict:
    """The pipeline's verdict on a reader's proposed answer (a pending Choice)."""
    run = _ProposalRun(choice=choice, **_run_context(settings, now, classifier))
    (outcome,) = _verdicts([run], _PROPOSAL_PHASES)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
