"""Reading discussions: a page of threads in the chosen order, flattened for display."""

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Length, RowNumber, Substr
from django.db.models.lookups import StartsWith

from articles.models import Article
from briefing_site.models import Mute
from comments.models import Comment, Like, Report, visible_to_q
from comments.rules import can_edit, edit_minutes_left
from polls.models import Poll

THREADS_PER_PAGE = 20
REPLIES_SHOWN = 3
REPLIES_PER_PAGE = 20
MAX_INDENT = 4

# sort name -> (field, descending)
SORTS = {
    "best": ("score", True),
    "newest": ("created_at", True),
    "oldest": ("created_at", False),
    "replies": ("reply_count", True),
}
SORT_LABELS = {"best": "Best", "newest": "Newest", "oldest": "Oldest", "replies": "Most replies"}
DEFAULT_SORT = "best"


class BadCursor(ValueError):
    pass


@dataclass
class Entry:
    """One line of a flattened discussion: a comment, or a "show more replies" link."""

    comment: Comment
    indent: int
    shown: bool = True  # False: a placeholder for a deleted or removed comment
    replying_to: str = ""  # set when deeper than MAX_INDENT
    more: int = 0  # set on a "show N more replies" entry for this comment's children
    after: str = ""  # on a "more" entry: the path of the last reply already shown
    liked: bool = False
    reported: bool = False  # by this reader: "Reported" instead of a second report
    editable: bool = False
    muted: bool = False  # its author is muted by this reader: the comment is folded
    edit_minutes_left: int = 0

    @property
    def is_more(self):
        return self.more > 0

    @property
    def edit_window_whole(self) -> bool:
        """Just posted: the author has the whole edit window still before them."""
        return self.edit_minutes_left >= settings.COMMENT_EDIT_WINDOW_MINUTES


@dataclass
class ThreadPage:
    entries: list[Entry]
    sort: str
    next_cursor: str | None
    top_level: list[Comment] = field(default_factory=list)
    muted: frozenset[int] = frozenset()  # the readers this reader muted
    number: int = 1  # the page's number, counted in THREADS_PER_PAGE threads
    of: int = 1  # how many such pages the discussion has (known on numbered pages)


def encode_cursor(comment: Comment, sort: str) -> str:
    name, _ = SORTS[sort]
    value = getattr(comment, name)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, comment.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str):
    name, _ = SORTS[sort]
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if name == "created_at":
            value = _cursor_time(value)
        elif not _fits_a_column(value):
            raise TypeError
        if not (isinstance(pk, int) and _fits_a_column(pk)):
            raise TypeError
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise BadCursor("That page of comments does not exist.") from None
    return value, pk


# What every database compares without an error: a signed 64-bit integer, a finite float.
_BIGGEST_INT = 2**63 - 1


def _fits_a_column(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -_BIGGEST_INT <= value <= _BIGGEST_INT
    return math.isfinite(value)


def _cursor_time(value) -> dt.datetime:
    """An aware time the database can hold in UTC (SQLite fails a year past 9999 there)."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive")
    moment = moment.astimezone(dt.UTC)  # OverflowError past either end
    if not dt.MINYEAR < moment.year < dt.MAXYEAR:
        raise ValueError("out of range")
    return moment


def discussion_count(article_id: int, poll_id: int | None = None) -> int:
    """The published comments a discussion holds, replies included: a question's own, or
    the article's own (the article's counter also counts those under its questions)."""
    if poll_id is not None:
        return Poll.objects.filter(pk=poll_id).values_list("comment_count", flat=True).first() or 0
    counts = (
        Article.objects.filter(pk=article_id)
        .annotate(in_questions=in_questions())
        .values_list("comment_count", "in_questions")
        .first()
    )
    return max(0, counts[0] - counts[1]) if counts else 0


def in_questions(article="pk"):
    """The published comments under an article's questions (`article` names the outer
    query's article id), for a query to take along."""
    totals = (
        Poll.objects.filter(article=OuterRef(article))
        .order_by()
        .values("article")
        .annotate(total=Sum("comment_count"))
        .values("total")
    )
    return Coalesce(Subquery(totals), 0)


def visible(comment: Comment, user) -> bool:
    return comment.is_visible_to(user)


def thread_page(
    *, article, poll=None, user, sort=DEFAULT_SORT, cursor=None, number=None
) -> ThreadPage:
    """A page of top-level comments with their whole threads: three queries in all, and
    one more for a signed-in reader (kept_for).

    The page follows `cursor` (what "show more" appends), or is the page `number`
    (what a reader without JavaScript opens: one query more, to count the pages).
    """
    name, descending = SORTS[sort]
    keeper = kept_for(user, article.pk)
    roots = (
        Comment.objects.discussion(article, poll)
        .filter(kept_q(keeper))
        .select_related("author", "stance")
    )
    of = 1
    offset = 0
    if number is not None:
        of = max(1, math.ceil(roots.count() / THREADS_PER_PAGE))
        if not 1 <= number <= of:
            raise BadCursor("That page of comments does not exist.")
        offset = (number - 1) * THREADS_PER_PAGE
    elif cursor:
        value, pk = decode_cursor(cursor, sort)
        beyond = "lt" if descending else "gt"
        roots = roots.filter(
            Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, f"pk__{beyond}": pk})
        )
    order = [f"-{name}", "-pk"] if descending else [name, "pk"]
    top = list(roots.order_by(*order)[offset : offset + THREADS_PER_PAGE + 1])
    has_more = len(top) > THREADS_PER_PAGE
    top = top[:THREADS_PER_PAGE]
    nodes, totals = load_shown(top, keeper)
    entries = flatten(top, nodes, user, totals=totals)
    muted = for_reader(entries, user)
    return ThreadPage(
        entries=entries,
        sort=sort,
        next_cursor=encode_cursor(top[-1], sort) if has_more else None,
        top_level=top,
        muted=muted,
        number=number or 1,
        of=of,
    )


def kept_for(user, article_id: int):
    """Whose threads a page of this article keeps for this reader (kept_q): theirs, when
    they have a comment on it awaiting moderation or refused; otherwise anyone's (None).

    Every other comment of theirs is published and counted in the reply_count of each
    comment above it, which keeps those comments for anyone: their threads come out the
    same, by the simpler query every reader shares.
    """
    if user is None or not user.is_authenticated:
        return None
    hidden = Comment.objects.filter(
        article_id=article_id, author_id=user.pk, deleted_at__isnull=True
    ).exclude(status=Comment.Status.APPROVED)
    return user if hidden.exists() else None


def kept_q(user) -> Q:
    """The comments a thread keeps: those the reader may see, and removed ones that
    stay as the "[deleted]" heads of replies shown (reply_count counts the published
    ones; a signed-in reader's own replies below count too)."""
    kept = visible_to_q(user) | Q(reply_count__gt=0)
    if user is not None and user.is_authenticated:
        own_below = Comment.objects.filter(
            visible_to_q(user),
            author_id=user.pk,
            path__startswith=OuterRef("path"),
            depth__gt=OuterRef("depth"),
        )
        kept |= Q(Exists(own_below))
    return kept


class StartsWithAny(StartsWith):
    """The text starts with any of these prefixes: the SQL of one `startswith` per prefix
    ORed together, built as one lookup. A page asks it of twenty comments' paths, and
    twenty lookups cost as much to build as the query they go in."""

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # no prefix: no text matches, as with `__in=[]`
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        one = f"{lhs_sql} {connection.operators[self.lookup_name] % '%s'}"
        params = []
        for prefix in self.rhs:
            params += [*lhs_params, self.param_pattern % connection.ops.prep_for_like_query(prefix)]
        if len(self.rhs) == 1:
            return one, params
        return f"({' OR '.join([one] * len(self.rhs))})", params


def load_shown(parents, user, *, per_parent=REPLIES_SHOWN):
    """The replies a page shows below these comments, and how many kept replies each
    shown comment has in all: one query, whatever the number of replies.

    The database ranks every comment among its kept siblings and sends only the
    first few of each (a comment with thousands of replies costs three rows and a
    count); those under a comment that is not shown are then dropped here.
    """
    if not parents:
        return [], {}
    within = StartsWithAny(F("path"), [parent.path for parent in parents])
    parent_path = Substr("path", 1, Length("path") - Comment.steplen)
    ranked = (
        Comment.objects.filter(within, depth__gt=parents[0].depth)
        .filter(kept_q(user))
        .annotate(
            sibling_rank=Window(RowNumber(), partition_by=[parent_path], order_by="path"),
            siblings=Window(Count("pk"), partition_by=[parent_path]),
        )
        .filter(sibling_rank__lte=per_parent)
        .select_related("author", "stance")
        .order_by("path")
    )
    shown = {parent.path for parent in parents}
    nodes: list[Comment] = []
    totals: dict[str, int] = {}
    for node in ranked:  # in path order: a comment comes before its replies
        above = node.parent_path
        if above in shown:
            shown.add(node.path)
            nodes.append(node)
            totals[above] = node.siblings
    return nodes, totals


def flatten(roots, nodes, user, *, totals, parent=None) -> list[Entry]:
    """The threads as display lines: depth-first, the replies shown below each comment,
    then one "more" line for the rest.

    `nodes` and `totals` come from load_shown: the replies shown, kept by the database
    (kept_q), and each comment's number of kept replies. `parent` is the comment the
    roots answer, when they are replies.
    """
    children: dict[str, list[Comment]] = {}
    for node in nodes:
        children.setdefault(node.parent_path, []).append(node)

    # Only a comment this reader may see gives its author's name to "replying to".
    above = [parent] if parent is not None else []
    names = {
        node.path: node.author_name for node in [*above, *roots, *nodes] if visible(node, user)
    }
    entries: list[Entry] = []

    def walk(node):
        indent = min(node.depth, MAX_INDENT)
        replying_to = ""
        if node.depth > MAX_INDENT:
            replying_to = names.get(node.parent_path, "")
        entries.append(Entry(node, indent, shown=visible(node, user), replying_to=replying_to))
        shown = children.get(node.path, [])
        for child in shown:
            walk(child)
        total = totals.get(node.path, 0)
        if total > len(shown):
            entries.append(more_entry(node, total - len(shown), shown[-1] if shown else None))

    for root in roots:
        walk(root)
    return entries


def more_entry(comment: Comment, more: int, last_shown: Comment | None) -> Entry:
    """The "show N more replies" line under a comment, continuing after `last_shown`."""
    return Entry(
        comment,
        min(comment.depth + 1, MAX_INDENT),
        more=more,
        after=last_shown.path if last_shown is not None else "",
    )


def check_after(comment: Comment, after: str | None) -> str | None:
    """`after` as a reply path of this comment; BadCursor when it cannot be one."""
    if not after:
        return None
    if (
        len(after) != len(comment.path) + Comment.steplen
        or not after.startswith(comment.path)
        or not set(after) <= set(Comment.alphabet)
    ):
        raise BadCursor("This link to more replies is broken. Open the comment again.")
    return after


def replies_page(
    comment: Comment, user, *, after: str | None = None, per_page=REPLIES_PER_PAGE
) -> list[Entry]:
    """A page of a comment's replies after the reply `after`, each with its own first
    replies, then one "show N more replies" line: a fixed number of rows and of
    queries, however many replies the comment has."""
    after = check_after(comment, after)
    keeper = kept_for(user, comment.article_id)
    replies = Comment.objects.filter(path__startswith=comment.path, depth=comment.depth + 1).filter(
        kept_q(keeper)
    )
    if after:
        replies = replies.filter(path__gt=after)
    page = list(replies.select_related("author", "stance").order_by("path")[: per_page + 1])
    page, beyond = page[:per_page], page[per_page:]
    nodes, totals = load_shown(page, keeper)
    entries = flatten(page, nodes, user, totals=totals, parent=comment)
    if beyond:
        remaining = replies.filter(path__gt=page[-1].path).count()
        entries.append(more_entry(comment, remaining, page[-1]))
    for_reader(entries, user)
    return entries


def ancestors_of(comment: Comment, user=None) -> list[Comment]:
    """The comments above this one that the reader may see (any reader when no user)."""
    return list(Comment.objects.get_ancestors(comment).visible_to(user).select_related("author"))


def subtree(comment: Comment, user, *, after: str | None = None) -> list[Entry]:
    """A comment's own page: the comment, then a page of its replies."""
    head = Entry(comment, min(comment.depth, MAX_INDENT), shown=visible(comment, user))
    replies = replies_page(comment, user, after=after)
    for_reader([head], user)
    return [head, *replies]


def muted_by(user) -> frozenset[int]:
    """The readers whose comments are folded for this reader."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(Mute.objects.filter(reader_id=user.pk).values_list("muted_id", flat=True))


def for_reader(entries, user) -> frozenset[int]:
    """What this reader did and may do with each comment (liked or reported it, may
    still edit it and for how long) and whether it is folded, its author muted by them;
    returns whom they muted."""
    if not user.is_authenticated:
        return frozenset()
    ids = {entry.comment.pk for entry in entries if not entry.is_more}
    if not ids:
        return muted_by(user)
    # One round trip for the three: the page's likes and reports, and whom the reader muted.
    likes = Like.objects.filter(reader=user, comment_id__in=ids).values_list(
        "comment_id", Value("like")
    )
    reports = Report.objects.filter(reporter=user, comment_id__in=ids).values_list(
        "comment_id", Value("report")
    )
    mutes = Mute.objects.filter(reader_id=user.pk).order_by().values_list("muted_id", Value("mute"))
    done = set(likes.union(reports, mutes, all=True))
    muted = frozenset(reader_id for reader_id, kind in done if kind == "mute")
    for entry in entries:
        if entry.is_more:
            continue
        entry.liked = (entry.comment.pk, "like") in done
        entry.reported = (entry.comment.pk, "report") in done
        entry.editable = can_edit(entry.comment, user)
        if entry.editable:
            entry.edit_minutes_left = edit_minutes_left(entry.comment)
        entry.muted = entry.comment.author_id in muted
    return muted
