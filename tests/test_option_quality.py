"""Option quality over every question the shipped notes (content/) can give.

Each card gives each of its question kinds under several seeds; every question must pass every
rule, and the failures are listed together so one run shows them all."""

from __future__ import annotations

import random
import re

import pytest

from quiz import exams
from quiz.models import Deck
from quiz.questions import (
    ANSWER,
    DEFINITION,
    TERM_FORM,
    QuestionMaker,
    _comparable,
    contains,
    normalise,
    option_form,
    same_form,
)
from tests.conftest import CONTENT_DIR

pytestmark = pytest.mark.django_db

SEEDS = range(4)
RATIONALE = re.compile(r"\b(?:why|because|reason)\s*:", re.IGNORECASE)


def every_question():
    for deck in Deck.objects.order_by("slug"):
        cards, topics, _ = exams.load_bank(deck)
        maker = QuestionMaker(cards, topics)
        headings = {normalise(t.title.rstrip(" :")) for t in topics}
        for card, kinds in maker.eligible():
            for kind in kinds:
                for seed in SEEDS:
                    question = maker.build(card, kind, random.Random(seed))
                    if question is not None:
                        yield deck, headings, question


def problems_of(headings: set[str], q) -> list[str]:
    found = []
    options = q.options
    for i, a in enumerate(options):
        if RATIONALE.search(a):
            found.append(f"rationale glued on: {a!r}")
        for b in options[i + 1 :]:
            if contains(a, b):
                found.append(f"one option contains another: {a!r} / {b!r}")
            if not same_form(a, b):
                found.append(f"mixed forms: {a!r} / {b!r}")
            if not _comparable(a, b):
                found.append(f"lengths not comparable: {a!r} / {b!r}")
    asks_description = q.kind == DEFINITION or (
        q.kind == ANSWER and option_form(options[q.correct[0]]) != TERM_FORM
    )
    if asks_description:
        for option in options:
            if normalise(option) in headings:
                found.append(f"a heading offered as a description: {option!r}")
    explanations = q.option_explanations
    if len(explanations) != len(options) or not all(e.text.strip() for e in explanations):
        found.append("an option without an explanation")
    elif [i for i, e in enumerate(explanations) if e.right] != list(q.correct):
        found.append("explanations disagree with the right answers")
    return found


def test_every_question_from_the_shipped_notes_has_clean_options(tmp_path, media_root) -> None:
    from quiz.importing import import_notes

    files = sorted(CONTENT_DIR.glob("*.md"))
    assert files
    report = import_notes(paths=files)
    assert report.ok, report.errors
    count, failures = 0, []
    for deck, headings, question in every_question():
        count += 1
        for problem in problems_of(headings, question):
            failures.append(f"{deck.slug} · {question.kind} · {question.stem[:60]!r}: {problem}")
    assert count > 500  # every kind of every eligible card, several draws each
    assert not failures, "\n".join(sorted(set(failures)))


def test_the_rules_catch_what_they_are_about(tmp_path, media_root) -> None:
    """The checks above can fail: each rule, on a question that breaks it."""
    from quiz.questions import OptionExplanation, Question

    def question(options, kind=DEFINITION):
        explain = tuple(
            OptionExplanation(i == 0, "x", "", "", None, None) for i in range(len(options))
        )
        return Question(1, 1, kind, "Which?", tuple(options), (0,), "", explain)

    headings = {"windows"}

    def flags(options, kind=DEFINITION) -> str:
        return " ".join(problems_of(headings, question(options, kind)))

    long = ["a long description of a thing here", "another long description of it"]
    assert "contains" in flags(["Sliding", "Sliding window", "Tumbling", "Stagger"])
    assert "rationale" in flags(["SPICE Why: fast", "A", "B", "C"])
    assert "heading" in flags([*long, "Windows", "one more long description of that"])
    assert "mixed forms" in flags(["SPICE", long[0], "Athena", "Glue"], kind=ANSWER)
    assert "lengths" in flags(["EMR", "Glue", "Athena", "x" * 40], kind=ANSWER)
    assert flags(["SPICE", "Athena", "Glue", "EMR"], kind=ANSWER) == ""
