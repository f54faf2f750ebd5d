"""The question generator on plain data: no database."""

from __future__ import annotations

import random

from quiz import questions
from quiz.questions import (
    ANSWER,
    CHOOSE_TWO,
    DEFINITION,
    NOT_ONE_OF,
    ONE_OF,
    TERM,
    QuestionMaker,
    SourceCard,
    SourceTopic,
    available_count,
    make_questions,
    near_same,
    plain_text,
)

ROOT = SourceTopic(1, None, "Streaming")
WINDOWS = SourceTopic(2, 1, "Windows")
SHARDS = SourceTopic(3, 1, "Shards")
OTHER = SourceTopic(4, None, "Storage")
TOPICS = [ROOT, WINDOWS, SHARDS, OTHER]


def definition(card_id: int, term: str, text: str, topic: int = 2) -> SourceCard:
    return SourceCard(card_id, topic, "definition", f"{term}?", text, term=term)


def qa(card_id: int, prompt: str, answer: str, topic: int = 3) -> SourceCard:
    return SourceCard(card_id, topic, "qa", prompt, answer)


def listing(card_id: int, prompt: str, items: list[str], topic: int = 3) -> SourceCard:
    return SourceCard(
        card_id, topic, "list", prompt, "\n".join(f"- {i}" for i in items), tuple(items)
    )


WINDOW_DEFS = [
    definition(10, "Tumbling", "Fixed size and non-overlapping windows"),
    definition(11, "Sliding", "Continuous aggregation over a fixed interval"),
    definition(12, "Stagger", "Keyed windows that open as data arrives"),
    definition(13, "Session", "Windows separated by a gap of inactivity"),
]


def test_definition_card_gives_both_directions_with_three_distractors() -> None:
    maker = QuestionMaker(WINDOW_DEFS, TOPICS)
    assert maker.kinds_for(WINDOW_DEFS[0]) == [TERM, DEFINITION]

    q = maker.build(WINDOW_DEFS[0], TERM, random.Random(1))
    assert q is not None
    assert len(q.options) == 4 and len(q.correct) == 1
    assert q.options[q.correct[0]] == "Tumbling"
    assert set(q.options) == {"Tumbling", "Sliding", "Stagger", "Session"}
    assert "Fixed size and non-overlapping" in q.stem

    q = maker.build(WINDOW_DEFS[0], DEFINITION, random.Random(1))
    assert q is not None
    assert q.options[q.correct[0]] == "Fixed size and non-overlapping windows"
    assert "Tumbling" in q.stem


def test_term_is_masked_in_its_own_definition() -> None:
    cards = [definition(20, "Pump", "A pump moves rows between streams"), *WINDOW_DEFS]
    q = make_questions(cards, TOPICS, count=5, seed=3)
    for question in q:
        if question.card_id == 20 and question.kind == TERM:
            assert "pump" not in question.stem.lower()


def test_too_few_distractors_gives_no_question() -> None:
    cards = WINDOW_DEFS[:3]  # only two other terms
    assert make_questions(cards, TOPICS, count=10, seed=1) == []
    assert available_count(cards, TOPICS) == 0


def test_near_duplicate_distractors_are_dropped() -> None:
    cards = [
        *WINDOW_DEFS[:3],
        # "Tumbling." and "tumbling" are the same answer as card 10's: never a distractor for it.
        definition(14, "Tumbling.", "A different wording of tumbling windows"),
        definition(15, "tumbling", "Yet another wording"),
    ]
    maker = QuestionMaker(cards, TOPICS)
    assert TERM not in maker.kinds_for(cards[0])  # Sliding, Stagger: only two distinct others


def test_same_term_elsewhere_is_not_a_distractor_definition() -> None:
    cards = [
        *WINDOW_DEFS,
        # Another card defining "Tumbling": its definition is also correct for "Tumbling".
        definition(16, "Tumbling", "Windows that never overlap and have a fixed size", topic=3),
    ]

    maker = QuestionMaker(cards, TOPICS)
    for seed in range(30):
        q = maker.build(cards[0], DEFINITION, random.Random(seed))
        assert q is not None
        assert "Windows that never overlap and have a fixed size" not in q.options


def test_distractors_come_from_the_nearest_topics_first() -> None:
    far = [definition(30 + i, f"Far{i}", f"Far definition number {i}", topic=4) for i in range(5)]
    cards = [*WINDOW_DEFS, *far]
    for seed in range(20):
        q = make_questions(cards, TOPICS, count=20, seed=seed)
        for question in q:
            if question.card_id == 10 and question.kind == TERM:
                assert not any(o.startswith("Far") for o in question.options)


def test_short_qa_answers_give_pick_the_right_answer() -> None:
    cards = [
        qa(40, "Max record size in a shard?", "1 MB"),
        qa(41, "Shard write throughput?", "1,000 records per second"),
        qa(42, "Shard read throughput?", "2 MB per second"),
        qa(43, "Default retention?", "24 hours"),
        qa(44, "Why streams?", "x" * 121),  # long answer: no question, and not a distractor
    ]
    maker = QuestionMaker(cards, TOPICS)
    assert maker.kinds_for(cards[0]) == [ANSWER]
    assert maker.kinds_for(cards[4]) == []
    questions = make_questions(cards, TOPICS, count=10, seed=2)
    assert len(questions) == 4
    for q in questions:
        assert "x" * 121 not in q.options


def test_list_cards_give_one_of_not_one_of_and_choose_two() -> None:
    cards = [
        listing(50, "KPL batching types", ["Aggregation", "Collection"]),
        listing(51, "Window types", ["Tumbling", "Sliding", "Stagger"]),
        listing(52, "Storage classes", ["Standard", "Glacier", "Intelligent tiering"]),
    ]
    maker = QuestionMaker(cards, TOPICS)
    assert maker.kinds_for(cards[0]) == [ONE_OF, CHOOSE_TWO]  # two items: no NOT question
    assert maker.kinds_for(cards[1]) == [ONE_OF, NOT_ONE_OF, CHOOSE_TWO]

    q = maker.build(cards[0], CHOOSE_TWO, random.Random(5))
    assert q is not None
    assert len(q.options) == 5 and len(q.correct) == 2
    assert {q.options[i] for i in q.correct} == {"Aggregation", "Collection"}

    q = maker.build(cards[1], NOT_ONE_OF, random.Random(5))
    assert q is not None
    assert q.options[q.correct[0]] not in {"Tumbling", "Sliding", "Stagger"}
    assert {o for i, o in enumerate(q.options) if i not in q.correct} == {
        "Tumbling",
        "Sliding",
        "Stagger",
    }


def test_an_item_of_the_same_list_is_never_a_distractor() -> None:
    cards = [
        listing(60, "Window types", ["Tumbling", "Sliding", "Stagger"]),
        # Another list repeating "Sliding": it would also be a right answer to card 60.
        listing(61, "Query kinds", ["sliding", "Continuous", "Windowed", "Pumps"]),
    ]

    maker = QuestionMaker(cards, TOPICS)
    for seed in range(30):
        q = maker.build(cards[0], ONE_OF, random.Random(seed))
        assert q is not None
        wrong = [o for i, o in enumerate(q.options) if i not in q.correct]
        assert "sliding" not in wrong


def test_same_seed_same_exam_and_different_seed_differs() -> None:
    cards = [
        *WINDOW_DEFS,
        *[qa(70 + i, f"How many shards for case {i}?", f"{i + 1} shards") for i in range(8)],
    ]
    a = make_questions(cards, TOPICS, count=6, seed=42)
    b = make_questions(list(reversed(cards)), TOPICS, count=6, seed=42)
    assert a == b
    assert len({q.card_id for q in a}) == 6  # no repeats
    assert any(make_questions(cards, TOPICS, count=6, seed=s) != a for s in range(1, 5))


def test_options_are_shuffled() -> None:
    cards = [*WINDOW_DEFS, definition(17, "Hopping", "Overlapping windows with a hop size")]
    positions = {
        q.correct[0]
        for seed in range(40)
        for q in make_questions(cards, TOPICS, count=5, seed=seed)
    }
    assert positions == {0, 1, 2, 3}


def test_only_topics_limits_the_asked_cards_but_not_the_pool() -> None:
    cards = [
        definition(80, "Alpha", "First letter", topic=3),
        definition(81, "Beta", "Second letter", topic=2),
        definition(82, "Gamma", "Third letter", topic=2),
        definition(83, "Delta", "Fourth letter", topic=2),
    ]
    questions = make_questions(cards, TOPICS, count=5, seed=1, only_topics=[3])
    assert [q.card_id for q in questions] == [80]


def test_plain_text_strips_markdown() -> None:
    assert plain_text("**Bold** and _em_ with `code` and [a link](http://x)") == (
        "Bold and em with code and a link"
    )
    assert plain_text("- item\n  continued <b>x</b>") == "item continued x"


def test_near_same_ignores_case_punctuation_and_tiny_typos() -> None:
    assert near_same("Tumbling windows", "tumbling windows.")
    assert near_same("Kinesis Data Streams", "Kinesis Data Stream")
    assert not near_same("Tumbling", "Sliding")
    assert not near_same("1,000 records per second", "2,000 records per second")


def test_distractors_of_implausible_length_are_not_used() -> None:
    long_items = [
        f"A long sentence number {i} that no one would take for a single word" for i in range(5)
    ]
    cards = [
        listing(90, "Recall: The Vs of big data (3 items)", ["Velocity", "Volume", "Variety"]),
        listing(91, "Long things", long_items),
    ]
    maker = QuestionMaker(cards, TOPICS)
    assert ONE_OF not in maker.kinds_for(cards[0])
    cards.append(listing(92, "Short things", ["Shard", "Stream", "Record", "Pump"]))
    q = QuestionMaker(cards, TOPICS).build(cards[0], ONE_OF, random.Random(3))
    assert q is not None
    assert all("long sentence" not in o for o in q.options)
    assert q.stem == "Which of these is one of “The Vs of big data”?"


def test_exercise_card_gives_its_engine_computed_question() -> None:
    from quiz.questions import EXERCISE
    from quiz.sims.exercises import make_exercise

    exercise = make_exercise("kpl", 3)
    card = SourceCard(
        50,
        2,
        "exercise",
        exercise.prompt,
        exercise.answer,
        items=tuple(exercise.options),
        correct_index=exercise.correct_index,
    )

    (question,) = make_questions([card], TOPICS, count=5, seed=9)

    assert question.kind == EXERCISE
    assert question.stem == exercise.prompt
    assert sorted(question.options) == sorted(exercise.options)
    assert [question.options[i] for i in question.correct] == [
        exercise.options[exercise.correct_index]
    ]


def test_exercise_card_without_an_answer_key_gives_no_question() -> None:
    card = SourceCard(51, 2, "exercise", "How many?", "3", items=("1", "2", "3", "4"))
    assert make_questions([card], TOPICS, count=5, seed=1) == []


def test_a_rationale_is_cut_from_the_option_and_kept_for_its_explanation() -> None:
    cards = [
        qa(
            30,
            "Occasional SQL on S3, pay per query?",
            "Athena\n\n* Why: serverless, priced by scan",
        ),
        qa(31, "Dashboards for business users?", "QuickSight"),
        qa(32, "Heavy custom Spark processing?", "EMR\n* Why: full control of the cluster"),
        qa(33, "Scheduled ETL with little code?", "Glue"),
    ]
    maker = QuestionMaker(cards, TOPICS)
    question = maker.build(cards[0], ANSWER, random.Random(1))
    assert question is not None
    assert sorted(question.options) == ["Athena", "EMR", "Glue", "QuickSight"]
    why = dict(zip(question.options, question.option_explanations, strict=True))
    assert why["Athena"].right and "Why: serverless, priced by scan" in why["Athena"].text
    assert why["EMR"].text == (
        "This answers another question in your notes: “Heavy custom Spark processing?”"
    )
    assert why["EMR"].card_id == 32 and why["EMR"].topic_id == 3
    plain = maker.build(cards[1], ANSWER, random.Random(1))
    right = plain.option_explanations[plain.correct[0]]
    assert right.text == "Right: this is the answer in your notes."


# --- scale: the eligibility check after an import -------------------------------------------

_WORDS = [
    "stream", "shard", "record", "window", "key", "batch", "buffer", "latency", "partition",
    "consumer", "producer", "checkpoint", "lease", "table", "index", "replica", "region",
    "bucket", "object", "policy", "role", "queue", "topic",
]  # fmt: skip


def _big_bank(n: int, seed: int = 1) -> tuple[list[SourceCard], list[SourceTopic]]:
    """`n` cards of every kind over a three-level tree of 45 topics, with answers of every
    length and form, so some candidates are turned down and the walk goes past the first."""
    rng = random.Random(seed)
    topics = [SourceTopic(1, None, "Root")]
    for d in range(4):
        topics.append(SourceTopic(10 + d, 1, f"Domain {d}"))
        topics += [SourceTopic(100 + d * 10 + s, 10 + d, f"Section {d}.{s}") for s in range(10)]
    leaves = [t.id for t in topics if t.id >= 100]

    def words(k: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(k))

    cards: list[SourceCard] = []
    for i in range(n):
        topic = leaves[i * len(leaves) // n]
        if i % 5 == 0:
            term = f"{rng.choice(_WORDS)} {i}"
            cards.append(definition(i + 1, term, f"{words(8)} {i}", topic=topic))
        elif i % 5 == 1:
            items = [f"{words(2)} {i} {j}" for j in range(4)]
            cards.append(listing(i + 1, f"Recall: things {i} (4 items)", items, topic=topic))
        else:
            prompt = f"What is {i} {rng.choice(_WORDS)}?"
            cards.append(qa(i + 1, prompt, f"{words(rng.randint(1, 9))} {i}", topic=topic))
    return cards, topics


class _EveryCandidatePool(questions._Pool):
    """The pool as the generator first walked it: every card's check copied the whole pool and
    worked out the distance of every candidate (quadratic in the deck). The reference."""

    def tiers(self, home, *, exclude_card):
        by_distance: dict = {}
        for candidate in self.candidates:
            if candidate.card_id != exclude_card:
                distance = self.bank.distance(home, candidate.topic_id)
                by_distance.setdefault(distance, []).append(candidate)
        return [by_distance[d] for d in sorted(by_distance)]


def test_the_walked_pool_gives_what_walking_every_candidate_gave(monkeypatch) -> None:
    cards, topics = _big_bank(250)
    eligible = QuestionMaker(cards, topics).eligible()
    drawn = [make_questions(cards, topics, count=40, seed=seed) for seed in range(3)]
    monkeypatch.setattr(questions, "_Pool", _EveryCandidatePool)
    assert QuestionMaker(cards, topics).eligible() == eligible
    assert [make_questions(cards, topics, count=40, seed=seed) for seed in range(3)] == drawn
    assert len(eligible) > 200 and all(len(q) == 40 for q in drawn)


def test_eligibility_over_a_big_deck_is_near_linear(monkeypatch) -> None:
    """4,000 cards took the first generator about 15 s: every card's check measured the
    distance of every candidate (16 million distances). Counted, not timed."""
    calls = {"distance": 0, "near_same": 0}
    distance, near = questions._Bank.distance, questions.near_same

    def counted_distance(self, home, other):
        calls["distance"] += 1
        return distance(self, home, other)

    def counted_near_same(a, b):
        calls["near_same"] += 1
        return near(a, b)

    monkeypatch.setattr(questions._Bank, "distance", counted_distance)
    monkeypatch.setattr(questions, "near_same", counted_near_same)
    cards, topics = _big_bank(4000)
    assert available_count(cards, topics) == 4000
    # Per pool, each home topic's distance to each topic once: 4 pools x 40 x 40.
    assert calls["distance"] <= 4 * 45 * 45
    assert calls["near_same"] <= 40 * len(cards)


def test_list_questions_name_the_list_not_the_cards_instruction() -> None:
    from quiz.questions import QuestionMaker as Maker

    prompts = {
        "Name the 3 key points of **When to prefer MSK** (Apache Kafka).": (
            "When to prefer MSK (Apache Kafka)"
        ),
        "Name the 4 **AWS IoT Components**.": "AWS IoT Components",
        "Stagger partitioned by minute gives two rows: name the 2.": (
            "Stagger partitioned by minute gives two rows"
        ),
        "Which window types exist? Name the 3.": "Which window types exist",
        "In what order do the 5 steps of **the impulse** come?": "steps of the impulse",
        "Recall: The Vs of big data (3 items)": "The Vs of big data",
    }
    for prompt, name in prompts.items():
        card = listing(95, prompt, ["Velocity", "Volume", "Variety"])
        assert Maker._subject(card) == name, prompt
