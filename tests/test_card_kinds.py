"""Card kinds are defined once (`quiz.notes.types.CARD_KIND_DEFINITIONS`); the model's choices
and the parser's kinds must agree with that definition."""

from __future__ import annotations

from quiz.models import Card
from quiz.notes.types import CARD_KIND_DEFINITIONS, CARD_KINDS


def test_card_kind_choices_agree_with_the_definition():
    assert Card.Kind.choices == [(k.value, k.label) for k in CARD_KIND_DEFINITIONS]
    assert Card._meta.get_field("kind").choices == Card.Kind.choices


def test_kinds_from_notes_are_the_definitions_marked_so():
    assert set(CARD_KINDS) < set(Card.Kind.values)
    assert set(Card.Kind.values) - set(CARD_KINDS) == {Card.Kind.EXERCISE}
    assert [k.value for k in CARD_KIND_DEFINITIONS if k.from_notes] == list(CARD_KINDS)
