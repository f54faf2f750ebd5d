"""The statistics page's stored per-deck card figures: exact after every kind of write, computed
again only for the decks written to, and mastery's days counted in study days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quiz import card_stats, stats, study
from quiz.models import Card, CardState, DeckCounts, StudyProfile, TopicFigures, TopicStamp
from quiz.scheduling import AGAIN, GOOD, REVIEW, Memory
from quiz.scheduling import retrievability as fsrs_retrievability
from tests.factory import answer, make_card, make_cards, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db

# 15:00 UTC; the learner's study day (UTC zone) started at 04:00.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
DAY_START = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_study_days_count_from_the_start_of_the_study_day() -> None:
    def days(when: datetime) -> int:
        return card_stats.study_days_since(when, day_start=DAY_START)

    assert days(NOW) == 0
    assert days(DAY_START) == 0  # reviewed as the day began: today
    assert days(DAY_START - timedelta(seconds=1)) == 1  # yesterday's study day
    assert days(DAY_START - timedelta(hours=24)) == 1
    assert days(DAY_START - timedelta(hours=24, seconds=1)) == 2
    assert days(DAY_START - timedelta(days=10, hours=3)) == 11


def _state(user: Any, card: Card, **fields: Any) -> CardState:
    values: dict[str, Any] = {"state": REVIEW, "stability": 10.0, "difficulty": 5.0, "due": NOW}
    values.update(fields)
    return CardState.objects.create(user=user, card=card, deck=card.deck, **values)


def test_sql_retrievability_is_fsrs_at_the_study_days_elapsed(user, topic) -> None:
    """Each card's R from SQL equals fsrs's own R evaluated that many whole days after the
    review, including reviews whose 24-hour periods and study days differ."""
    profile = study.profile_for(user)
    scheduler = study.scheduler_for(profile)
    reviews = [
        (2.0, NOW - timedelta(days=10, hours=5)),
        (30.0, NOW - timedelta(hours=12)),  # 03:00 today: before the day began, so 1 day
        (5.0, NOW - timedelta(hours=2)),  # today: 0 days, R = 1
        (0.5, NOW - timedelta(days=400)),
    ]
    for stability, last_review in reviews:
        topic_of_one = make_topic(topic.deck, f"S{stability}")
        _state(user, make_card(topic_of_one), stability=stability, last_review=last_review)

    mastery = stats.topic_mastery(user=user, now=NOW, profile=profile, limit=10)

    found = {t.title: t.mastery for t in mastery.weakest}
    for stability, last_review in reviews:
        days = card_stats.study_days_since(last_review, day_start=DAY_START)
        at = last_review + timedelta(days=days)
        memory = Memory(state=REVIEW, stability=stability, last_review=last_review, due=NOW)
        expected = fsrs_retrievability(memory, now=at, scheduler=scheduler)
        assert found[f"S{stability}"] == pytest.approx(expected, rel=1e-9)
    assert found["S5.0"] == pytest.approx(1.0)
    assert found["S30.0"] < 1.0


def _fresh(user: Any, now: datetime) -> stats.Cards:
    """The figures computed from scratch, nothing stored read."""
    profile = study.profile_for(user)
    scheduler = study.scheduler_for(profile)
    tz = study.zone(profile.timezone)
    today = now.astimezone(tz).date()
    start, _end = study.day_bounds(now=now, timezone=profile.timezone)
    decks = card_stats.compute(
        user=user,
        deck_ids=None,
        day_start=start,
        factor=scheduler._FACTOR,
        decay=scheduler._DECAY,
        bounds=card_stats.forecast_bounds(today=today, tz=tz),
    )
    stored = {deck_id: card_stats.StoredFigures.of(figures) for deck_id, figures in decks.items()}
    return stats._cards(stored, limit=stats.MASTERY_TOPICS), stats._forecast(stored, today)


def _stored(user: Any, now: datetime) -> tuple[stats.Cards, list[Any]]:
    view = stats.overview(user=user, now=now)
    return stats.Cards(counts=view.counts, mastery=view.mastery), view.forecast


def _computed_at(user: Any) -> dict[int, tuple[int, datetime]]:
    """Per deck, the generation and the day its stored figures were computed at."""
    rows = DeckCounts.objects.filter(user=user)
    return {row.deck_id: (row.stats_computed, row.stats_valid_until) for row in rows}


def test_stored_figures_follow_every_kind_of_write_and_recompute_only_that_deck(user) -> None:
    first, second = make_deck("First"), make_deck("Second")
    a, b = make_topic(first, "A"), make_topic(second, "B")
    a_cards, b_cards = make_cards(a, 6), make_cards(b, 6)
    now = NOW
    for card in a_cards[:3] + b_cards[:3]:
        answer(user, card, GOOD, now=now - timedelta(days=3))
    other = make_user("other")

    assert _stored(user, now) == _fresh(user, now)
    before = _computed_at(user)

    # Another learner's answers leave this learner's figures alone.
    answer(other, a_cards[0], AGAIN, now=now)
    assert _stored(user, now) == _fresh(user, now)
    assert _computed_at(user) == before

    writes = [
        lambda: answer(user, a_cards[4], GOOD, now=now),  # a new card studied
        lambda: answer(user, a_cards[0], AGAIN, now=now),  # a lapse
        lambda: study.suspend_card(
            user=user, card=a_cards[1], version=_version(user, a_cards[1]), now=now
        ),
        lambda: Card.objects.filter(pk=a_cards[2].pk).update(status=Card.Status.RETIRED),
        lambda: make_card(a),  # a new card in the deck
        lambda: CardState.objects.filter(user=user, card=a_cards[0]).update(is_leech=True),
    ]
    for write in writes:
        write()
        assert _stored(user, now) == _fresh(user, now)
        after = _computed_at(user)
        # Only the deck written to was computed again.
        assert after[second.pk] == before[second.pk]
        assert after[first.pk] != before[first.pk]
        before = after

    # A card moved into the other deck's topic: both decks change.
    Card.objects.filter(pk=a_cards[3].pk).update(topic=b, deck=second)
    CardState.sync_topics([a_cards[3].pk])
    assert _stored(user, now) == _fresh(user, now)


def _version(user: Any, card: Card) -> int:
    return CardState.objects.get(user=user, card=card).version


def test_a_new_study_day_a_new_zone_or_new_parameters_compute_everything_again(user, topic) -> None:
    for card in make_cards(topic, 3):
        answer(user, card, GOOD, now=NOW - timedelta(days=2))
    first = _stored(user, NOW)
    computed = _computed_at(user)
    assert _stored(user, NOW + timedelta(hours=8)) == first  # 23:00: the same day
    assert _computed_at(user) == computed
    # 03:00 tomorrow: the same study day (mastery's) but the forecast's calendar day is new.
    assert _stored(user, NOW + timedelta(hours=12)) == _fresh(user, NOW + timedelta(hours=12))
    assert _computed_at(user) != computed

    # 05:00 tomorrow: a new study day, so a new day for mastery.
    tomorrow = NOW + timedelta(hours=14)
    assert _stored(user, tomorrow) == _fresh(user, tomorrow)
    assert _stored(user, tomorrow)[0].mastery != first[0].mastery
    assert DeckCounts.objects.get(user=user).stats_valid_until > tomorrow

    profile = StudyProfile.objects.get(user=user)
    profile.timezone = "Asia/Tokyo"
    profile.save()
    key_before = DeckCounts.objects.get(user=user).stats_key
    assert _stored(user, tomorrow) == _fresh(user, tomorrow)
    assert DeckCounts.objects.get(user=user).stats_key != key_before

    profile.fsrs_parameters = _other_parameters()
    profile.save()
    assert _stored(user, tomorrow) == _fresh(user, tomorrow)
    assert "Asia/Tokyo" in DeckCounts.objects.get(user=user).stats_key


def _other_parameters() -> list[float]:
    """FSRS-6's defaults with a slower forgetting curve (a different decay)."""
    import fsrs

    parameters = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    parameters[20] = 0.3
    return parameters


def test_a_write_while_a_deck_is_computed_is_not_lost(user, topic, monkeypatch) -> None:
    cards = make_cards(topic, 4)
    answer(user, cards[0], GOOD, now=NOW)
    compute = card_stats.compute

    def racing(**kwargs: Any) -> dict[int, card_stats.DeckFigures]:
        result = compute(**kwargs)
        # An answer lands after the states were read but before the figures are stored.
        answer(user, cards[1], GOOD, now=NOW)
        return result

    monkeypatch.setattr(card_stats, "compute", racing)
    stats.overview(user=user, now=NOW)
    monkeypatch.setattr(card_stats, "compute", compute)

    row = DeckCounts.objects.get(user=user)
    assert row.stats_computed != row.generation  # stored as already out of date
    assert _stored(user, NOW) == _fresh(user, NOW)
    assert _stored(user, NOW)[0].counts.learning + _stored(user, NOW)[0].counts.review == 2


@pytest.mark.django_db(transaction=True)
def test_the_rebuilt_due_index_gets_planner_statistics_where_sqlite_keeps_them() -> None:
    """An install that once ran ANALYZE keeps statistics for every index; the migration that
    rebuilds (user, deck, due) gives it its own, or SQLite would take the statistics-less index
    for a learner's states in due order and sort them all."""
    if connection.vendor != "sqlite":
        pytest.skip("planner statistics per index are SQLite's")
    before, after = ("quiz", "0014_exam_domain_scores"), ("quiz", "0015_deck_stats")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    learner = old.get_model("auth", "User").objects.create(username="analysed")
    deck = old.get_model("quiz", "Deck").objects.create(title="D", slug="d", source_path="/d.md")
    topic = old.get_model("quiz", "Topic").objects.create(
        deck=deck, title="T", path="T", level=1, order=0
    )
    card_model, state_model = old.get_model("quiz", "Card"), old.get_model("quiz", "CardState")
    for n in range(40):
        card = card_model.objects.create(deck=deck, topic=topic, key=f"k{n}", order=n)
        state_model.objects.create(
            user=learner, card=card, deck=deck, topic=topic, due=NOW + timedelta(hours=n)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    executor = MigrationExecutor(connection)
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'cardstate_user_deck_due'")
        assert cursor.fetchone() is not None
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM quiz_cardstate WHERE user_id = %s"
            " ORDER BY due LIMIT 1",
            [learner.pk],
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "TEMP B-TREE" not in plan, plan


def test_a_deck_written_to_redoes_only_the_topics_whose_states_were_written(
    user, monkeypatch
) -> None:
    deck = make_deck("One big deck")
    a, b, c = (make_topic(deck, title) for title in ("A", "B", "C"))
    cards = {topic.title: make_cards(topic, 4) for topic in (a, b, c)}
    for topic_cards in cards.values():
        answer(user, topic_cards[0], GOOD, now=NOW - timedelta(days=3))
    assert _stored(user, NOW) == _fresh(user, NOW)
    calls: list[list[int] | None] = []
    compute = card_stats.compute

    def recording(**kwargs: Any) -> dict[int, card_stats.DeckFigures]:
        calls.append(None if kwargs.get("topic_ids") is None else sorted(kwargs["topic_ids"]))
        return compute(**kwargs)

    def redone() -> list[list[int] | None]:
        """What the page computed again on its visit; then its figures against a fresh count."""
        calls.clear()
        monkeypatch.setattr(card_stats, "compute", recording)
        stored = _stored(user, NOW)
        monkeypatch.setattr(card_stats, "compute", compute)
        assert stored == _fresh(user, NOW)
        return list(calls)

    answer(user, cards["B"][1], GOOD, now=NOW)  # a new card studied in B
    assert redone() == [[b.pk]]

    state = CardState.objects.get(user=user, card=cards["A"][0])
    study.suspend_card(user=user, card=cards["A"][0], version=state.version, now=NOW)
    CardState.objects.filter(user=user, card=cards["C"][0]).update(is_leech=True)
    assert redone() == [sorted([a.pk, c.pk])]
    assert redone() == []  # nothing written since

    # A card moved to another topic changes the deck for every learner: redone whole; its
    # state following it then moves both topics' stamps.
    Card.objects.filter(pk=cards["C"][0].pk).update(topic=a)
    assert redone() == [None]
    CardState.sync_topics([cards["C"][0].pk])
    assert redone() == [sorted([a.pk, c.pk])]

    # A state without its topic cannot say which topic changed: the deck is redone whole.
    CardState.objects.filter(user=user, card=cards["B"][0]).update(topic=None)
    assert redone() == [None]


def test_topic_stamps_move_with_every_write_to_the_learners_states(user, topic) -> None:
    other_topic = make_topic(topic.deck, "Other")
    card = make_card(topic)
    stats.overview(user=user, now=NOW)  # the page creates the stamps it reads
    stamp = TopicStamp.objects.get(user=user, topic=topic)
    assert stamp.generation == 0
    answer(user, card, GOOD, now=NOW)  # the state's INSERT and its answer
    answer(user, card, AGAIN, now=NOW + timedelta(minutes=1))
    stamp.refresh_from_db()
    assert stamp.generation >= 2
    before = stamp.generation
    answer(make_user("someone"), card, GOOD, now=NOW)  # another learner's state
    stamp.refresh_from_db()
    assert stamp.generation == before
    CardState.objects.filter(user=user, card=card).update(topic=other_topic)
    stamp.refresh_from_db()
    assert stamp.generation == before + 1
    assert TopicStamp.objects.get(user=user, topic=other_topic).generation == 1
    CardState.objects.filter(user=user, card=card).delete()
    assert TopicStamp.objects.get(user=user, topic=other_topic).generation == 2


def _assert_decks_sum_their_topic_rows(user: Any) -> None:
    """Each deck's stored sums are its topics' rows summed: what adjusting them relies on."""
    for row in DeckCounts.objects.filter(user=user):
        topics = TopicFigures.objects.filter(user=user, topic__deck_id=row.deck_id)
        totals = [0] * card_stats.R_SUM
        forecast = [0] * card_stats.FORECAST_DAYS
        studied = 0
        for topic in topics:
            totals = [a + b for a, b in zip(totals, topic.figures, strict=False)]
            forecast = [a + b for a, b in zip(forecast, topic.forecast, strict=True)]
            studied += topic.figures[card_stats.STUDIED] > 0 and topic.figures[card_stats.CARDS] > 0
        assert row.stats["totals"] == totals
        assert row.stats["forecast"] == forecast
        assert row.stats["studied_topics"] == studied


def test_a_big_deck_keeps_only_its_weakest_topics_exact_as_they_change(user, monkeypatch) -> None:
    """A deck with more studied topics than it keeps: the stored list is short, and answers that
    lift its weakest topics out of it, or drop a strong one into it, keep the page exact; when
    too few remain the deck's rows fill it again."""
    deck = make_deck("Many topics")
    topics = [make_topic(deck, f"T{i:02}") for i in range(card_stats.WEAKEST_KEPT + 12)]
    cards = {}
    for i, topic in enumerate(topics):
        cards[topic.pk] = make_cards(topic, 2)
        for card in cards[topic.pk]:
            # Weaker the lower i: a shorter stability, the same days since the review.
            _state(user, card, stability=1.0 + i, last_review=NOW - timedelta(days=10))
    assert _stored(user, NOW) == _fresh(user, NOW)
    stored = DeckCounts.objects.get(user=user, deck=deck).stats
    assert stored["studied_topics"] == len(topics)
    assert len(stored["mastery"]) == card_stats.WEAKEST_KEPT
    _assert_decks_sum_their_topic_rows(user)

    refills = []
    deck_mastery = card_stats._deck_mastery

    def counting(**kwargs: Any) -> list[list[Any]]:
        refills.append(kwargs["deck_id"])
        return deck_mastery(**kwargs)

    monkeypatch.setattr(card_stats, "_deck_mastery", counting)
    # Answered Good today, a card's R is 1: each of the weakest topics in turn leaves the list
    # (halfway there after its first card).
    for topic in topics[: card_stats.WEAKEST_KEPT - card_stats.MASTERY_TOPICS + 2]:
        for card in cards[topic.pk]:
            answer(user, card, GOOD, now=NOW)
            assert _stored(user, NOW) == _fresh(user, NOW)
    assert refills == [deck.pk]
    # A strong topic's card forgotten: the topic joins the weakest.
    strongest = topics[-1]
    for card in cards[strongest.pk]:
        CardState.objects.filter(user=user, card=card).update(
            last_review=NOW - timedelta(days=400), stability=0.5
        )
    assert _stored(user, NOW) == _fresh(user, NOW)
    weakest = stats.topic_mastery(user=user, now=NOW, profile=study.profile_for(user)).weakest
    assert weakest[0].topic_id == strongest.pk
    # No longer studied at all (its states deleted): it leaves the count too.
    CardState.objects.filter(user=user, card__topic=strongest).delete()
    assert _stored(user, NOW) == _fresh(user, NOW)
    assert DeckCounts.objects.get(user=user, deck=deck).stats["studied_topics"] == len(topics) - 1
    _assert_decks_sum_their_topic_rows(user)


def test_the_forecast_is_adjusted_by_the_topics_redone(user, monkeypatch) -> None:
    """Each topic keeps its own due counts per day; redoing a topic moves its cards between the
    deck's days exactly, states without their topic (counted under their card's) included."""
    deck = make_deck("Forecast")
    a, b = make_topic(deck, "A"), make_topic(deck, "B")
    dues = [
        NOW - timedelta(days=3),  # overdue: today
        NOW + timedelta(hours=2),
        NOW + timedelta(days=1),
        NOW + timedelta(days=6, hours=5),
        NOW + timedelta(days=29),
        NOW + timedelta(days=45),  # beyond the forecast
    ]
    for topic in (a, b):
        for due in dues:
            _state(user, make_card(topic), due=due, last_review=NOW - timedelta(days=2))
    suspended = make_card(a)
    _state(user, suspended, due=NOW + timedelta(days=2), suspended=True)
    orphan = make_card(a)
    _state(user, orphan, due=NOW + timedelta(days=4), last_review=NOW - timedelta(days=1))
    # A state written without its topic: counted under its card's topic, A.
    CardState.objects.filter(user=user, card=orphan).update(topic=None)
    assert _stored(user, NOW) == _fresh(user, NOW)
    _assert_decks_sum_their_topic_rows(user)

    calls: list[Any] = []
    compute = card_stats.compute

    def recording(**kwargs: Any) -> dict[int, card_stats.DeckFigures]:
        calls.append(kwargs.get("topic_ids"))
        return compute(**kwargs)

    monkeypatch.setattr(card_stats, "compute", recording)
    first_a = CardState.objects.filter(user=user, topic=a).order_by("due").first()
    answer(user, first_a.card, AGAIN, now=NOW)  # an overdue card relearned: due in minutes
    study.suspend_card(user=user, card=suspended, version=_version(user, suspended), now=NOW)
    CardState.objects.filter(user=user, card__topic=b, due__gt=NOW + timedelta(days=40)).update(
        due=NOW + timedelta(days=3)
    )
    stored = _stored(user, NOW)
    monkeypatch.setattr(card_stats, "compute", compute)
    assert stored == _fresh(user, NOW)
    assert [sorted(c) if c else c for c in calls] == [sorted([a.pk, b.pk])]
    _assert_decks_sum_their_topic_rows(user)
    row = TopicFigures.objects.get(user=user, topic=a)
    # The orphan's day (the fifth) is A's.
    assert row.forecast[4] >= 1


def test_a_visit_that_finds_the_deck_stored_meanwhile_computes_it_whole(
    user, topic, monkeypatch
) -> None:
    """Adjusting a deck's sums needs the topic rows those sums were made of: if another visit
    stored the deck between reading them, this one computes the deck whole and stores
    nothing wrong."""
    cards = make_cards(topic, 3)
    for card in cards:
        answer(user, card, GOOD, now=NOW - timedelta(days=2))
    assert _stored(user, NOW) == _fresh(user, NOW)
    answer(user, cards[0], AGAIN, now=NOW)
    changed_topics = card_stats._changed_topics
    calls: list[Any] = []
    compute = card_stats.compute

    def racing(**kwargs: Any) -> list[tuple[Any, ...]]:
        monkeypatch.setattr(card_stats, "_changed_topics", changed_topics)
        stats.overview(user=user, now=NOW)  # another visit stores the deck first
        monkeypatch.setattr(card_stats, "compute", recording)
        return changed_topics(**kwargs)

    def recording(**kwargs: Any) -> dict[int, card_stats.DeckFigures]:
        calls.append(kwargs.get("topic_ids"))
        return compute(**kwargs)

    monkeypatch.setattr(card_stats, "_changed_topics", racing)
    shown = stats.overview(user=user, now=NOW)
    monkeypatch.setattr(card_stats, "compute", compute)
    assert calls == [None]  # the deck computed whole
    assert (stats.Cards(counts=shown.counts, mastery=shown.mastery), shown.forecast) == _fresh(
        user, NOW
    )
    assert _stored(user, NOW) == _fresh(user, NOW)
    _assert_decks_sum_their_topic_rows(user)


@pytest.mark.django_db(transaction=True)
def test_the_topic_rows_migration_has_every_deck_computed_whole_once() -> None:
    """Figures stored before the per-topic rows existed have no rows to adjust from: the
    migration marks them for computing whole, and the triggers it drops and creates around
    the column it removes still follow writes."""
    before, after = ("quiz", "0017_tally_new_cards"), ("quiz", "0018_topic_figures")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    learner = old.get_model("auth", "User").objects.create(username="upgraded")
    deck = old.get_model("quiz", "Deck").objects.create(title="D", slug="d", source_path="/d.md")
    topic = old.get_model("quiz", "Topic").objects.create(
        deck=deck, title="T", path="T", level=1, order=0
    )
    card = old.get_model("quiz", "Card").objects.create(deck=deck, topic=topic, key="k", order=0)
    old.get_model("quiz", "DeckCounts").objects.create(
        user=learner, deck=deck, generation=3, stats_computed=3, stats_topics={"topics": {}}
    )

    executor = MigrationExecutor(connection)
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    row = DeckCounts.objects.get(user_id=learner.pk)
    assert row.stats_computed == -1
    CardState.objects.create(user_id=learner.pk, card_id=card.pk, deck_id=deck.pk, due=NOW)
    row.refresh_from_db()
    assert row.generation == 4
    user = get_user_model().objects.get(pk=learner.pk)
    assert _stored(user, NOW) == _fresh(user, NOW)
    assert TopicFigures.objects.filter(user_id=learner.pk, topic_id=topic.pk).exists()
