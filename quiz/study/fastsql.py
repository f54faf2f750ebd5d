"""The one fenced place where studying bypasses the ORM.

Answering a card and fetching the next one runs on every keypress of a study session. Building
and compiling the few ORM querysets involved cost ten times more than running them (measured:
~1 ms of Python each against ~0.05 ms in SQLite), so these lookups are written as SQL: the same
statements the ORM produced (same indexes, same plans on SQLite and PostgreSQL), with parameters
adapted and results converted by the backend's own operations, and rows turned into the model
instances the ORM would have built. Nothing outside `quiz.study` calls this module, and nothing
in `quiz.study` writes SQL anywhere else.
"""

from __future__ import annotations

import functools
import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from quiz import tally
from quiz.models import (
    Card,
    CardState,
    Deck,
    DeckCounts,
    Review,
    ReviewTally,
    StudyProfile,
    Topic,
)
from quiz.scheduling import LEARNING, NEW, RELEARNING, REVIEW

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from quiz.study.scope import Scope

# Quoting is a pure function of the backend; the hot path quotes the same few names each time.
qn = functools.lru_cache(maxsize=512)(connection.ops.quote_name)
_STATE, _CARD, _REVIEW, _DECK, _TOPIC = (
    CardState._meta.db_table,
    Card._meta.db_table,
    Review._meta.db_table,
    Deck._meta.db_table,
    Topic._meta.db_table,
)


def _db() -> BaseDatabaseWrapper:
    """This thread's database wrapper. `django.db.connection` is a proxy that looks the wrapper
    up again on every attribute it is asked for (a few µs each: dozens per answer), so the hot
    path looks it up once per call and uses the wrapper itself."""
    return connections[DEFAULT_DB_ALIAS]


def sql_dt(value: datetime, db: BaseDatabaseWrapper | None = None) -> Any:
    """A datetime as the backend stores it (what the ORM passes for a DateTimeField)."""
    return (db or _db()).ops.adapt_datetimefield_value(value)


def py_dt(value: Any, db: BaseDatabaseWrapper | None = None) -> datetime | None:
    """A DateTimeField value read by a raw cursor as the ORM would return it (aware, UTC)."""
    if value is None:
        return value
    db = db or _db()
    if db.vendor != "sqlite":
        return value
    return db.ops.convert_datetimefield_value(value, None, db)


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Per PostgreSQL connection: {SQL text: name} of the statements prepared on it (a prepared
# statement lives as long as its session, whatever becomes of the transaction around PREPARE).
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Distinct statements prepared per connection at most: the queue's differ by the scope's shape,
# an answer's write by the tally counter it adds to and by the condition it carries for
# remembered inputs (`unchanged`).
_PREPARED_MAX = 128
_MARK = re.compile("%s")
# The kept PostgreSQL connections told to run their prepared statements with one generic plan.
_GENERIC: weakref.WeakSet = weakref.WeakSet()


def fetch_planned(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """`fetch`, through a statement PostgreSQL plans once per connection.

    The study loop's few lookups run on every answer, and PostgreSQL planned each anew: for the
    queue's counts planning took about as long as running them (0.6 ms of 1.3 ms on the bench).
    So on a kept connection (CONN_MAX_AGE not 0) each is PREPAREd the first time and EXECUTEd
    after. A connection made per request (as behind a transaction-mode pooler such as PgBouncer,
    which would hand the next transaction another session) would gain nothing and runs the plain
    statement; so does SQLite, whose driver keeps its compiled statements already.

    Left to itself PostgreSQL still planned the queue's statement and the new-card window on
    every EXECUTE (a custom plan for the values given: it judged them to depend on the values),
    so such a session runs every prepared statement with its one generic plan
    (`plan_cache_mode`). The statements here are written for that plan: the constants that
    choose a partial index are in the text, and the only open-ended range is bounded. Only
    statements prepared on the session are affected: Django binds its own parameters on the
    client. Set outside a transaction, where it is committed at once (a SET is undone with a
    rolled-back transaction; this one would then be tried again later).
    """
    connection = _db()  # the wrapper itself, not the proxy
    if connection.vendor != "postgresql" or connection.settings_dict.get("CONN_MAX_AGE") == 0:
        return fetch(sql, params)
    name = _prepared_name(connection, sql, params)
    if name is None:
        return fetch(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(_execute(name, params), params)
        return cursor.fetchall()


def sends_reads_with_writes() -> bool:
    """Whether `record_answer` sends the next screen's reads with its write (`fetch_batch`)."""
    return _db().vendor == "postgresql"


def fetch_batch(statements: list[tuple[str, list[Any]]]) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows, the statements sent to PostgreSQL in one round trip: one query
    string, so they run in order as one transaction (each sees what those before it wrote) and
    commit together. An answer's write and the reads of the screen that follows cost a round
    trip each otherwise, and on PostgreSQL a round trip through the driver and Django costs
    about as much as running a small statement. Prepared as `fetch_planned` prepares them, on a
    kept connection. Only for PostgreSQL: SQLite's driver runs one statement per call."""
    connection = _db()
    if connection.vendor != "postgresql":
        raise ValueError("one round trip for several statements is PostgreSQL's")
    kept = connection.settings_dict.get("CONN_MAX_AGE") != 0
    results = []
    with connection.cursor() as cursor:
        # The values are written into the text here, as the driver would bind them on the
        # client: the driver parsed the batch's whole text for its placeholders on every
        # answer (it remembers that only for statements of up to 50 values; the write has
        # more), where a prepared statement's EXECUTE is only its values in a row.
        from psycopg.adapt import Transformer  # PostgreSQL's driver, only here

        literal = Transformer.from_context(cursor.cursor).as_literal
        texts = []
        for sql, args in statements:
            name = _prepared_name(connection, sql, args) if kept else None
            if name is None:
                texts.append(cursor.mogrify(sql, args))
            elif args:
                values = ", ".join([_literal(v, literal) for v in args])
                texts.append(f"EXECUTE {name} ({values})")
            else:
                texts.append(f"EXECUTE {name}")
        cursor.execute("; ".join(texts))
        results.append(cursor.fetchall())
        while cursor.nextset():
            results.append(cursor.fetchall())
    return results


def _literal(value: Any, adapt: Callable[[Any], bytes]) -> str:
    """`value` as the driver's literal adapter `adapt` writes it into a statement's text, the
    text written here for the plain ints, floats and aware datetimes most of an answer's hundred
    values are (the adapter costs a few microseconds a value; a test holds the two equal)."""
    kind = type(value)  # exactly: bool and the driver's sized ints are int's subclasses
    if kind is int:
        return str(value) if value >= 0 else f" {value}"
    if kind is float and math.isfinite(value):
        text = repr(value)
        return text if text[0] != "-" else f" {text}"
    if kind is datetime and value.tzinfo is not None:
        return f"'{value.isoformat(sep=' ')}'::timestamptz"
    if value is None:
        return "NULL"
    return adapt(value).decode()


def _execute(name: str, params: list[Any]) -> str:
    """The statement that runs prepared statement `name` with `params` (bound by the client)."""
    marks = ", ".join(["%s"] * len(params))
    return f"EXECUTE {name} ({marks})" if params else f"EXECUTE {name}"


def _prepared_name(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> str | None:
    """The name `sql` is prepared under on this PostgreSQL connection, preparing it (and setting
    the session's generic plans) the first time; None once the connection holds its limit."""
    connection.ensure_connection()
    if connection.connection not in _GENERIC and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        _GENERIC.add(connection.connection)
    prepared = _PREPARED.setdefault(connection.connection, {})
    name = prepared.get(sql)
    if name is None and len(prepared) < _PREPARED_MAX:
        name = f"notebank_study_{len(prepared)}"
        count = iter(range(1, len(params) + 1))
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {name} AS {_MARK.sub(lambda _: f'${next(count)}', sql)}")
        prepared[sql] = name
    return name


# Per database connection: each model's (attnames, [(converters, column)]) for `instance`.
_LOADERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _model_loader(
    model: type[Model], only: tuple[str, ...] | None, db: BaseDatabaseWrapper
) -> tuple[list[str], list[tuple[list[Any], Any]]]:
    per_model = _LOADERS.setdefault(db, {})
    key = (model, only)
    if key not in per_model:
        attnames, converters = [], []
        for field in _fields(model, only):
            column = field.get_col(model._meta.db_table)
            attnames.append(field.attname)
            # The converters the ORM's compiler applies to this column: the backend's, then
            # the field's (bools and datetimes on SQLite, JSON decoding, ...).
            funcs = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if db.vendor == "sqlite" and settings.USE_TZ:
                funcs = [_sqlite_datetime if _is_sqlite_datetime(f, db) else f for f in funcs]
            converters.append((funcs, column))
        per_model[key] = (attnames, converters)
    return per_model[key]


def _is_sqlite_datetime(func: Any, db: BaseDatabaseWrapper) -> bool:
    return getattr(func, "__func__", None) is type(db.ops).convert_datetimefield_value


def _fields(model: type[Model], only: tuple[str, ...] | None) -> list[Any]:
    """The concrete fields of `model`, or those named (by attname) in `only`, in model order."""
    fields = model._meta.concrete_fields
    return list(fields) if only is None else [f for f in fields if f.attname in only]


@functools.lru_cache(maxsize=64)
def columns(model: type[Model], alias: str, only: tuple[str, ...] | None = None) -> str:
    """SELECT list of every concrete field of `model` (or those in `only`) from the table
    aliased `alias`."""
    return ", ".join(f"{alias}.{qn(f.column)}" for f in _fields(model, only))


def instance(
    model: type[Model],
    row: tuple[Any, ...],
    start: int = 0,
    only: tuple[str, ...] | None = None,
    db: BaseDatabaseWrapper | None = None,
) -> Any:
    """The model instance the ORM would build from `row[start:]` (as listed by `columns`);
    with `only`, the instance `.only(*only)` would build (other fields deferred).

    Built as `Model.from_db` builds it, but for its call of `Model.__init__`, which walks every
    field of the model through its descriptor and fires the init signals: about half of the
    cost, for an answer's seven or eight rows. Nothing listens to those signals here (checked
    on each call; with a listener, `from_db` itself), and the values set are the same. `db`:
    the database wrapper, when the caller has it (`_db`)."""
    db = db or _db()
    attnames, converters = _model_loader(model, only, db)
    values = list(row[start : start + len(attnames)])
    for i, (funcs, column) in enumerate(converters):
        for func in funcs:
            values[i] = func(values[i], column, db)
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(DEFAULT_DB_ALIAS, attnames, values)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    # A field left out (`only`) is absent from the instance's __dict__: deferred, as the ORM
    # marks it, and read on first use.
    obj.__dict__.update(zip(attnames, values, strict=True))
    return obj


def detached(obj: Model, names: tuple[str, ...] | None = None) -> Any:
    """A copy of the read instance `obj` holding only its own column values (those of the
    fields `names`, or all it has), without the related objects it has cached: what a memory
    kept between requests holds, rather than, say, a state row with its card's whole text."""
    model = type(obj)
    copy = model.__new__(model)
    state = copy._state = ModelState()
    state.adding, state.db = False, obj._state.db
    values = obj.__dict__
    copy.__dict__.update(
        (f.attname, values[f.attname])
        for f in _fields(model, names)
        if f.attname in values  # a deferred field stays deferred
    )
    return copy


def unsaved(model: type[Model], **values: Any) -> Any:
    """`model(**values)`, a new unsaved instance, built without `Model.__init__`'s walk through
    every field's descriptor (as `instance` builds a read one): each field gets its value, or
    its default; a related object given by the relation's name sets its id and is cached, as
    the descriptor does. With an init-signal listener, `model(**values)` itself."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    related = []
    data = {}
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation and model_field.name in values:
            target = values.pop(model_field.name)
            data[model_field.attname] = None if target is None else target.pk
            related.append((model_field, target))
        elif model_field.attname in values:
            data[model_field.attname] = values.pop(model_field.attname)
        else:
            data[model_field.attname] = model_field.get_default()
    if values:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(values)}")
    obj.__dict__.update(data)
    for model_field, target in related:
        model_field.set_cached_value(obj, target)
    return obj


def _sqlite_datetime(value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
    """SQLite's datetime converter (`convert_datetimefield_value`, with USE_TZ) for the text it
    stores, read with `datetime.fromisoformat` as its `parse_datetime` first tries; anything
    else, or text that does not parse so, goes to the backend's own."""
    if value.__class__ is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (
                parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=connection.timezone)
            )
    return connection.ops.convert_datetimefield_value(value, expression, connection)


# --- loading rows --------------------------------------------------------------------------------


@functools.cache
def _card_columns() -> str:
    """A card with its topic and deck (what `select_related("topic", "deck")` selects)."""
    return f"{columns(Card, 'c')}, {columns(Topic, 't')}, {columns(Deck, 'd')}"


@functools.cache
def _card_joins() -> str:
    return (
        f" INNER JOIN {qn(_TOPIC)} t ON (c.{qn('topic_id')} = t.{qn('id')})"
        f" INNER JOIN {qn(_DECK)} d ON (c.{qn('deck_id')} = d.{qn('id')})"
    )


def load_deck(deck_id: int) -> Deck | None:
    if not 0 < deck_id < 2**63:
        return None
    rows = fetch(
        f"SELECT {columns(Deck, 'd')} FROM {qn(_DECK)} d WHERE d.{qn('id')} = %s", [deck_id]
    )
    return instance(Deck, rows[0]) if rows else None


def load_profile(user_id: int) -> StudyProfile | None:
    rows = fetch(
        f"SELECT {columns(StudyProfile, 'p')} FROM {qn(StudyProfile._meta.db_table)} p"
        f" WHERE p.{qn('user_id')} = %s",
        [user_id],
    )
    return instance(StudyProfile, rows[0]) if rows else None


def load_card(card_id: int, *, related: bool = True) -> Card | None:
    """Card `card_id`, with its deck and topic loaded (`select_related`) when `related`."""
    if not related:
        rows = fetch(
            f"SELECT {columns(Card, 'c')} FROM {qn(_CARD)} c WHERE c.{qn('id')} = %s",
            [card_id],
        )
        return instance(Card, rows[0]) if rows else None
    rows = fetch(
        f"SELECT {_card_columns()} FROM {qn(_CARD)} c{_card_joins()} WHERE c.{qn('id')} = %s",
        [card_id],
    )
    return _card_from_row(rows[0]) if rows else None


def load_card_and_state(
    card_id: int, *, user: AbstractBaseUser
) -> tuple[Card | None, CardState | None]:
    """Card `card_id` (without deck and topic) and this learner's state row for it, if any:
    one query where an answer would otherwise run two."""
    rows = fetch(
        f"SELECT {columns(Card, 'c')}, {columns(CardState, 's')} FROM {qn(_CARD)} c"
        f" LEFT OUTER JOIN {qn(_STATE)} s"
        f" ON (s.{qn('card_id')} = c.{qn('id')} AND s.{qn('user_id')} = %s)"
        f" WHERE c.{qn('id')} = %s",
        [user.pk, card_id],
    )
    if not rows:
        return None, None
    offset = len(Card._meta.concrete_fields)
    state = instance(CardState, rows[0], offset) if rows[0][offset] is not None else None
    return instance(Card, rows[0]), state


# What answering reads of the card: whether it is active, and where a first answer's state row
# goes. The rest (its text) is deferred.
ANSWERED_CARD = ("id", "deck_id", "topic_id", "status", "order")


def load_for_answer(
    card_id: int, *, user: AbstractBaseUser, deck_id: int | None = None, with_decks: bool = False
) -> tuple[Card | None, CardState | None, StudyProfile | None, Deck | None, list[Any] | None]:
    """What an answer reads before it writes, in one query: card `card_id` (`ANSWERED_CARD`),
    this learner's state row for it, their study profile, given `deck_id` the deck being
    studied (the scope's), and `with_decks` every deck by title (as `deck_stamps`); each None
    when missing or not asked for."""
    params = [user.pk, user.pk, *([deck_id] if deck_id is not None else []), card_id]
    rows = fetch_planned(_answer_sql(deck_id is not None, with_decks), params)
    if not rows:
        return None, None, None, None, None
    row, db = rows[0], _db()
    at_state = len(ANSWERED_CARD)
    at_profile = at_state + len(CardState._meta.concrete_fields)
    at_deck = at_profile + len(StudyProfile._meta.concrete_fields)
    state = instance(CardState, row, at_state, db=db) if row[at_state] is not None else None
    profile = None
    if row[at_profile] is not None:
        profile = instance(StudyProfile, row, at_profile, db=db)
    deck = None
    if deck_id is not None and row[at_deck] is not None:
        deck = instance(Deck, row, at_deck, db=db)
    decks = _parse_decks(row[-1], db) if with_decks else None
    return instance(Card, row, 0, ANSWERED_CARD, db), state, profile, deck, decks


@functools.lru_cache(maxsize=8)
def _answer_sql(with_deck: bool, with_decks: bool) -> str:
    """`load_for_answer`'s statement: the same text on every answer, so written once. Its
    parameters: the user twice, the deck's id `with_deck`, the card's id."""
    profile_table = qn(StudyProfile._meta.db_table)
    deck_columns = f", {columns(Deck, 'sd')}" if with_deck else ""
    if with_decks:
        deck_columns += f", {_decks_list()}"
    deck_join = ""
    if with_deck:
        deck_join = f" LEFT OUTER JOIN {qn(_DECK)} sd ON (sd.{qn('id')} = %s)"
    return (
        f"SELECT {columns(Card, 'c', ANSWERED_CARD)}, {columns(CardState, 's')},"
        f" {columns(StudyProfile, 'p')}{deck_columns}"
        f" FROM {qn(_CARD)} c"
        f" LEFT OUTER JOIN {qn(_STATE)} s"
        f" ON (s.{qn('card_id')} = c.{qn('id')} AND s.{qn('user_id')} = %s)"
        f" LEFT OUTER JOIN {profile_table} p ON (p.{qn('user_id')} = %s){deck_join}"
        f" WHERE c.{qn('id')} = %s"
    )


def _card_from_row(row: tuple[Any, ...], start: int = 0) -> Card:
    card = instance(Card, row, start)
    start += len(Card._meta.concrete_fields)
    card.topic = instance(Topic, row, start)
    card.deck = instance(Deck, row, start + len(Topic._meta.concrete_fields))
    return card


def load_state(
    *, pk: int | None = None, user: AbstractBaseUser | None = None, card: Card | None = None
) -> CardState | None:
    """A CardState by id, with its card, topic and deck; or by (user, card) on its own."""
    if pk is None:
        rows = fetch_planned(
            f"SELECT {columns(CardState, 's')} FROM {qn(_STATE)} s"
            f" WHERE s.{qn('user_id')} = %s AND s.{qn('card_id')} = %s",
            [user.pk, card.pk],
        )
        return instance(CardState, rows[0]) if rows else None
    return _state_with_card(pk, _card_columns(), _card_from_row, fetch)


def _state_with_card(
    pk: int,
    card_columns: str,
    card_from_row: Callable[[tuple[Any, ...], int], Card],
    run: Callable[[str, list[Any]], list[tuple[Any, ...]]],
) -> CardState:
    """State row `pk` joined to its card (these columns, made a Card by `card_from_row`)."""
    rows = run(
        f"SELECT {columns(CardState, 's')}, {card_columns} FROM {qn(_STATE)} s"
        f" INNER JOIN {qn(_CARD)} c ON (s.{qn('card_id')} = c.{qn('id')}){_card_joins()}"
        f" WHERE s.{qn('id')} = %s",
        [pk],
    )
    if not rows:
        raise CardState.DoesNotExist(f"CardState {pk} does not exist")
    state = instance(CardState, rows[0])
    state.card = card_from_row(rows[0], len(CardState._meta.concrete_fields))
    return state


# What the study screen shows of a card (the question, the answer, its simulation and its
# breadcrumb), and no more: the next card is read on every answer, and the full rows (the card's
# notes and markdown, its topic's whole notes) cost more to read and convert than the rest of
# the lookup. Any other field is deferred: the ORM reads it if something asks.
SHOWN_CARD = ("id", "deck_id", "topic_id", "kind", "prompt_html", "answer_html", "sim", "status")
SHOWN_TOPIC = ("id", "deck_id", "path")
SHOWN_DECK = ("id", "title")


@functools.cache
def _shown_columns() -> str:
    return (
        f"{columns(Card, 'c', SHOWN_CARD)}, {columns(Topic, 't', SHOWN_TOPIC)},"
        f" {columns(Deck, 'd', SHOWN_DECK)}"
    )


def _shown_from_row(
    row: tuple[Any, ...], start: int = 0, db: BaseDatabaseWrapper | None = None
) -> Card:
    db = db or _db()
    card = instance(Card, row, start, SHOWN_CARD, db)
    start += len(SHOWN_CARD)
    card.topic = instance(Topic, row, start, SHOWN_TOPIC, db)
    card.deck = instance(Deck, row, start + len(SHOWN_TOPIC), SHOWN_DECK, db)
    return card


def load_shown_card(card_id: int) -> Card | None:
    """Card `card_id` as the study screen shows it (`SHOWN_CARD`, with its topic and deck)."""
    rows = fetch_planned(
        f"SELECT {_shown_columns()} FROM {qn(_CARD)} c{_card_joins()} WHERE c.{qn('id')} = %s",
        [card_id],
    )
    return _shown_from_row(rows[0]) if rows else None


def load_shown_state(pk: int) -> CardState:
    """The state row `pk` with its card as the study screen shows it (`load_shown_card`)."""
    return _state_with_card(pk, _shown_columns(), _shown_from_row, fetch_planned)


# --- writing rows --------------------------------------------------------------------------------


def insert(obj: Model) -> None:
    """`obj.save()` for a new row of a model without save hooks: the INSERT the ORM would run,
    each value prepared by its field (`get_db_prep_save`), the new id read back."""
    connection = _db()  # the wrapper itself, not the proxy: each field asks it
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES ({marks})"
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {qn(meta.pk.column)}", params)
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, params)
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def insert_first_state(obj: CardState) -> bool:
    """Insert a learner's first state row for a card unless one exists (the unique (user, card)
    constraint: ON CONFLICT DO NOTHING); True if this inserted it, and `obj` is then the row.

    One statement where `bulk_create(..., ignore_conflicts=True)` and a read back took two (and
    the ORM's Python): whoever inserts knows the row is what it inserted."""
    connection = _db()  # the wrapper itself, not the proxy: each field asks it
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    rows = fetch_planned(
        f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES ({marks})"
        f" ON CONFLICT ({qn('user_id')}, {qn('card_id')}) DO NOTHING RETURNING {qn('id')}",
        params,
    )
    if not rows:
        return False
    obj.pk = rows[0][0]
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return True


def conditional_update(
    row: CardState, /, guard: tuple[str, list[Any]] | None = None, **fields: Any
) -> bool:
    """Apply `fields` and bump the version only if nobody changed the row since we read it
    (and, given a `guard` (`unchanged`), only while its condition holds).

    What `CardState.objects.filter(pk=..., version=...).update(...)` runs, without building the
    queryset; each value is prepared by its model field, as update() does.
    """
    connection = _db()  # the wrapper itself, not the proxy: each field asks it
    new_version = row.version + 1
    values = {"version": new_version, **fields}
    meta = CardState._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in values)
    params = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()
    ]
    guard_sql, guard_params = guard or ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(_STATE)} SET {assignments}"
            f" WHERE {qn('id')} = %s AND {qn('version')} = %s{guard_sql}",
            [*params, row.pk, row.version, *guard_params],
        )
        updated = cursor.rowcount
    if not updated:
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    row.version = new_version
    return True


# Of `ANSWERED_CARD`, what an answer's computation depends on (`answering.answer_card`,
# `session`): not the id, which the condition names apart, nor the order (undo's).
_GUARDED_CARD = ("status", "deck_id", "topic_id")
# What a deck scope's screen shows of its deck, or orders by.
_GUARDED_DECK = ("title", "imported_at", "content_hash")


def unchanged(
    *,
    state_values: tuple[Any, ...],
    card: Card,
    profile: StudyProfile,
    deck: Deck | None = None,
) -> tuple[str, list[Any]]:
    """A condition for an answer's UPDATE of a state row (`conditional_update`'s `guard`) that
    holds only while the rows the answer is computed from still read as remembered: every
    column of the state row (`state_values`: as the driver returned it, `QueueHeads.head`), the
    card's status, deck and topic, every column of the learner's study profile, and for a deck
    scope the deck's title and import.

    For an answer computed from rows remembered since an earlier request
    (`quiz.study.answer_memo`) instead of read afresh: should anything among them have been
    written since, by anyone, the UPDATE changes nothing and the answer is made again from a
    fresh read. Each comparison treats NULL as a value; a value that reads back in another form
    than it is written would only make the condition fail, never hold wrongly. The state row is
    passed back as read because SQLite keeps datetimes as text, and a row written by other means
    than Django's may hold them in another form than Django writes (a bulk load through the
    driver's own adapter adds the UTC offset), which the driver reads and writes back alike."""
    db = _db()
    sql, shape = _guard_shape(db.vendor, deck is not None)
    params = [state_values[i] for i, _field in _STATE_GUARDED]
    for obj, fields in zip((card, profile, deck), shape[1:], strict=False):
        values = obj.__dict__
        params.append(obj.pk)
        params += [
            values[f.attname] if f in _AS_READ else f.get_db_prep_save(values[f.attname], db)
            for f in fields
        ]
    return sql, params


# The state row's columns `unchanged` compares (all but the id and the version, which the
# UPDATE names itself), with their places in the row.
_STATE_GUARDED = tuple(
    (i, f) for i, f in enumerate(CardState._meta.concrete_fields) if f.name not in ("id", "version")
)


# Fields whose value, as read, is what preparing it for the database gives (numbers, booleans,
# text and the ids of foreign keys: their preparation converts to the type the value has): an
# answer compares some thirty, and preparing costs a microsecond or two each.
_AS_READ_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "FloatField",
    "ForeignKey", "IntegerField", "OneToOneField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
}  # fmt: skip
_AS_READ = frozenset(
    f
    for model in (CardState, Card, StudyProfile, Deck)
    for f in model._meta.concrete_fields
    if f.get_internal_type() in _AS_READ_TYPES
)


@functools.lru_cache(maxsize=4)
def _guard_shape(vendor: str, with_deck: bool) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    """`unchanged`'s condition, and the fields it compares of the state, the card, the profile
    and (`with_deck`) the deck, in the order of its parameters (each row's id before its fields
    but the state's, which the UPDATE names itself)."""
    same = " IS NOT DISTINCT FROM " if vendor == "postgresql" else " IS "

    def named(model: type[Model], names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(model._meta.get_field(name) for name in names)

    state_fields = tuple(f for _i, f in _STATE_GUARDED)
    sql = "".join(f" AND {qn(f.column)}{same}%s" for f in state_fields)
    shape = [state_fields]
    profile_fields = tuple(f for f in StudyProfile._meta.concrete_fields if f.name != "id")
    tables = [(_CARD, named(Card, _GUARDED_CARD)), (StudyProfile._meta.db_table, profile_fields)]
    if with_deck:
        tables.append((_DECK, named(Deck, _GUARDED_DECK)))
    for table, fields in tables:
        conditions = " AND ".join(f"g.{qn(f.column)}{same}%s" for f in fields)
        sql += f" AND EXISTS (SELECT 1 FROM {qn(table)} g WHERE g.{qn('id')} = %s AND {conditions})"
        shape.append(fields)
    return sql, tuple(shape)


def record_answer(
    row: CardState,
    fields: dict[str, Any],
    review: Review,
    tally_rows: list[tuple[str, str, list[Any], str]],
    then: list[tuple[str, list[Any]]] | None = None,
    guard: tuple[str, list[Any]] | None = None,
) -> tuple[bool, list[list[tuple[Any, ...]]] | None]:
    """An answer's writes, all or none: the state's conditional UPDATE (`conditional_update`,
    with its `guard`), then the review's INSERT (`insert`) and the tallies' upserts, given as
    their parts (`quiz.tally.increments`). False, and nothing written, if the row changed since
    it was read (or the guard does not hold).

    On PostgreSQL this is one statement: the INSERTs select from the row the UPDATE returns
    (data-modifying CTEs), so they write only when it changed the row, and a statement is atomic
    without a transaction around it: one round trip where BEGIN, three statements and COMMIT
    take five (and, on a kept connection, parsed once: `fetch_planned`; its parameters' types
    are the columns they are inserted into). Elsewhere the same statements run in one
    transaction.

    Returns whether it wrote, and the rows of the statements `then` (the reads of the screen
    that follows, which see the write), sent in the same round trip on PostgreSQL
    (`fetch_batch`); elsewhere None: they are no cheaper together, and the caller runs them.
    """
    connection = _db()  # the wrapper itself, not the proxy: each field asks it
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if not conditional_update(row, guard=guard, **fields):
                return False, None
            insert(review)
            with connection.cursor() as cursor:
                for part in tally_rows:
                    cursor.execute(*tally.values_sql(part))
        return True, None
    new_version = row.version + 1
    values = {"version": new_version, **fields}
    meta = CardState._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in values)
    params = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()
    ]
    guard_sql, guard_params = guard or ("", [])
    params += [row.pk, row.version, *guard_params]
    review_fields = [f for f in review._meta.concrete_fields if f is not review._meta.pk]
    params += [f.get_db_prep_save(f.pre_save(review, True), connection) for f in review_fields]
    review_names = ", ".join(qn(f.column) for f in review_fields)
    review_marks = ", ".join(["%s"] * len(review_fields))
    sql = (
        f"WITH changed AS (UPDATE {qn(_STATE)} SET {assignments}"
        f" WHERE {qn('id')} = %s AND {qn('version')} = %s{guard_sql} RETURNING {qn('id')}),"
        f" logged AS (INSERT INTO {qn(_REVIEW)} ({review_names})"
        f" SELECT {review_marks} FROM changed RETURNING {qn('id')})"
    )
    for n, (into, names, tally_values, on_conflict) in enumerate(tally_rows):
        marks = ", ".join(["%s"] * len(tally_values))
        sql += (
            f", counted{n} AS (INSERT INTO {into} ({names}) SELECT {marks} FROM changed"
            f" {on_conflict})"
        )
        params += tally_values
    statement = (f"{sql} SELECT {qn('id')} FROM logged", params)
    if then:
        rows, *after = fetch_batch([statement, *then])
    else:
        rows, after = fetch_planned(*statement), None
    if not rows:
        return False, after
    for name, value in fields.items():
        setattr(row, name, value)
    row.version = new_version
    review.pk = rows[0][0]
    review._state.adding = False
    review._state.db = DEFAULT_DB_ALIAS
    return True, after


# --- the queue's lookups -------------------------------------------------------------------------


# The retired status written into the statement, not passed: the retired ids come from a partial
# index (status = 'retired'), which a plan made for any status (PostgreSQL's generic plan of a
# prepared statement) could not use. A fixed word of the model's, never input.
if not Card.Status.RETIRED.value.isidentifier():
    raise ValueError("the retired status is written into SQL as a plain word")
_RETIRED = f"'{Card.Status.RETIRED.value}'"


def available_where(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, db: BaseDatabaseWrapper | None = None
) -> tuple[str, list[Any]]:
    """The one statement of which states may be shown, as a WHERE clause over the CardState
    table: this learner's, in `scope`, card not retired, not suspended, not buried past `now`.

    NOT IN (retired ids), not a join on the card: with a join, planners may drive the query from
    the cards table and scan it; the retired ids come from a small partial index. On SQLite,
    where most banks have no retired card at all, the first arm of an OR, a subquery run once
    per statement, spares each row its lookup (counting a thousand due cards, a third of the
    time). Not on PostgreSQL: its lookup is a hash probe, and with the OR its generic plans
    judged the filter loose enough to walk the learner's states by due date to find the first
    learning card (10 ms, where the (user, state, due) range takes 0.2).
    """
    db = db or _db()
    kind, topics = _scope_shape(scope)
    params: list[Any] = [user.pk, sql_dt(now, db)]
    if kind == "topic":
        params += [scope.topic.deck_id, *scope.topic_ids]
    elif kind == "deck":
        params.append(scope.deck.pk)
    return _available_sql(db.vendor, kind, topics), params


def _scope_shape(scope: Scope) -> tuple[str, int]:
    """What of `scope` shapes `available_where`'s text: its kind, and how many topic ids."""
    if scope.topic is not None:
        return "topic", len(scope.topic_ids)
    return ("deck" if scope.deck is not None else "all"), 0


@functools.lru_cache(maxsize=256)
def _available_sql(vendor: str, kind: str, topics: int) -> str:
    """`available_where`'s text for a scope of `kind` ("all", "deck", "topic" with `topics`
    ids): the same for every answer in a scope, so written once."""
    retired = f"SELECT U0.{qn('id')} FROM {qn(_CARD)} U0 WHERE U0.{qn('status')} = {_RETIRED}"
    not_retired = f"NOT ({qn(_STATE)}.{qn('card_id')} IN ({retired}))"
    if vendor == "sqlite":
        not_retired = f"(NOT EXISTS ({retired}) OR {not_retired})"
    sql = (
        f"NOT {qn(_STATE)}.{qn('suspended')} AND {qn(_STATE)}.{qn('user_id')} = %s"
        f" AND {not_retired}"
        f" AND ({qn(_STATE)}.{qn('buried_until')} IS NULL"
        f" OR {qn(_STATE)}.{qn('buried_until')} <= %s)"
    )
    if kind == "topic":
        marks = ", ".join(["%s"] * topics)
        sql += (
            f" AND {qn(_STATE)}.{qn('deck_id')} = %s AND {qn(_STATE)}.{qn('card_id')} IN"
            f" (SELECT U1.{qn('id')} FROM {qn(_CARD)} U1 WHERE U1.{qn('topic_id')} IN ({marks}))"
        )
    elif kind == "deck":
        sql += f" AND {qn(_STATE)}.{qn('deck_id')} = %s"
    return sql


def learning_due(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, until: datetime
) -> list[tuple[int, datetime]]:
    """(state id, due) of available learning and relearning cards due by `until`, unordered."""
    where, params = available_where(user=user, scope=scope, now=now)
    rows = fetch(
        f"SELECT {qn('id')}, {qn('due')} FROM {qn(_STATE)} WHERE {where}"
        f" AND {qn(_STATE)}.{qn('due')} <= %s AND {qn(_STATE)}.{qn('state')} IN (%s, %s)",
        [*params, sql_dt(until), LEARNING, RELEARNING],
    )
    return [(pk, py_dt(due)) for pk, due in rows]


def reviews_due(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, before: datetime, limit: int
) -> list[int]:
    """Ids of available review cards due before `before`, most overdue first, at most `limit`."""
    where, params = available_where(user=user, scope=scope, now=now)
    rows = fetch(
        f"SELECT {qn('id')} FROM {qn(_STATE)} WHERE {where}"
        f" AND {qn(_STATE)}.{qn('due')} < %s AND {qn(_STATE)}.{qn('state')} = %s"
        f" ORDER BY {qn(_STATE)}.{qn('due')} ASC LIMIT %s",
        [*params, sql_dt(before), REVIEW, limit],
    )
    return [pk for (pk,) in rows]


def next_due(*, user: AbstractBaseUser, scope: Scope, now: datetime) -> datetime | None:
    """The earliest due time among the available states (for the end-of-session summary)."""
    where, params = available_where(user=user, scope=scope, now=now)
    ((due,),) = fetch(
        f"SELECT MIN({qn(_STATE)}.{qn('due')}) FROM {qn(_STATE)} WHERE {where}", params
    )
    return py_dt(due)


@dataclass(frozen=True)
class QueueHeads:
    """What the study queue needs of the learner's states, as `queue_heads` counts them.

    `today`: (total, new, reviews) study answers since the day began, not undone;
    `learning`: (state id, due) of the soonest learning or relearning card due by the
    learn-ahead limit (the queue reads no further), or nothing; `learning_count`: how many such
    cards there are; `review`: the most overdue review card's state id; `review_count`: how
    many review cards are due, counted up to the cap asked for; `decks`: (id, imported_at) of
    every deck by title (the order new cards come in across decks), or None when not asked for.
    """

    today: tuple[int, int, int]
    learning: list[tuple[int, datetime]]
    learning_count: int
    review: int | None
    # None when not counted: the caller knows it (`queue_heads_statement`'s `expected`).
    review_count: int | None
    decks: list[tuple[int, datetime | None]] | None
    # The two heads' rows (state, card, topic, deck: `_head_columns`) by state id, read in the
    # same statement so the card the queue picks needs no lookup of its own (`head`).
    head_rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    # The scope's fingerprint (`_fingerprint_sql`) as the statement read it, and, with a fresh
    # review count, when the first burial inside today ends (None: none does).
    fingerprint: str | None = None
    burial_end: datetime | None = None

    def head(self, state_id: int) -> tuple[CardState, tuple[Any, ...]] | None:
        """The head `state_id` with its card as the study screen shows it (`load_shown_state`),
        and its state row as the driver returned it, before the model fields' own conversions
        (what `unchanged` compares a remembered row by); None unless it is one of the two heads
        read."""
        row = self.head_rows.get(state_id)
        if row is None:
            return None
        db, width = _db(), len(CardState._meta.concrete_fields)
        state = instance(CardState, row, db=db)
        state.card = _shown_from_row(row, width, db)
        return state, tuple(row[:width])


def queue_heads(**kwargs: Any) -> QueueHeads:
    """Today's answer counts, the learning and review cards due (the first of each and how many)
    and the decks, in one statement: one round trip where the queue would otherwise make four.

    Counting reads only the (user, state, due, ...) covering index; only the first card of each
    kind is sent, not every id. Same conditions as `count_today`, `learning_due`, `reviews_due`
    and `deck_stamps` (a test holds them equal). Arguments as `queue_heads_statement`'s.
    """
    return parse_queue_heads(fetch_planned(*queue_heads_statement(**kwargs)))


def queue_heads_statement(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    learn_until: datetime,
    reviews_before: datetime,
    review_cap: int,
    with_decks: bool,
    expected: str | None = None,
) -> tuple[str, list[Any]]:
    """`queue_heads`' statement and its parameters, for `parse_queue_heads` to read.

    `expected`: the scope's fingerprint (`QueueHeads.fingerprint`) under which the caller
    already knows the review count; while the scope's fingerprint still reads so, the count is
    not made again (`QueueHeads.review_count` is then None)."""
    db = _db()
    params = available_where(user=user, scope=scope, now=now, db=db)[1]
    start = int(day_start.timestamp())
    by_tally = start % tally.QUARTER_S == 0
    sql = _queue_heads_sql(db.vendor, *_scope_shape(scope), with_decks, by_tally)
    if by_tally:
        today_args: list[Any] = [user.pk, start // tally.QUARTER_S, _NO_QUARTER]
    else:
        today_args = [NEW, REVIEW, user.pk, sql_dt(day_start, db), "study"]
    until, before = sql_dt(learn_until, db), sql_dt(reviews_before, db)
    args: list[Any] = [*today_args, *params, until]
    args += [*params, before, expected, *params, before, review_cap]
    args += [expected, user.pk, params[1], before, *_fingerprint_args(user, scope)]
    return sql, args


@functools.lru_cache(maxsize=256)
def _queue_heads_sql(vendor: str, kind: str, topics: int, with_decks: bool, by_tally: bool) -> str:
    """`queue_heads_statement`'s text, the same for every answer in a scope: written once
    (building it cost as much as a small statement's run). Its parameters, in order
    (`queue_heads_statement` lists them): today's (`_today_sql`, from the tallies when
    `by_tally`); `available_where`'s and the bound of the learning part, then of the review
    head's; the count's (the expected fingerprint, `available_where`'s, the bound, the cap);
    the burial's (the expected fingerprint, the user, now, the day's end); the fingerprint's."""
    where = _available_sql(vendor, kind, topics)
    table, state, due = qn(_STATE), f"{qn(_STATE)}.{qn('state')}", f"{qn(_STATE)}.{qn('due')}"
    learning_where = f"{where} AND {due} <= %s"
    review_where = f"{where} AND {due} < %s AND {state} = {REVIEW:d}"
    # Each head comes with its row as the study screen shows it (`head`): the card picked
    # next is nearly always one of the two, and reading both here costs less than a statement
    # of its own for the one picked. The other parts leave those columns empty.
    pad, heads = _head_padding(), f"{_head_columns()} FROM"
    today = _today_sql(vendor, by_tally, f", NULL, {pad}")
    # The learning cards are all counted (the window's COUNT), so the set is read whole and
    # sorted: on PostgreSQL the order is an expression no index gives, or a generic plan, taking
    # LIMIT 1 at its word, walked the learner's states in due order instead of reading the
    # (user, state, due) ranges (13 ms where the ranges take 0.2, on a deck with many overdue).
    learning_order = due
    # The fingerprint is read once, not once per use: PostgreSQL merges a subquery into the
    # query around it (and computed it three times) unless told not to (OFFSET 0); SQLite runs
    # an uncorrelated scalar subquery once per statement anyway.
    fence = ""
    if vendor == "postgresql":
        learning_order = f"({due} + INTERVAL '0 seconds')"
        fence = " OFFSET 0"
    joined = (
        f" h INNER JOIN {table} s ON (s.{qn('id')} = h.{qn('id')})"
        f" INNER JOIN {qn(_CARD)} c ON (s.{qn('card_id')} = c.{qn('id')}){_card_joins()}"
    )
    parts = [
        today,
        # The soonest learning card and how many there are, from one scan: counting reads the
        # whole (small) set anyway, so the window count costs no second scan, and sorting it is
        # cheaper than planning separate lookups (PostgreSQL plans each part anew every time).
        # The set is two range scans of the (user, state, due, ...) index, one per state.
        f"SELECT 'l', h.{qn('id')}, h.n, NULL, h.{qn('due')}, NULL, {heads} (SELECT {qn('id')},"
        f" {qn('due')}, COUNT(*) OVER () AS n FROM {table}"
        f" WHERE {learning_where} AND {state} IN ({LEARNING:d}, {RELEARNING:d})"
        f" ORDER BY {learning_order} ASC, {qn('id')} ASC"
        f" LIMIT 1){joined}",
    ]
    # The most overdue review card, and how many are due: counted in due order, as they are
    # shown, which is the index's own order, so every planner walks the index (PostgreSQL would
    # otherwise scan the table until it has found the cap). The count reads only indexed
    # columns (an index-only scan once the table is vacuumed); the head needs the row's id, so
    # it is its own part rather than a window over the counted rows (which would read every
    # counted row from the table).
    parts += [
        f"SELECT 'r', h.{qn('id')}, NULL, NULL, NULL, NULL, {heads} (SELECT {qn('id')} FROM {table}"
        f" WHERE {review_where} ORDER BY {due} ASC LIMIT 1){joined}",
        # The count, unless the scope's fingerprint is still the one the caller knows it under
        # (`expected`): then -1, and the subquery is not run (a CASE arm is evaluated only when
        # chosen, on both databases). With a fresh count comes the end of the first burial
        # inside today, after which the count can change with no write at all.
        f"SELECT 'R', CASE WHEN f.fp = %s THEN -1 ELSE (SELECT COUNT(*) FROM (SELECT 1 AS one"
        f" FROM {table} WHERE {review_where} ORDER BY {due} ASC LIMIT %s) h) END, NULL, NULL,"
        f" CASE WHEN f.fp = %s THEN NULL ELSE {_burial_end_sql()} END, f.fp, {pad}"
        f" FROM (SELECT {_fingerprint_sql(vendor, kind)} AS fp{fence}) f",
    ]
    if with_decks:
        parts.append(f"SELECT 'd', NULL, NULL, NULL, NULL, {_decks_list()}, {pad}")
    return " UNION ALL ".join(parts)


def _fingerprint_sql(vendor: str, kind: str) -> str:
    """What changes whenever anything the scope's counts depend on is written: its decks'
    `DeckCounts` generations, which the database's triggers bump on every write of one of the
    learner's states in the deck and of the deck's cards (`quiz.study.queue_memo`). As text:
    for one deck (a topic's too), its row's generation, NULL without a row; for every deck, the
    learner's rows' count, generations' sum and deck ids' sum, then every deck's count and ids'
    sum (complete when the two agree: each deck has its row). Generations only grow and deck
    ids are never reused, so the text never reads the same again once anything was written.
    """
    counts = qn(DeckCounts._meta.db_table)
    if kind != "all":
        return (
            f"(SELECT CAST({qn('generation')} AS TEXT) FROM {counts}"
            f" WHERE {qn('user_id')} = %s AND {qn('deck_id')} = %s)"
        )
    return (
        f"(SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(SUM({qn('generation')}) AS TEXT) || ':'"
        f" || CAST(SUM({qn('deck_id')}) AS TEXT) FROM {counts} WHERE {qn('user_id')} = %s)"
        f" || ':' || (SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(COALESCE(SUM({qn('id')}), 0)"
        f" AS TEXT) FROM {qn(_DECK)})"
    )


def _fingerprint_args(user: AbstractBaseUser, scope: Scope) -> list[Any]:
    if scope.topic is not None:
        return [user.pk, scope.topic.deck_id]
    if scope.deck is not None:
        return [user.pk, scope.deck.pk]
    return [user.pk]


def _burial_end_sql() -> str:
    """The end of the first of the learner's burials still running and ending before today
    does (parameters: user, now, the day's end), from the small partial index of buried states.
    Burials last to the end of a study day, so normally there is none: only a changed time zone
    or day start leaves one ending inside today."""
    buried = f"{qn(_STATE)}.{qn('buried_until')}"
    return (
        f"(SELECT MIN({buried}) FROM {qn(_STATE)} WHERE {qn(_STATE)}.{qn('user_id')} = %s"
        f" AND {buried} IS NOT NULL AND {buried} > %s AND {buried} < %s)"
    )


def parse_queue_heads(rows: list[tuple[Any, ...]]) -> QueueHeads:
    """`queue_heads_statement`'s rows as `QueueHeads` (`decks` None when it read none)."""
    today = (0, 0, 0)
    learning: list[tuple[int, datetime]] = []
    learning_count = 0
    review_count: int | None = 0
    review = None
    decks: list[tuple[int, datetime | None]] | None = None
    head_rows: dict[int, tuple[Any, ...]] = {}
    fingerprint: str | None = None
    burial_end: datetime | None = None
    db = _db()
    for row in rows:
        kind, a, b, c, at, info = row[:6]
        if kind == "t":
            today = (a, b, c)
        elif kind == "l":
            learning.append((a, py_dt(at, db)))
            learning_count = b
            head_rows[a] = row[6:]
        elif kind == "r":
            review = a
            head_rows[a] = row[6:]
        elif kind == "R":
            review_count = None if a == -1 else a
            fingerprint, burial_end = info, py_dt(at, db)
        else:
            decks = _parse_decks(info, db)
    return QueueHeads(
        today=today,
        learning=learning,
        learning_count=learning_count,
        review=review,
        review_count=review_count,
        decks=decks,
        head_rows=head_rows,
        fingerprint=fingerprint,
        burial_end=burial_end,
    )


@functools.cache
def _head_columns() -> str:
    """A head's state row and its card as the study screen shows it (`load_shown_state`)."""
    return f"{columns(CardState, 's')}, {_shown_columns()}"


@functools.cache
def _head_padding() -> str:
    """As many empty columns as `_head_columns`, for the queue's parts without a row."""
    width = len(CardState._meta.concrete_fields) + len(SHOWN_CARD + SHOWN_TOPIC + SHOWN_DECK)
    return ", ".join(["NULL"] * width)


def _decks_list() -> str:
    """Every deck's id and import time, as one text value (`_parse_decks`): fifty rows cost the
    queue more to fetch and convert than the rest of its statement. PostgreSQL sorts by title
    in its own collation, as `ORDER BY title` does; SQLite (no ordered aggregates before 3.44)
    sends each title as hex, whose order is the bytes' order, which is SQLite's own (BINARY)."""
    deck, stamp = qn(_DECK), qn("imported_at")
    if connection.vendor == "postgresql":
        at = f"to_char({stamp} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        return (
            f"(SELECT string_agg({qn('id')}::text || '|' || COALESCE({at}, ''), ','"
            f" ORDER BY {qn('title')} ASC, {qn('id')} ASC) FROM {deck})"
        )
    return (
        f"(SELECT group_concat({qn('id')} || '|' || COALESCE({stamp}, '') || '|'"
        f" || hex({qn('title')}), ',') FROM {deck})"
    )


def _parse_decks(
    text: str | None, db: BaseDatabaseWrapper | None = None
) -> list[tuple[int, datetime | None]]:
    """`_decks_list`'s value as `deck_stamps` returns it: (id, imported_at) by title, then id."""
    return list(_decks_of(text or "", (db or _db()).vendor))


@functools.lru_cache(maxsize=16)
def _decks_of(text: str, vendor: str) -> tuple[tuple[int, datetime | None], ...]:
    """`_parse_decks`, remembered: the text is the same on every answer until a deck changes."""
    if not text:
        return ()
    items = [item.split("|") for item in text.split(",")]
    if vendor != "postgresql":
        items.sort(key=lambda item: (item[2], int(item[0])))
    return tuple((int(item[0]), _stamp(item[1]) if item[1] else None) for item in items)


# Past any quarter hour a review can have (a BIGINT column's range, year 10^14 or so).
_NO_QUARTER = 2**62


@functools.lru_cache(maxsize=8)
def _today_sql(vendor: str, by_tally: bool, extra: str = "") -> str:
    """The queue's 't' part, (total, new, reviews) study answers since the day's start, not
    undone; `extra` ends its columns (`vendor` keys the text: the JSON operator differs).
    Parameters: (user, first quarter, `_NO_QUARTER`) when
    `by_tally`, else (NEW, REVIEW, user, day start, "study").

    Summed from the learner's quarter-hour tallies (`ReviewTally`, kept in each answer's
    transaction and by undo) when the day starts on a quarter hour (`by_tally`), as a 4 am in
    every zone in use does: at most a day's hundred small rows of the (user, quarter) index,
    where counting the log read every one of the day's answers and parsed its `state_before`
    (the counted answers are the same: a review's quarter is at or after the day's first
    exactly when the review is at or after its start). Otherwise counted from the log, as
    `count_today` does.
    """
    if by_tally:
        reviews = " + ".join(qn(name) for name in tally.REVIEW_COUNTERS)
        return (
            f"SELECT 't' AS kind, COALESCE(SUM({qn('answers')}), 0) AS a,"
            f" COALESCE(SUM({qn(tally.NEW_CARDS)}), 0) AS b, COALESCE(SUM({reviews}), 0) AS c,"
            f" NULL AS at{extra} FROM {qn(ReviewTally._meta.db_table)}"
            # Bounded above by no real quarter: the same rows as `>=` alone, but a plan made
            # for any bounds (PostgreSQL's generic plan of the prepared queue) then expects a
            # narrow range and reads the (user, quarter) index instead of the whole table.
            f" WHERE {qn('user_id')} = %s AND {qn('quarter')} BETWEEN %s AND %s"
        )
    before_state = _before_state()
    return (
        f"SELECT 't' AS kind, COUNT(*) AS a, COUNT(CASE WHEN {before_state} = %s THEN 1 END) AS b,"
        f" COUNT(CASE WHEN {before_state} = %s THEN 1 END) AS c, NULL AS at{extra}"
        f" FROM {qn(_REVIEW)}"
        f" WHERE {qn('user_id')} = %s AND {qn('reviewed_at')} >= %s"
        f" AND NOT {qn('undone')} AND {qn('source')} = %s"
    )


@functools.lru_cache(maxsize=1024)
def _stamp(value: str) -> datetime:
    """A deck's import time as `_decks_list` sends it, as the ORM reads it (aware, UTC),
    remembered: every answer reads every deck's, and they change only when a deck is imported.
    """
    if connection.vendor == "postgresql":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return py_dt(value)


def _before_state() -> str:
    """A review's state before the answer (`state_before`'s "state") as an SQL integer."""
    if connection.vendor == "postgresql":
        return f"({qn('state_before')} ->> 'state')::integer"
    return f"JSON_EXTRACT({qn('state_before')}, '$.state')"


def count_today(*, user: AbstractBaseUser, start: datetime) -> tuple[int, int, int] | None:
    """(total, new, reviews) study answers since `start`, not undone: a range of the
    (user, reviewed_at) index. None on a backend without a JSON operator written here."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return None
    before_state = _before_state()
    ((total, new, reviews),) = fetch(
        f"SELECT COUNT(*), COUNT(CASE WHEN {before_state} = %s THEN 1 END),"
        f" COUNT(CASE WHEN {before_state} = %s THEN 1 END) FROM {qn(_REVIEW)}"
        f" WHERE {qn('user_id')} = %s AND {qn('reviewed_at')} >= %s"
        f" AND NOT {qn('undone')} AND {qn('source')} = %s",
        [NEW, REVIEW, user.pk, sql_dt(start), "study"],
    )
    return total, new, reviews


def deck_stamps() -> list[tuple[int, datetime | None]]:
    """(id, imported_at) of every deck, by title: the order new cards come in across decks."""
    return [
        (pk, py_dt(imported_at))
        for pk, imported_at in fetch(
            f"SELECT {qn('id')}, {qn('imported_at')} FROM {qn(_DECK)}"
            f" ORDER BY {qn('title')} ASC, {qn('id')} ASC",
            [],
        )
    ]


NewCardRow = tuple[int, int, int | None, bool | None, Any, int | None]


def new_card_window(**kwargs: Any) -> list[NewCardRow]:
    """The next `size` active cards of a deck in notes order, as `new_card_window_statement`
    reads them (its arguments), each (id, order, state, suspended, buried_until, version)."""
    return parse_new_card_window(fetch_planned(*new_card_window_statement(**kwargs)))


def parse_new_card_window(rows: list[tuple[Any, ...]]) -> list[NewCardRow]:
    db = _db()
    return [
        (pk, order_value, state, suspended, py_dt(buried, db), version)
        for pk, order_value, state, suspended, buried, version in rows
    ]


def new_card_window_statement(
    *,
    user: AbstractBaseUser,
    deck_id: int,
    topic_ids: tuple[int, ...] | None,
    position: int,
    after: tuple[int, int] | None,
    size: int,
) -> tuple[str, list[Any]]:
    """The next `size` active cards of a deck in notes order (from `position`, or after the
    (order, id) `after`), each with this learner's (state, suspended, buried_until, version).

    The window's ids come from a subquery with its own ORDER BY and LIMIT, so every planner reads
    them from the (deck, status, order) index before joining the states through the unique
    (user, card) index: bounded work, however many cards the deck has.
    """
    order = qn("order")
    where = f"U0.{qn('deck_id')} = %s AND U0.{qn('status')} = %s"
    params: list[Any] = [user.pk, deck_id, Card.Status.ACTIVE.value]
    if topic_ids is not None:
        where += f" AND U0.{qn('topic_id')} IN ({', '.join(['%s'] * len(topic_ids))})"
        params += topic_ids
    if after is None:
        where += f" AND U0.{order} >= %s"
        params.append(position)
    else:
        where += f" AND (U0.{order} > %s OR (U0.{order} = %s AND U0.{qn('id')} > %s))"
        params += [after[0], after[0], after[1]]
    return (
        f"SELECT c.{qn('id')}, c.{order}, mine.{qn('state')}, mine.{qn('suspended')},"
        f" mine.{qn('buried_until')}, mine.{qn('version')}"
        f" FROM {qn(_CARD)} c LEFT OUTER JOIN {qn(_STATE)} mine"
        f" ON (c.{qn('id')} = mine.{qn('card_id')} AND mine.{qn('user_id')} = %s)"
        f" WHERE c.{qn('id')} IN (SELECT U0.{qn('id')} FROM {qn(_CARD)} U0 WHERE {where}"
        # The size is written into the statement, not passed: a generic plan (PostgreSQL's,
        # prepared) that did not know it judged the window as big as the deck and joined it
        # to the cards by reading them all (28 ms for a 100,000-card deck).
        f" ORDER BY U0.{order} ASC, U0.{qn('id')} ASC LIMIT {int(size):d})"
        f" ORDER BY c.{order} ASC, c.{qn('id')} ASC",
        params,
    )


# --- exam readiness ----------------------------------------------------------------------------


def retrievability_sums(
    *, user: AbstractBaseUser, deck_ids: list[int], now: datetime, factor: float, decay: float
) -> dict[int, float]:
    """Per deck, the sum of FSRS retrievability over the learner's studied states of the deck's
    active, exam-eligible cards: R = (1 + factor * days / S) ** decay with whole elapsed days,
    as fsrs computes it (`Scheduler.get_card_retrievability`). Summed by the database: the
    exams page would otherwise read every state of every deck into Python."""
    if not deck_ids:
        return {}
    if connection.vendor == "postgresql":
        days = "GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (%s::timestamptz - s.last_review)) / 86400))"
        power = "POWER"
    else:
        # julianday() reads Django's stored text; CAST truncates (= floor when positive); pow()
        # is SQLite's own (3.35+), not Django's Python POWER.
        days = "MAX(0, CAST(julianday(%s) - julianday(s.last_review) AS INTEGER))"
        power = "pow"
    marks = ", ".join(["%s"] * len(deck_ids))
    rows = fetch(
        f"SELECT s.{qn('deck_id')}, SUM({power}(1 + %s * {days} / s.{qn('stability')}, %s))"
        f" FROM {qn(_STATE)} s INNER JOIN {qn(_CARD)} c ON c.{qn('id')} = s.{qn('card_id')}"
        f" WHERE s.{qn('user_id')} = %s AND s.{qn('deck_id')} IN ({marks})"
        f" AND c.{qn('exam_eligible')} AND c.{qn('status')} = %s AND s.{qn('state')} <> %s"
        f" AND s.{qn('stability')} > 0 AND s.{qn('last_review')} IS NOT NULL"
        f" GROUP BY s.{qn('deck_id')}",
        [factor, now if connection.vendor == "postgresql" else sql_dt(now), decay, user.pk,
         *deck_ids, Card.Status.ACTIVE.value, NEW],
    )  # fmt: skip
    return {deck_id: float(total or 0.0) for deck_id, total in rows}
