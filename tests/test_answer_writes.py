"""What an answer writes beyond its own rows (migration 0019): no index that another index
begins with, and on PostgreSQL one row trigger on the states doing what 0011's and 0016's did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from quiz.models import CardState, DeckCounts, Review, TopicStamp
from tests.factory import make_card, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
_writes = import_module("quiz.migrations.0019_leaner_answer_writes")


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: info["columns"] for name, info in constraints.items() if info["index"]}


def _state_triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger"
            " WHERE tgrelid = 'quiz_cardstate'::regclass AND NOT tgisinternal ORDER BY tgname"
        )
        return [name for (name,) in cursor.fetchall()]


def _plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        # A test's few rows fit in a page: keep PostgreSQL off the sequential read so the
        # plan shows the index it would use at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


def test_no_index_is_a_prefix_of_another_on_the_states_or_the_log() -> None:
    for table in (CardState._meta.db_table, Review._meta.db_table):
        columns = list(_indexes(table).values())
        for mine in columns:
            longer = [other for other in columns if len(other) > len(mine)]
            assert not any(other[: len(mine)] == mine for other in longer), (table, mine)
    assert "cardstate_user_due" not in _indexes(CardState._meta.db_table)
    assert "review_user_time" not in _indexes(Review._meta.db_table)


def test_a_learners_states_by_due_date_and_log_by_time_still_read_an_index(user) -> None:
    # The bench's yardstick view, and the dashboard's count of today's answers.
    plan = _plan("SELECT id FROM quiz_cardstate WHERE user_id = %s ORDER BY due LIMIT 1", [user.pk])
    assert "cardstate_user_due_open" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    plan = _plan(
        "SELECT COUNT(*) FROM quiz_review WHERE user_id = %s AND reviewed_at >= %s"
        " AND NOT undone AND source = %s",
        [user.pk, NOW, "study"],
    )
    assert "review_user_time_kind" in plan, plan


# --- the states' trigger: every kind of write, against the two triggers it replaced -----------


def _writes_to_states(user: Any, other: Any, cards: dict[str, Any]) -> list[Callable[[], Any]]:
    """Every kind of write the triggers tell apart: insert, update in place, a move to another
    topic, deck or learner, a state losing and regaining its topic, deletes."""
    a1, a2, b1 = cards["a1"], cards["a2"], cards["b1"]

    def states(card: Any, learner: Any = user) -> Any:
        return CardState.objects.filter(user=learner, card=card)

    def insert_topicless() -> None:
        # Around save(), which would take the card's topic.
        CardState.objects.bulk_create(
            [CardState(user=user, card=a2, deck=a2.deck, topic=None, due=NOW)]
        )

    return [
        lambda: CardState.objects.create(user=user, card=a1, deck=a1.deck, due=NOW),
        lambda: states(a1).update(due=NOW + timedelta(days=1), version=1),
        lambda: states(a1).update(topic=a2.topic),
        lambda: states(a1).update(deck=b1.deck, topic=b1.topic),
        lambda: states(a1).update(topic=None),
        lambda: states(a1).update(due=NOW + timedelta(days=2)),
        lambda: states(a1).update(topic=b1.topic),
        insert_topicless,
        lambda: states(a2).update(due=NOW + timedelta(days=3)),
        lambda: states(a1).update(user=other),
        lambda: states(a1, other).delete(),
        lambda: states(a2).delete(),
    ]


def _effects(writes: list[Callable[[], Any]]) -> list[tuple[Any, ...]]:
    """After each write, every stored count's generation and statistics mark and every topic
    stamp; the marks are set again between writes so each write's own show."""
    seen: list[tuple[Any, ...]] = []
    for write in writes:
        DeckCounts.objects.update(stats_computed=7)
        write()
        counts = DeckCounts.objects.order_by("user_id", "deck_id")
        stamps = TopicStamp.objects.order_by("user_id", "topic_id")
        seen.append(
            (
                list(counts.values_list("user_id", "deck_id", "generation", "stats_computed")),
                list(stamps.values_list("user_id", "topic_id", "generation")),
            )
        )
    return seen


def _learners_and_cards() -> tuple[Any, Any, dict[str, Any]]:
    user, other = make_user("writer"), make_user("other")
    deck_a, deck_b = make_deck("A"), make_deck("B")
    topics = {"a1": make_topic(deck_a, "a1"), "a2": make_topic(deck_a, "a2")}
    topics["b1"] = make_topic(deck_b, "b1")
    cards = {name: make_card(topic) for name, topic in topics.items()}
    for learner in (user, other):
        for deck in (deck_a, deck_b):
            DeckCounts.objects.create(user=learner, deck=deck)
        for topic in topics.values():
            TopicStamp.objects.create(user=learner, topic=topic)
    return user, other, cards


def _run_and_undo(writes: list[Callable[[], Any]]) -> list[tuple[Any, ...]]:
    with transaction.atomic():
        seen = _effects(writes)
        transaction.set_rollback(True)
    return seen


def test_one_trigger_on_postgresql_does_what_the_two_did() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its separate triggers")
    user, other, cards = _learners_and_cards()
    writes = _writes_to_states(user, other, cards)
    assert _state_triggers() == ["quiz_cardstate_changed"]
    merged = _run_and_undo(writes)

    # The two triggers of migrations 0011 and 0016 back, for this test's transaction only.
    with connection.schema_editor() as editor:
        _writes.split_state_triggers(None, editor)
    assert _state_triggers() == ["quiz_deckcounts_state", "quiz_topicstamp_state"]
    separate = _run_and_undo(writes)

    assert merged == separate
    # And the run did exercise both jobs: generations moved, stamps moved, a deck was marked.
    counts, stamps = merged[-1]
    assert all(generation > 0 for learner, _, generation, _ in counts if learner == user.pk)
    assert any(generation > 0 for *_, generation in stamps)
    assert any(mark == -1 for step_counts, _ in merged for *_, mark in step_counts)


def test_the_states_triggers_count_every_write_on_either_database() -> None:
    user, other, cards = _learners_and_cards()
    seen = _effects(_writes_to_states(user, other, cards))
    deck_a, deck_b = cards["a1"].deck_id, cards["b1"].deck_id
    a1, a2, b1 = (cards[name].topic_id for name in ("a1", "a2", "b1"))

    def generation(step: int, learner: Any, deck: int) -> int:
        counts, _ = seen[step]
        return next(g for u, d, g, _ in counts if (u, d) == (learner.pk, deck))

    def marked(step: int, learner: Any, deck: int) -> bool:
        counts, _ = seen[step]
        return next(m for u, d, _, m in counts if (u, d) == (learner.pk, deck)) == -1

    def stamp(step: int, learner: Any, topic: int) -> int:
        _, stamps = seen[step]
        return next(g for u, t, g in stamps if (u, t) == (learner.pk, topic))

    # Insert, then an update in place: the deck's generation and the topic's stamp, once each.
    assert (generation(0, user, deck_a), stamp(0, user, a1)) == (1, 1)
    assert (generation(1, user, deck_a), stamp(1, user, a1)) == (2, 2)
    # To another topic of the deck: the deck once, both topics.
    assert (generation(2, user, deck_a), stamp(2, user, a1), stamp(2, user, a2)) == (3, 3, 1)
    # To another deck: both decks, both topics.
    assert (generation(3, user, deck_a), generation(3, user, deck_b)) == (4, 1)
    assert (stamp(3, user, a2), stamp(3, user, b1)) == (2, 1)
    # Losing its topic, and written without one: the deck is marked whole.
    assert marked(4, user, deck_b) and stamp(4, user, b1) == 2
    assert marked(5, user, deck_b) and not marked(5, user, deck_a)
    assert marked(6, user, deck_b) and stamp(6, user, b1) == 3
    assert not marked(1, user, deck_a) and not marked(3, user, deck_b)
    # To another learner: both learners' counts and stamps.
    assert (generation(9, user, deck_b), generation(9, other, deck_b)) == (5, 1)
    assert (stamp(9, user, b1), stamp(9, other, b1)) == (4, 1)
    # Deletes.
    assert (generation(10, other, deck_b), stamp(10, other, b1)) == (2, 2)
    assert generation(11, user, deck_a) == 7 and marked(11, user, deck_a)


@pytest.mark.django_db(transaction=True)
def test_the_migration_undoes_and_redoes_cleanly() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("quiz", "0018_topic_figures")])
    states = _indexes(CardState._meta.db_table)
    assert "cardstate_user_due" in states and ["user_id"] in states.values()
    assert ["user_id"] in _indexes(Review._meta.db_table).values()
    if connection.vendor == "postgresql":
        assert _state_triggers() == ["quiz_deckcounts_state", "quiz_topicstamp_state"]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ["user_id"] not in _indexes(CardState._meta.db_table).values()
    assert ["user_id"] not in _indexes(Review._meta.db_table).values()
    if connection.vendor == "postgresql":
        assert _state_triggers() == ["quiz_cardstate_changed"]


def _all_triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
        return [name for (name,) in cursor.fetchall()]


class _Statements:
    """What the migration's trigger helpers use of a schema editor, inside a test's transaction
    (where SQLite refuses a schema editor)."""

    connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_helpers_for_a_later_table_rebuild_give_back_the_same_triggers() -> None:
    before = _all_triggers()
    _writes.drop_triggers(None, _Statements())
    dropped = _all_triggers()
    _writes.create_triggers(None, _Statements())
    assert not any("deckcounts" in name or "cardstat" in name for name in dropped)
    assert not any("topicstamp" in name for name in dropped)
    assert _all_triggers() == before
