"""The card browser: find cards by text and by the learner's memory of them, and act on them.

Cards are shared content; what a learner sees about a card (state, due date, history) is always
their own. Full-text search runs in the database (`quiz.search_index`): FTS5 on SQLite, a GIN
indexed tsvector on PostgreSQL. Filters and sorts are plain SQL over the learner's CardState rows,
joined to the cards by the unique (user, card) index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL

from quiz import search, search_index, study
from quiz.models import Card, CardState, ExamQuestion, Review, StudyProfile, Topic
from quiz.scheduling import LEARNING, NEW, RELEARNING, REVIEW, format_interval, retrievability
from quiz.study.new_cards import rewind_new_cursor
from quiz.study.timing import local_midnight

STATES = {
    "new": "New",
    "learning": "Learning",
    "review": "Review",
    "relearning": "Relearning",
    "suspended": "Suspended",
    "buried": "Buried",
    "leech": "Leech",
    "retired": "Retired",
}
# Sort key → the column, for the learner's state of each card. Cards never studied have no
# state; they sort after every studied card whichever way the column runs.
SORTS = {
    "order": "Notes order",
    "due": "Due",
    "lapses": "Lapses",
    "difficulty": "Difficulty",
    "stability": "Stability",
    "last": "Last answer",
}
_SORT_COLUMNS = {
    "due": "mine__due",
    "lapses": "mine__lapses",
    "difficulty": "mine__difficulty",
    "stability": "mine__stability",
    "last": "mine__last_review",
}
PAGE_SIZE = 50
# Counting every match of a broad search would cost more than the page itself.
COUNT_CAP = 1000


@dataclass(frozen=True)
class CardFilters:
    """What the learner asked the browser for (validated by the view's form)."""

    q: str = ""
    deck_id: int | None = None
    topic: Topic | None = None
    kind: str = ""
    tag: str = ""
    state: str = ""
    due_from: date | None = None
    due_until: date | None = None
    min_lapses: int | None = None
    answered_today: bool = False
    sort: str = "order"
    descending: bool = False
    # A fixed set of cards (the "study these now" selection), on top of everything else.
    card_ids: tuple[int, ...] = field(default=())


def text_match(q: str) -> RawSQL | None:
    """A condition on the card table: its text matches the learner's query (None: no query).

    Written as SQL because neither engine's full-text operator is in Django's portable ORM
    (django.contrib.postgres has one for PostgreSQL only).
    """
    terms = search.parse_query(q)
    # "-glacier" alone: every card that does not match "glacier".
    negate, terms = (False, terms) if terms else (True, search.excluded_only(q))
    if not terms:
        return None
    card = connection.ops.quote_name(Card._meta.db_table)
    if connection.vendor == "postgresql":
        sql = f"{card}.{search_index.SEARCH_COLUMN} @@ to_tsquery('english'::regconfig, %s)"
        sql = f"NOT ({sql})" if negate else sql
        return RawSQL(sql, [search.tsquery(terms)], output_field=BooleanField())
    sql = (
        f"{card}.id {'NOT IN' if negate else 'IN'} (SELECT rowid FROM {search_index.FTS_TABLE}"
        f" WHERE {search_index.FTS_TABLE} MATCH %s)"
    )
    return RawSQL(sql, [search.fts5_query(terms)], output_field=BooleanField())


def tag_counts(*, deck_id: int | None = None) -> list[tuple[str, int]]:
    """Each tag on active cards (of one deck, if given) with how many cards carry it."""
    card = connection.ops.quote_name(Card._meta.db_table)
    if connection.vendor == "postgresql":
        each = f"jsonb_array_elements_text({card}.tags) AS t(value)"
    else:
        each = f"json_each({card}.tags) AS t"
    # Notes may write one tag in several cases: count them together, show one spelling.
    sql = f"SELECT MIN(t.value), COUNT(*) FROM {card}, {each} WHERE {card}.status = %s"
    params: list[Any] = [Card.Status.ACTIVE.value]
    if deck_id is not None:
        sql += f" AND {card}.deck_id = %s"
        params.append(deck_id)
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY lower(t.value) ORDER BY lower(t.value)", params)
        return [(str(tag), count) for tag, count in cursor.fetchall()]


def search_cards(
    *, user: AbstractBaseUser, filters: CardFilters, now: datetime, profile: StudyProfile
) -> QuerySet[Card]:
    """The cards matching `filters`, in the order asked for. The learner's state is joined (as
    `mine`) only when a filter or the sort reads it: building that join is a good part of the
    cost of a page, and notes order with no state filter does not need it."""
    cards = Card.objects.all()
    if _reads_state(filters):
        cards = cards.annotate(mine=_mine(user))
    status = Card.Status.RETIRED if filters.state == "retired" else Card.Status.ACTIVE
    if filters.sort in _SORT_COLUMNS:
        cards = cards.filter(status=status)
    else:
        # A range of one value, not `=`: with `status = X` SQLite sorts every card of a deck to
        # return notes order (it skip-scans the (deck, status, order) index only for a range).
        cards = cards.filter(status__range=(status, status))
    match = text_match(filters.q)
    if match is not None:
        cards = cards.filter(match)
    if filters.card_ids:
        cards = cards.filter(pk__in=filters.card_ids)
    if filters.topic is not None:
        cards = cards.filter(topic_id__in=study.scope_for(topic=filters.topic).topic_ids)
    elif filters.deck_id is not None:
        cards = cards.filter(deck_id=filters.deck_id)
    if filters.kind:
        cards = cards.filter(kind=filters.kind)
    if filters.tag:
        cards = cards.filter(tags__has_tag=filters.tag)
    cards = _filter_state(cards, filters.state, now=now)
    if filters.due_from is not None:
        start = local_midnight(filters.due_from, study.zone(profile.timezone))
        cards = cards.filter(mine__due__gte=start, mine__state__gt=NEW)
    if filters.due_until is not None:
        end = local_midnight(filters.due_until + timedelta(days=1), study.zone(profile.timezone))
        cards = cards.filter(mine__due__lt=end, mine__state__gt=NEW)
    if filters.min_lapses:
        cards = cards.filter(mine__lapses__gte=filters.min_lapses)
    if filters.answered_today:
        start, _end = study.day_bounds(now=now, timezone=profile.timezone)
        answered = Review.objects.filter(
            user=user, card_id=OuterRef("pk"), reviewed_at__gte=start, undone=False
        )
        cards = cards.filter(Exists(answered))
    # Notes order is (deck, order). `status` is fixed by the filter above, so sorting on it
    # changes nothing, but it makes the ORDER BY the (deck, status, order) index's own order:
    # the first page is read from the index instead of sorting every card.
    notes_order = ["deck_id", "status", "order", "pk"]
    if filters.sort in _SORT_COLUMNS:
        column = F(_SORT_COLUMNS[filters.sort])
        key = column.desc(nulls_last=True) if filters.descending else column.asc(nulls_last=True)
        return cards.order_by(key, *notes_order)
    if filters.descending:
        return cards.order_by(*(f"-{name}" for name in notes_order))
    return cards.order_by(*notes_order)


def _reads_state(filters: CardFilters) -> bool:
    return bool(
        filters.sort in _SORT_COLUMNS
        or (filters.state and filters.state != "retired")
        or filters.due_from
        or filters.due_until
        or filters.min_lapses
    )


def _mine(user: AbstractBaseUser) -> FilteredRelation:
    return FilteredRelation("states", condition=Q(states__user=user))


# The learner's state of each listed card, as the results table shows it.
_STATE_FIELDS = (
    "state",
    "due",
    "stability",
    "difficulty",
    "lapses",
    "last_review",
    "suspended",
    "buried_until",
    "is_leech",
)


def _filter_state(cards: QuerySet[Card], state: str, *, now: datetime) -> QuerySet[Card]:
    if state == "new":
        return cards.filter(Q(mine__id__isnull=True) | Q(mine__state=NEW))
    if state in ("learning", "review", "relearning"):
        value = {"learning": LEARNING, "review": REVIEW, "relearning": RELEARNING}[state]
        return cards.filter(mine__state=value)
    if state == "suspended":
        return cards.filter(mine__suspended=True)
    if state == "buried":
        return cards.filter(mine__buried_until__gt=now)
    if state == "leech":
        return cards.filter(mine__is_leech=True)
    return cards


@dataclass
class Page:
    rows: list[Row]
    number: int
    has_next: bool
    # How many cards match: exact when `capped` is False, else at least this many.
    count: int
    capped: bool = False

    @property
    def count_text(self) -> str:
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def page_of(
    cards: QuerySet[Card],
    number: int,
    *,
    user: AbstractBaseUser,
    now: datetime,
    timezone: str,
    sorts_every_match: bool = False,
) -> Page:
    """One page of `cards` as table rows: the page's ids, a bounded count only when more pages
    follow, then the page's values.

    Sorting only ids keeps the sort's rows narrow: the learner's state and the topic are joined
    for the page's rows only, by primary key. The count stops at COUNT_CAP ("1,000+"), as
    counting every match of a broad search would cost more than the page; a last page needs no
    counting. `sorts_every_match`: the database reads and sorts every match to find the page
    anyway (a text search), so the same query returns up to COUNT_CAP ids from the page's
    start and the count comes from them; otherwise the page is read straight from an index and
    a second query counts, only when more pages follow.
    """
    start = (number - 1) * PAGE_SIZE
    limit = COUNT_CAP + 1 if sorts_every_match else PAGE_SIZE + 1
    ids = list(cards.values_list("pk", flat=True)[start : start + limit])
    has_next = len(ids) > PAGE_SIZE
    if (sorts_every_match or not has_next) and (ids or number == 1):
        # Every match from this page on is in `ids`, up to the cap.
        count, capped = start + min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP
    else:
        # More pages follow, or this one is past the end (an old link, a changed search).
        counted = cards.order_by().values("pk")[: COUNT_CAP + 1].count()
        count, capped = min(counted, COUNT_CAP), counted > COUNT_CAP
    shown = ids[:PAGE_SIZE]
    return Page(
        rows=rows_of(_list_values(shown, user=user), now=now, timezone=timezone),
        number=number,
        has_next=has_next,
        count=count,
        capped=capped,
    )


def _list_values(ids: list[int], *, user: AbstractBaseUser) -> list[tuple[Any, ...]]:
    """The page's cards with their topic's title and the learner's state, in the order of
    `ids`, as `_LIST_SQL` columns (the state's are None for a card never studied).

    Written as SQL, like the study page's hot path (`quiz.study.fastsql`): building this join
    as a queryset with a filtered relation, and converting its values, cost several times the
    query itself, on a page whose database work is a few index lookups. The statement is the
    one the ORM wrote (primary-key lookups and the unique (user, card) index on both engines).
    """
    if not ids:
        return []
    sql = _LIST_SQL.format(ids=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *ids])
        fetched = cursor.fetchall()
    by_id = {row[0]: row for row in fetched}
    return [by_id[pk] for pk in ids if pk in by_id]


def _list_sql() -> str:
    qn = connection.ops.quote_name
    card, topic, state = (qn(m._meta.db_table) for m in (Card, Topic, CardState))
    card_cols = ", ".join(f"c.{qn(name)}" for name in ("id", "kind", "prompt_md", "tags", "status"))
    state_cols = ", ".join(f"s.{qn(name)}" for name in _STATE_FIELDS)
    return (
        f"SELECT {card_cols}, t.{qn('title')}, {state_cols}"
        f" FROM {card} c INNER JOIN {topic} t ON (t.{qn('id')} = c.{qn('topic_id')})"
        f" LEFT OUTER JOIN {state} s"
        f" ON (s.{qn('card_id')} = c.{qn('id')} AND s.{qn('user_id')} = %s)"
        f" WHERE c.{qn('id')} IN ({{ids}})"
    )


_LIST_SQL = _list_sql()


def _aware(value: Any) -> datetime | None:
    """A DateTimeField read by a raw cursor, as the ORM returns it (aware, UTC): SQLite's driver
    gives a naive UTC datetime (or the stored text), PostgreSQL's an aware one."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Row(NamedTuple):
    """One result as the table shows it, formatted here once: a page is 50 rows of ten cells,
    and formatting them in the template cost more than the search itself."""

    pk: int
    prompt: str
    topic: str
    kind: str
    tags: list[str]
    state: str
    is_leech: bool
    due: str
    lapses: str
    difficulty: str
    stability: str
    last: str


_KIND_LABELS = dict(Card.Kind.choices)
# Markdown emphasis marks, which a one-line plain-text prompt shows better without.
_EMPHASIS = re.compile(r"\*\*|__|==|`")
PROMPT_CHARS = 140


def _day(value: datetime | None, tz: Any) -> str:
    return value.astimezone(tz).date().isoformat() if value is not None else "—"


def rows_of(values: list[tuple[Any, ...]], *, now: datetime, timezone: str) -> list[Row]:
    """Table rows from `_list_values` tuples."""
    tz = study.zone(timezone)
    rows = []
    for pk, kind, prompt_md, tags, status, topic, *mine in values:
        state, due, stability, difficulty, lapses, last, suspended, buried_until, leech = mine
        studied = state is not None and state != NEW
        prompt = " ".join(_EMPHASIS.sub("", prompt_md).split())
        if len(prompt) > PROMPT_CHARS:
            prompt = prompt[: PROMPT_CHARS - 1].rstrip() + "…"
        if isinstance(tags, str):
            tags = json.loads(tags)
        rows.append(
            Row(
                pk=pk,
                prompt=prompt,
                topic=topic,
                kind=_KIND_LABELS.get(kind, kind),
                tags=tags or [],
                state=state_text(
                    retired=status == Card.Status.RETIRED,
                    state=state,
                    suspended=bool(suspended),
                    buried_until=_aware(buried_until),
                    now=now,
                ),
                is_leech=bool(leech),
                due=_day(_aware(due), tz) if studied else "—",
                lapses=str(lapses) if lapses is not None else "—",
                difficulty=f"{difficulty:.1f}" if difficulty else "—",
                stability=f"{stability:.1f} d" if stability else "—",
                last=_day(_aware(last), tz),
            )
        )
    return rows


_STATE_NAMES = {NEW: "New", LEARNING: "Learning", REVIEW: "Review", RELEARNING: "Relearning"}


def state_text(
    *,
    retired: bool,
    state: int | None,
    suspended: bool,
    buried_until: datetime | None,
    now: datetime,
) -> str:
    """The learner's state of a card as the browser shows it (`state` None: never studied)."""
    if retired:
        return "Retired"
    if suspended:
        return "Suspended"
    if buried_until is not None and buried_until > now:
        return "Buried"
    return _STATE_NAMES[state if state is not None else NEW]


# --- one card ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryFacts:
    state: CardState | None
    retrievability: float | None

    @property
    def retrievability_percent(self) -> int | None:
        return None if self.retrievability is None else round(self.retrievability * 100)


def memory_facts(
    *, user: AbstractBaseUser, card: Card, now: datetime, profile: StudyProfile
) -> MemoryFacts:
    state = CardState.objects.filter(user=user, card=card).first()
    if state is None or state.state == NEW or state.stability is None:
        return MemoryFacts(state=state, retrievability=None)
    r = retrievability(study.memory_of(state), now=now, scheduler=study.scheduler_for(profile))
    return MemoryFacts(state=state, retrievability=r)


@dataclass(frozen=True)
class HistoryRow:
    review: Review
    # From this answer to the due date it set (None when it set none).
    interval: timedelta | None

    @property
    def interval_text(self) -> str:
        return format_interval(self.interval) if self.interval is not None else "—"

    @property
    def time_text(self) -> str:
        ms = self.review.duration_ms
        return "—" if ms is None else f"{ms / 1000:.1f} s"


def history(*, user: AbstractBaseUser, card: Card) -> list[HistoryRow]:
    """Every answer this learner gave the card, newest first, undone ones included (marked)."""
    rows = []
    reviews = Review.objects.filter(user=user, card=card).order_by("-reviewed_at", "-pk")
    for row in reviews:
        due = (row.state_after or {}).get("due")
        interval = datetime.fromisoformat(due) - row.reviewed_at if due else None
        rows.append(HistoryRow(review=row, interval=interval))
    return rows


def exam_questions(*, user: AbstractBaseUser, card: Card) -> QuerySet[ExamQuestion]:
    """The questions this learner's exams made from the card, newest first."""
    return (
        ExamQuestion.objects.filter(card=card, attempt__user=user)
        .select_related("attempt")
        .order_by("-attempt__started_at", "position")
    )


# --- actions on cards ----------------------------------------------------------------------------

ACTIONS = {
    "suspend": "Suspend",
    "unsuspend": "Unsuspend",
    "bury": "Bury until tomorrow",
    "reset": "Reset to new",
}


def apply_action(
    *,
    user: AbstractBaseUser,
    action: str,
    card_ids: Iterable[int],
    now: datetime,
    profile: StudyProfile,
) -> int:
    """Apply one browser action to the learner's state of each card; returns how many changed.

    Suspending or burying a card never studied creates its state (as the study page does);
    resetting keeps every review in the log and only puts the card back among the new ones.
    Each change bumps the state's version, so a study page open on the same card goes stale.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    ids = sorted({int(pk) for pk in card_ids})
    cards = {c.pk: c for c in Card.objects.filter(pk__in=ids, status=Card.Status.ACTIVE)}
    changed = 0
    with transaction.atomic():
        if action in ("suspend", "bury"):
            CardState.objects.bulk_create(
                [
                    CardState(user=user, card=c, deck_id=c.deck_id, topic_id=c.topic_id, due=now)
                    for c in cards.values()
                ],
                ignore_conflicts=True,
            )
        states = CardState.objects.filter(user=user, card_id__in=list(cards))
        if action == "suspend":
            changed = states.filter(suspended=False).update(
                suspended=True, version=F("version") + 1
            )
        elif action == "unsuspend":
            for state in states.filter(suspended=True).select_related("card"):
                changed += study.unsuspend(state=state)
        elif action == "bury":
            _start, end = study.day_bounds(now=now, timezone=profile.timezone)
            changed = states.update(buried_until=end, version=F("version") + 1)
        else:
            changed = reset_to_new(user=user, states=states, now=now)
    return changed


def reset_to_new(*, user: AbstractBaseUser, states: QuerySet[CardState], now: datetime) -> int:
    """Forget the learner's memory of these cards (they come back as new cards, in notes order).

    The review log is untouched: history and statistics still show every answer given.
    """
    changed = 0
    for state in states.select_related("card"):
        fields: dict[str, Any] = dict(
            state=NEW,
            step=None,
            stability=None,
            difficulty=None,
            due=now,
            last_review=None,
            reps=0,
            lapses=0,
            suspended=False,
            buried_until=None,
            is_leech=False,
        )
        updated = CardState.objects.filter(pk=state.pk, version=state.version).update(
            version=state.version + 1, **fields
        )
        if updated:
            changed += 1
            # The new-card walk may have moved past this card; let it find it again.
            rewind_new_cursor(user=user, card=state.card)
    return changed
