"""Multiple-choice questions from a deck's cards. Pure Python: no Django imports.

Plain data in (`SourceCard`, `SourceTopic`), plain data out (`Question`). The same cards and the
same seed always give the same questions: every random choice goes through one
`random.Random(seed)`, and the inputs are sorted by id before anything is drawn.

Rules:
- definition cards: "which term matches this definition?" and "which definition matches this
  term?", distractors from other definition cards, nearest topics first;
- qa cards whose answer is short (`SHORT_ANSWER_CHARS` of plain text): "pick the right answer",
  distractors from the answers of other short-answer qa cards, nearest topics first;
- list cards: "which of these is one of X?", "which is NOT one of X?" and "choose two";
  the outsiders come from other lists' items.
A question exists only when `MIN_DISTRACTORS` distractors exist. A distractor is never also
correct: it is dropped when its normalised text is the same or nearly the same
(`NEAR_SAME_RATIO`) as any correct answer, as another chosen option, or when it is an item of
the same list.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

SHORT_ANSWER_CHARS = 120
# Longer texts make poor options (they give themselves away by length and are hard to scan).
MAX_OPTION_CHARS = 300
MIN_DISTRACTORS = 3
NEAR_SAME_RATIO = 0.9

TERM, DEFINITION, ANSWER, ONE_OF, NOT_ONE_OF, CHOOSE_TWO, EXERCISE = (
    "term",
    "definition",
    "answer",
    "one_of",
    "not_one_of",
    "choose_two",
    "exercise",
)
QUESTION_KINDS = (TERM, DEFINITION, ANSWER, ONE_OF, NOT_ONE_OF, CHOOSE_TWO, EXERCISE)
# How the question kind reads above a question (the stem itself says what to do).
KIND_LABELS = {
    TERM: "Definition → term",
    DEFINITION: "Term → definition",
    ANSWER: "Pick the right answer",
    ONE_OF: "One of a list",
    NOT_ONE_OF: "The odd one out",
    CHOOSE_TWO: "Choose two",
    EXERCISE: "Simulation exercise",
}


@dataclass(frozen=True)
class SourceTopic:
    id: int
    parent_id: int | None
    title: str


@dataclass(frozen=True)
class SourceCard:
    id: int
    topic_id: int
    kind: str  # "qa", "definition", "list", ...
    prompt_md: str
    answer_md: str
    items: tuple[str, ...] = ()  # list cards, Markdown; exercise cards: the options
    term: str = ""  # definition cards
    correct_index: int | None = None  # exercise cards: which of `items` the engine computed


@dataclass(frozen=True)
class Question:
    card_id: int
    topic_id: int
    kind: str  # one of QUESTION_KINDS
    # Plain text (may hold a blank line between the question and a quotation); for EXERCISE
    # questions, Markdown (their rows are a table), rendered through the notes sanitizer.
    stem: str
    options: tuple[str, ...]  # plain text, shuffled
    correct: tuple[int, ...]  # indexes into options, ascending
    explanation: str  # the source card's answer, plain text


# --- text ---------------------------------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_CODE = re.compile(r"`+([^`]*)`+")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EM = re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])")
_TAG = re.compile(r"<[^>]+>")
_LINE_MARK = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w\s]")
_NUMBER = re.compile(r"\d+")
_RECALL = re.compile(r"^\s*recall\s*:\s*", re.IGNORECASE)
_ITEM_COUNT = re.compile(r"\s*\(\d+ items?\)\s*$", re.IGNORECASE)


def plain_text(markdown: str) -> str:
    """Markdown → one line of plain text, for options and stems (escaped when rendered)."""
    text = _IMAGE.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EM.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _LINE_MARK.sub("", text)
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", text.lower())).strip()


def near_same(a: str, b: str) -> bool:
    """Same or nearly the same text once case, punctuation and spacing are ignored.

    Texts whose numbers differ are never near-same: "1,000 records per second" and
    "2,000 records per second" are the best of distractors, not the same answer.
    """
    na, nb = normalise(a), normalise(b)
    if na == nb:
        return True
    if _NUMBER.findall(na) != _NUMBER.findall(nb):
        return False
    return SequenceMatcher(None, na, nb).ratio() >= NEAR_SAME_RATIO


# --- distractor pools ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    text: str
    card_id: int
    topic_id: int
    # Texts that, if near-same to the question's correct answers, make this candidate also
    # correct (a second card defining the same term, the same question asked twice).
    twins: tuple[str, ...] = ()


class _Bank:
    """The deck's cards with their plain texts and the topic tree's distances."""

    def __init__(self, cards: Sequence[SourceCard], topics: Sequence[SourceTopic]):
        self.cards = sorted(cards, key=lambda c: c.id)
        self.topics = {t.id: t for t in topics}
        self._ancestors: dict[int, list[int]] = {}

    def ancestors(self, topic_id: int) -> list[int]:
        """The topic itself, then its parent, up to the root."""
        if topic_id not in self._ancestors:
            chain, seen = [], set()
            current: int | None = topic_id
            while current is not None and current not in seen:
                chain.append(current)
                seen.add(current)
                topic = self.topics.get(current)
                current = topic.parent_id if topic else None
            self._ancestors[topic_id] = chain
        return self._ancestors[topic_id]

    def distance(self, home: int, other: int) -> int:
        """0 same topic, 1 sibling, then 2 + how far up the nearest shared ancestor is;
        topics that share no ancestor (the rest of the deck) come last."""
        if home == other:
            return 0
        home_chain = self.ancestors(home)
        other_chain = self.ancestors(other)
        if len(home_chain) > 1 and len(other_chain) > 1 and home_chain[1] == other_chain[1]:
            return 1
        shared = set(other_chain)
        for up, ancestor in enumerate(home_chain):
            if ancestor in shared:
                return 2 + up
        return 1000

    def tiers(self, home: int, pool: Iterable[_Candidate]) -> list[list[_Candidate]]:
        by_distance: dict[int, list[_Candidate]] = {}
        for candidate in pool:
            by_distance.setdefault(self.distance(home, candidate.topic_id), []).append(candidate)
        return [by_distance[d] for d in sorted(by_distance)]


def _comparable(a: str, b: str) -> bool:
    """Plausible lengths: an option many times longer or shorter than the answer gives the
    answer away ("Velocity" among three sentences)."""
    short, long = sorted((len(a), len(b)))
    return long <= 3 * short + 20


def _pick(
    tiers: list[list[_Candidate]],
    *,
    needed: int,
    avoid: Sequence[str],
    like: str,
    rng: random.Random | None,
    accept: Callable[[_Candidate], bool] = lambda c: True,
) -> list[str]:
    """Up to `needed` distractors, nearest tier first (shuffled within a tier when `rng`).

    A candidate is skipped when it is near-same as anything in `avoid` (the correct answers)
    or as a distractor already taken, when one of its twins is near-same as a correct answer,
    when its length is implausible next to `like` (the right answer), or when `accept`
    rejects it.
    """
    chosen: list[str] = []
    for tier in tiers:
        ordered = list(tier)
        if rng is not None:
            rng.shuffle(ordered)
        for candidate in ordered:
            if len(chosen) == needed:
                return chosen
            if not candidate.text or len(candidate.text) > MAX_OPTION_CHARS:
                continue
            if not accept(candidate) or not _comparable(candidate.text, like):
                continue
            if any(near_same(candidate.text, other) for other in [*avoid, *chosen]):
                continue
            if any(near_same(twin, good) for twin in candidate.twins for good in avoid):
                continue
            chosen.append(candidate.text)
    return chosen


# --- the generator ------------------------------------------------------------------------


class QuestionMaker:
    """Which questions each card can give, and building one with a seeded `Random`."""

    def __init__(self, cards: Sequence[SourceCard], topics: Sequence[SourceTopic]):
        self.bank = _Bank(cards, topics)
        self.by_id = {c.id: c for c in self.bank.cards}
        self.terms: list[_Candidate] = []
        self.definitions: list[_Candidate] = []
        self.answers: list[_Candidate] = []
        self.list_items: list[_Candidate] = []
        for card in self.bank.cards:
            if card.kind == "definition" and card.term.strip():
                term, definition = plain_text(card.term), plain_text(card.answer_md)
                self.terms.append(_Candidate(term, card.id, card.topic_id, (definition,)))
                self.definitions.append(_Candidate(definition, card.id, card.topic_id, (term,)))
            elif card.kind == "qa":
                answer = plain_text(card.answer_md)
                if answer and len(answer) <= SHORT_ANSWER_CHARS:
                    prompt = plain_text(card.prompt_md)
                    self.answers.append(_Candidate(answer, card.id, card.topic_id, (prompt,)))
            elif card.kind == "list":
                for item in card.items:
                    self.list_items.append(_Candidate(plain_text(item), card.id, card.topic_id))

    # Each builder returns None when the card cannot give that question. With rng=None it only
    # checks feasibility (no shuffling), so feasibility never consumes random numbers.

    def _term(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        term, definition = plain_text(card.term), plain_text(card.answer_md)
        if not term or not definition or len(term) > MAX_OPTION_CHARS:
            return None
        pool = [c for c in self.terms if c.card_id != card.id]
        # The twin of a term is its definition: a card defining the same thing is also correct.
        distractors = _pick(
            self.bank.tiers(card.topic_id, pool),
            needed=MIN_DISTRACTORS,
            avoid=[term],
            like=term,
            rng=rng,
            accept=lambda c: not any(near_same(t, definition) for t in c.twins),
        )
        if len(distractors) < MIN_DISTRACTORS:
            return None
        masked = re.sub(re.escape(term), "____", definition, flags=re.IGNORECASE)
        stem = f"Which term matches this definition?\n\n{masked}"
        return self._finish(card, TERM, stem, [term], distractors, rng)

    def _definition(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        term, definition = plain_text(card.term), plain_text(card.answer_md)
        if not term or not definition or len(definition) > MAX_OPTION_CHARS:
            return None
        pool = [c for c in self.definitions if c.card_id != card.id]
        distractors = _pick(
            self.bank.tiers(card.topic_id, pool),
            needed=MIN_DISTRACTORS,
            avoid=[definition],
            like=definition,
            rng=rng,
            accept=lambda c: not any(near_same(t, term) for t in c.twins),
        )
        if len(distractors) < MIN_DISTRACTORS:
            return None
        topic = self.bank.topics.get(card.topic_id)
        where = f" (in {topic.title.rstrip(' :')})" if topic else ""
        stem = f"Which definition matches “{term}”{where}?"
        return self._finish(card, DEFINITION, stem, [definition], distractors, rng)

    def _answer(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        answer, prompt = plain_text(card.answer_md), plain_text(card.prompt_md)
        if not prompt or not answer or len(answer) > SHORT_ANSWER_CHARS:
            return None
        pool = [c for c in self.answers if c.card_id != card.id]
        distractors = _pick(
            self.bank.tiers(card.topic_id, pool),
            needed=MIN_DISTRACTORS,
            avoid=[answer],
            like=answer,
            rng=rng,
            # The same question asked on another card: its answer is also right.
            accept=lambda c: not any(near_same(t, prompt) for t in c.twins),
        )
        if len(distractors) < MIN_DISTRACTORS:
            return None
        return self._finish(card, ANSWER, prompt, [answer], distractors, rng)

    def _items(self, card: SourceCard) -> list[str]:
        """The list's items as plain text, without near-duplicates of one another."""
        items: list[str] = []
        for item in card.items:
            text = plain_text(item)
            if not text or len(text) > MAX_OPTION_CHARS:
                continue
            if not any(near_same(text, i) for i in items):
                items.append(text)
        return items

    def _outsiders(
        self, card: SourceCard, needed: int, rng: random.Random | None, items: list[str], like: str
    ) -> list[str]:
        """Items of other lists, none (nearly) an item of this one."""
        pool = [c for c in self.list_items if c.card_id != card.id]
        tiers = self.bank.tiers(card.topic_id, pool)
        return _pick(tiers, needed=needed, avoid=items, like=like, rng=rng)

    @staticmethod
    def _subject(card: SourceCard) -> str:
        # List prompts read like "Recall: Window types (3 items)"; the stem wants the name.
        subject = _RECALL.sub("", plain_text(card.prompt_md))
        return _ITEM_COUNT.sub("", subject).rstrip(" :?.") or "this list"

    def _one_of(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        items = self._items(card)
        if not items:
            return None
        right = rng.choice(items) if rng else items[0]
        # Every item of the list is avoided, not only the right one: an outsider that is
        # (nearly) another item of the list would also be correct.
        distractors = self._outsiders(card, MIN_DISTRACTORS, rng, items, right)
        if len(distractors) < MIN_DISTRACTORS:
            return None
        stem = f"Which of these is one of “{self._subject(card)}”?"
        return self._finish(card, ONE_OF, stem, [right], distractors, rng)

    def _not_one_of(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        items = self._items(card)
        # Here the list's own items are the distractors.
        if len(items) < MIN_DISTRACTORS:
            return None
        members = rng.sample(items, MIN_DISTRACTORS) if rng else items[:MIN_DISTRACTORS]
        outsider = self._outsiders(card, 1, rng, items, members[0])
        if not outsider:
            return None
        stem = f"Which of these is NOT one of “{self._subject(card)}”?"
        return self._finish(card, NOT_ONE_OF, stem, outsider, members, rng)

    def _choose_two(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        items = self._items(card)
        if len(items) < 2:
            return None
        right = rng.sample(items, 2) if rng else items[:2]
        distractors = self._outsiders(card, MIN_DISTRACTORS, rng, items, right[0])
        if len(distractors) < MIN_DISTRACTORS:
            return None
        stem = f"Which two of these are among “{self._subject(card)}”? (Choose two.)"
        return self._finish(card, CHOOSE_TWO, stem, right, distractors, rng)

    def _finish(
        self,
        card: SourceCard,
        kind: str,
        stem: str,
        right: list[str],
        distractors: list[str],
        rng: random.Random | None,
    ) -> Question:
        options = [*right, *distractors]
        order = list(range(len(options)))
        if rng is not None:
            rng.shuffle(order)
        shuffled = tuple(options[i] for i in order)
        correct = tuple(sorted(order.index(i) for i in range(len(right))))
        return Question(
            card_id=card.id,
            topic_id=card.topic_id,
            kind=kind,
            stem=stem,
            options=shuffled,
            correct=correct,
            explanation=plain_text(card.answer_md),
        )

    def _exercise(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        """A simulation exercise: the engine computed the answer and its distractors."""
        options = [plain_text(o) for o in card.items]
        index = card.correct_index
        if index is None or not 0 <= index < len(options) or len(options) < MIN_DISTRACTORS + 1:
            return None
        right = options[index]
        distractors = [o for i, o in enumerate(options) if i != index]
        return self._finish(card, EXERCISE, card.prompt_md, [right], distractors, rng)

    _BUILDERS = {
        EXERCISE: _exercise,
        TERM: _term,
        DEFINITION: _definition,
        ANSWER: _answer,
        ONE_OF: _one_of,
        NOT_ONE_OF: _not_one_of,
        CHOOSE_TWO: _choose_two,
    }
    _KINDS_BY_CARD = {
        "definition": (TERM, DEFINITION),
        "qa": (ANSWER,),
        "list": (ONE_OF, NOT_ONE_OF, CHOOSE_TWO),
        "exercise": (EXERCISE,),
    }

    def kinds_for(self, card: SourceCard) -> list[str]:
        """The question kinds this card can give (feasibility only; draws nothing)."""
        return [
            kind
            for kind in self._KINDS_BY_CARD.get(card.kind, ())
            if self._BUILDERS[kind](self, card, None) is not None
        ]

    def build(self, card: SourceCard, kind: str, rng: random.Random) -> Question | None:
        """The question, or None when this draw cannot make it: feasibility is checked with the
        first items and an unshuffled pool, and a list's randomly chosen item may have fewer
        outsiders of a plausible length (near-sameness is not transitive either)."""
        return self._BUILDERS[kind](self, card, rng)

    def eligible(
        self, only_topics: Iterable[int] | None = None
    ) -> list[tuple[SourceCard, list[str]]]:
        wanted = None if only_topics is None else set(only_topics)
        result = []
        for card in self.bank.cards:
            if wanted is not None and card.topic_id not in wanted:
                continue
            kinds = self.kinds_for(card)
            if kinds:
                result.append((card, kinds))
        return result


def make_questions(
    cards: Sequence[SourceCard],
    topics: Sequence[SourceTopic],
    *,
    count: int,
    seed: int,
    only_topics: Iterable[int] | None = None,
) -> list[Question]:
    """Up to `count` questions, at most one per card, drawn at random with `seed`.

    `cards` and `topics` are the whole deck (the distractor pool); `only_topics`, when given,
    limits which cards are asked about. Fewer than `count` come back when the bank is small.
    """
    maker = QuestionMaker(cards, topics)
    rng = random.Random(seed)
    order = maker.eligible(only_topics)
    rng.shuffle(order)
    questions: list[Question] = []
    for card, kinds in order:
        if len(questions) == count:
            break
        # A random kind first; the card's other kinds if this draw cannot make it.
        for kind in rng.sample(kinds, len(kinds)):
            question = maker.build(card, kind, rng)
            if question is not None:
                questions.append(question)
                break
    return questions


def available_count(
    cards: Sequence[SourceCard],
    topics: Sequence[SourceTopic],
    *,
    only_topics: Iterable[int] | None = None,
) -> int:
    """How many questions (one per card) the bank can give (at most: see `build`)."""
    return len(QuestionMaker(cards, topics).eligible(only_topics))
