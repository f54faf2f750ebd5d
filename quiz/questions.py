"""Multiple-choice questions from a deck's cards. Pure Python: no Django imports.

Plain data in (`SourceCard`, `SourceTopic`), plain data out (`Question`). The same cards and the
same seed always give the same questions: every random choice goes through one
`random.Random(seed)`, and the inputs are sorted by id before anything is drawn.

Rules:
- definition cards: "which term matches this definition?" and "which definition matches this
  term?", distractors from other definition cards, nearest topics first;
- qa cards whose answer is short (`SHORT_ANSWER_CHARS` of plain text): "pick the right answer",
  distractors from the answers of other short-answer qa cards, nearest topics first;
- practice questions from the notes that list their own options (`own_choices`: lettered
  options, or true or false): asked with those options and the one(s) the notes name as right;
  their options are never distractors elsewhere;
- list cards: "which of these is one of X?", "which is NOT one of X?" and "choose two";
  the outsiders come from other lists' items.
A question exists only when `MIN_DISTRACTORS` distractors exist. A distractor is never also
correct: it is dropped when its normalised text is the same or nearly the same
(`NEAR_SAME_RATIO`) as any correct answer, as another chosen option, or when it is an item of
the same list.

Option quality: no option contains another option's text; options of one question have the
same form (`option_form`: all short terms or all descriptions) and comparable lengths; a
question that asks for a description never offers a heading (topic title) as an option; an
answer's trailing rationale ("Why: …") is cut from its option and kept for the explanation.

Every option knows the card it came from, so each question explains every option
(`OptionExplanation`): the right ones from the asked card, each distractor from its own sibling
card ("This describes “Sliding” …").
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from quiz.notes import choices

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
    # Why each option is right or wrong, in option order.
    option_explanations: tuple[OptionExplanation, ...] = ()


@dataclass(frozen=True)
class OptionExplanation:
    """Why one option is right or wrong, from the card it came from.

    Reads as `lead` + “`title`” + `detail`; a page may link the title to `topic_id`'s notes."""

    right: bool
    lead: str
    title: str
    detail: str
    card_id: int | None
    topic_id: int | None

    @property
    def text(self) -> str:
        title = f"“{self.title}”" if self.title else ""
        return f"{self.lead}{title}{self.detail}"

    def as_json(self) -> dict[str, object]:
        return {
            "right": self.right,
            "lead": self.lead,
            "title": self.title,
            "detail": self.detail,
            "text": self.text,
            "card": self.card_id,
            "topic": self.topic_id,
        }


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
# A list card's prompt as the parser words it, and the list's name inside it: "Name the 3 key
# points of X (context).", "Name the 4 X.", "LABEL: name the 2.", "Question? Name the 3.",
# "In what order do the 5 steps of X come?".
_LIST_PROMPTS = (
    re.compile(r"^Name the \d+ (?:key points|categories|kinds|types) of (?P<name>.+?)\.?$"),
    re.compile(r"^Name the \d+ (?P<name>.+?)\.?$"),
    re.compile(r"^(?P<name>.+?)(?::| ?\?) [Nn]ame the \d+\.?$"),
    re.compile(r"^In what order do the \d+ (?P<name>.+?) come\?$"),
)


@dataclass(frozen=True)
class OwnChoices:
    """A question card that lists its own options (a practice question from the notes), as
    plain text: its stem, its (letter, option) pairs, the right letters, the explanation."""

    stem: str
    options: tuple[tuple[str, str], ...]
    right: frozenset[str]
    explanation: str


def own_choices(card: SourceCard) -> OwnChoices | None:
    """The card's own options, when the notes parser wrote it as a practice question."""
    if card.kind != "qa":
        return None
    written = choices.read_card(card.prompt_md, card.answer_md)
    if written is None:
        return None
    return OwnChoices(
        plain_text(written.stem),
        tuple((letter, plain_text(text)) for letter, text in written.options),
        written.right,
        plain_text(written.explanation),
    )


@functools.lru_cache(maxsize=65536)
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


# A rationale written under an answer ("Why: …", "Because: …"): the explanation keeps it, the
# option does not (it would give the answer away and make the option a paragraph).
_RATIONALE_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?:why|because|reason)(?:\*\*|__)?\s*:", re.I | re.M
)
_RATIONALE_TAIL = re.compile(r"\s+(?:why|because|reason)\s*:\s.*$", re.I | re.S)


@functools.lru_cache(maxsize=65536)
def option_text(markdown: str) -> str:
    """An answer as an option: plain text without its rationale."""
    match = _RATIONALE_LINE.search(markdown)
    if match and match.start() > 0:
        markdown = markdown[: match.start()]
    return _RATIONALE_TAIL.sub("", plain_text(markdown)).strip()


TERM_FORM, DESCRIPTION_FORM, EITHER_FORM = "term", "description", "either"
PAIR_FORM, QUESTION_FORM = "pair", "question"
_PAIR = re.compile(r"^[^:]{1,40}:\s+\S")


@functools.lru_cache(maxsize=65536)
def option_form(text: str) -> str:
    """What an option reads as: "pair" ("KEY: rows with the same key …"), "question" (ends
    with "?"), "term" (a name: up to four words), "description" (seven words or more), or
    "either" (five or six words: a long name or a short description)."""
    if _PAIR.match(text):
        return PAIR_FORM
    if text.rstrip().endswith("?"):
        return QUESTION_FORM
    words = len(normalise(text).split())
    if words <= 4:
        return TERM_FORM
    if words >= 7:
        return DESCRIPTION_FORM
    return EITHER_FORM


def same_form(a: str, b: str) -> bool:
    fa, fb = option_form(a), option_form(b)
    if fa == fb:
        return True
    between = {TERM_FORM, DESCRIPTION_FORM}
    return (fa == EITHER_FORM and fb in between) or (fb == EITHER_FORM and fa in between)


def contains(a: str, b: str) -> bool:
    """One text holds the other as whole words ("Sliding" in "Sliding windows")."""
    na, nb = f" {normalise(a)} ", f" {normalise(b)} "
    return bool(na.strip() and nb.strip()) and (na in nb or nb in na)


@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", text.lower())).strip()


@functools.lru_cache(maxsize=65536)
def near_same(a: str, b: str) -> bool:
    """Same or nearly the same text once case, punctuation and spacing are ignored.

    Texts whose numbers differ are never near-same: "1,000 records per second" and
    "2,000 records per second" are the best of distractors, not the same answer.
    (A pure function of its texts, asked of the same pairs again and again while a deck's
    questions are checked: cached.)
    """
    na, nb = normalise(a), normalise(b)
    if na == nb:
        return True
    if _NUMBER.findall(na) != _NUMBER.findall(nb):
        return False
    # The ratio is at most 2·min/(len a + len b): texts of very different lengths are never
    # near-same, and the matcher's own cheap upper bounds rule out most other pairs before
    # its full (quadratic) match is run. Each bound only skips pairs the full ratio would fail.
    if 2 * min(len(na), len(nb)) < NEAR_SAME_RATIO * (len(na) + len(nb)):
        return False
    matcher = SequenceMatcher(None, na, nb)
    if matcher.real_quick_ratio() < NEAR_SAME_RATIO or matcher.quick_ratio() < NEAR_SAME_RATIO:
        return False
    return matcher.ratio() >= NEAR_SAME_RATIO


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

    def tiers(self, home: int, topic_ids: Iterable[int]) -> list[list[int]]:
        """These topics grouped by their distance from `home`, nearest first."""
        by_distance: dict[int, list[int]] = {}
        for topic_id in topic_ids:
            by_distance.setdefault(self.distance(home, topic_id), []).append(topic_id)
        return [by_distance[d] for d in sorted(by_distance)]


class _Pool:
    """One kind of option (terms, definitions, answers, list items) across the deck, by topic.

    Every card's feasibility check walks the pool nearest topic first and usually stops after
    a few candidates, so the pool is never copied or sorted per card: the topics' distances
    are worked out once per home topic, and a tier's candidates are merged lazily from the
    topics' own lists, in the pool's order (so a seeded draw shuffles the same lists)."""

    def __init__(self, bank: _Bank, candidates: list[_Candidate]):
        self.bank = bank
        self.candidates = candidates
        self.by_topic: dict[int, list[int]] = {}
        for index, candidate in enumerate(candidates):
            self.by_topic.setdefault(candidate.topic_id, []).append(index)
        self._tiers: dict[int, list[list[int]]] = {}

    def tiers(self, home: int, *, exclude_card: int) -> Iterator[Iterable[_Candidate]]:
        """The candidates of every card but `exclude_card`, tier by tier (see `_Bank.distance`),
        each tier in pool order; empty tiers are skipped."""
        if home not in self._tiers:
            self._tiers[home] = self.bank.tiers(home, self.by_topic)
        for topic_ids in self._tiers[home]:
            lists = [self.by_topic[topic_id] for topic_id in topic_ids]
            indexes = lists[0] if len(lists) == 1 else heapq.merge(*lists)
            tier = (
                self.candidates[i] for i in indexes if self.candidates[i].card_id != exclude_card
            )
            first = next(tier, None)
            if first is not None:
                yield itertools.chain((first,), tier)


def _comparable(a: str, b: str) -> bool:
    """Plausible lengths: an option many times longer or shorter than the answer gives the
    answer away ("Velocity" among three sentences)."""
    short, long = sorted((len(a), len(b)))
    return long <= 3 * short + 20


def _pick(
    tiers: Iterable[Iterable[_Candidate]],
    *,
    needed: int,
    avoid: Sequence[str],
    like: str,
    rng: random.Random | None,
    accept: Callable[[_Candidate], bool] = lambda c: True,
    others: Sequence[str] = (),
) -> list[_Candidate]:
    """Up to `needed` distractors, nearest tier first (shuffled within a tier when `rng`).

    A candidate is skipped when it is near-same as anything in `avoid` (the correct answers)
    or as a distractor already taken, when one of its twins is near-same as a correct answer,
    when it contains or is contained in another option (`avoid`, `others`: options already
    fixed, or a distractor taken), when its form or length does not match `like` (the right
    answer) and every option taken, or when `accept` rejects it.
    """
    chosen: list[_Candidate] = []
    fixed = [*avoid, *others]
    for tier in tiers:
        ordered = tier
        if rng is not None:
            ordered = list(tier)
            rng.shuffle(ordered)
        for candidate in ordered:
            if len(chosen) == needed:
                return chosen
            text = candidate.text
            if not text or len(text) > MAX_OPTION_CHARS:
                continue
            if not accept(candidate):
                continue
            taken = [*fixed, *(c.text for c in chosen)]
            if not all(
                _comparable(text, other) and same_form(text, other) for other in [like, *taken]
            ):
                continue
            if any(near_same(text, other) or contains(text, other) for other in taken):
                continue
            if any(near_same(twin, good) for twin in candidate.twins for good in avoid):
                continue
            chosen.append(candidate)
    return chosen


# --- the generator ------------------------------------------------------------------------


class QuestionMaker:
    """Which questions each card can give, and building one with a seeded `Random`."""

    def __init__(self, cards: Sequence[SourceCard], topics: Sequence[SourceTopic]):
        self.bank = _Bank(cards, topics)
        self.by_id = {c.id: c for c in self.bank.cards}
        # Headings: never an option where a description is asked for.
        self.headings = {normalise(t.title.rstrip(" :")) for t in topics}
        self.terms: list[_Candidate] = []
        self.definitions: list[_Candidate] = []
        self.answers: list[_Candidate] = []
        self.list_items: list[_Candidate] = []
        # Practice questions with their own options, read once per card.
        self.own = {c.id: own for c in self.bank.cards if (own := own_choices(c)) is not None}
        for card in self.bank.cards:
            if card.kind == "definition" and card.term.strip():
                term, definition = plain_text(card.term), option_text(card.answer_md)
                self.terms.append(_Candidate(term, card.id, card.topic_id, (definition,)))
                self.definitions.append(_Candidate(definition, card.id, card.topic_id, (term,)))
            elif card.kind == "qa" and card.id not in self.own:
                answer = option_text(card.answer_md)
                if answer and len(answer) <= SHORT_ANSWER_CHARS:
                    prompt = plain_text(card.prompt_md)
                    self.answers.append(_Candidate(answer, card.id, card.topic_id, (prompt,)))
            elif card.kind == "list":
                for item in card.items:
                    self.list_items.append(_Candidate(option_text(item), card.id, card.topic_id))
        self.term_pool = _Pool(self.bank, self.terms)
        self.definition_pool = _Pool(self.bank, self.definitions)
        self.answer_pool = _Pool(self.bank, self.answers)
        self.item_pool = _Pool(self.bank, self.list_items)

    def _not_a_heading(self, candidate: _Candidate) -> bool:
        return normalise(candidate.text) not in self.headings

    def _own(self, card: SourceCard, text: str) -> _Candidate:
        return _Candidate(text, card.id, card.topic_id)

    # Each builder returns None when the card cannot give that question. With rng=None it only
    # checks feasibility (no shuffling), so feasibility never consumes random numbers.

    def _term(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        term, definition = plain_text(card.term), option_text(card.answer_md)
        if not term or not definition or len(term) > MAX_OPTION_CHARS:
            return None
        # The twin of a term is its definition: a card defining the same thing is also correct.
        distractors = _pick(
            self.term_pool.tiers(card.topic_id, exclude_card=card.id),
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
        return self._finish(card, TERM, stem, [self._own(card, term)], distractors, rng)

    def _definition(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        term, definition = plain_text(card.term), option_text(card.answer_md)
        if not term or not definition or len(definition) > MAX_OPTION_CHARS:
            return None
        if normalise(definition) in self.headings:
            return None
        distractors = _pick(
            self.definition_pool.tiers(card.topic_id, exclude_card=card.id),
            needed=MIN_DISTRACTORS,
            avoid=[definition],
            like=definition,
            rng=rng,
            accept=lambda c: (
                self._not_a_heading(c) and not any(near_same(t, term) for t in c.twins)
            ),
        )
        if len(distractors) < MIN_DISTRACTORS:
            return None
        topic = self.bank.topics.get(card.topic_id)
        where = f" (in {topic.title.rstrip(' :')})" if topic else ""
        stem = f"Which definition matches “{term}”{where}?"
        return self._finish(card, DEFINITION, stem, [self._own(card, definition)], distractors, rng)

    def _answer(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        own = self.own.get(card.id)
        if own is not None:
            # A practice question from the notes is asked with its own options, as written.
            right = [self._own(card, t) for letter, t in own.options if letter in own.right]
            wrong = [self._own(card, t) for letter, t in own.options if letter not in own.right]
            return self._finish(card, ANSWER, own.stem, right, wrong, rng)
        answer, prompt = option_text(card.answer_md), plain_text(card.prompt_md)
        if not prompt or not answer or len(answer) > SHORT_ANSWER_CHARS:
            return None
        describes = option_form(answer) != TERM_FORM
        if describes and normalise(answer) in self.headings:
            return None
        distractors = _pick(
            self.answer_pool.tiers(card.topic_id, exclude_card=card.id),
            needed=MIN_DISTRACTORS,
            avoid=[answer],
            like=answer,
            rng=rng,
            # The same question asked on another card: its answer is also right.
            accept=lambda c: (
                (not describes or self._not_a_heading(c))
                and not any(near_same(t, prompt) for t in c.twins)
            ),
        )
        if len(distractors) < MIN_DISTRACTORS:
            return None
        return self._finish(card, ANSWER, prompt, [self._own(card, answer)], distractors, rng)

    def _items(self, card: SourceCard) -> list[str]:
        """The list's items as options, without near-duplicates of one another."""
        items: list[str] = []
        for item in card.items:
            text = option_text(item)
            if not text or len(text) > MAX_OPTION_CHARS:
                continue
            if not any(near_same(text, i) or contains(text, i) for i in items):
                items.append(text)
        return items

    def _outsiders(
        self,
        card: SourceCard,
        needed: int,
        rng: random.Random | None,
        items: list[str],
        like: str,
        others: Sequence[str] = (),
    ) -> list[_Candidate]:
        """Items of other lists, none (nearly) an item of this one."""
        tiers = self.item_pool.tiers(card.topic_id, exclude_card=card.id)
        return _pick(tiers, needed=needed, avoid=items, like=like, rng=rng, others=others)

    @staticmethod
    def _subject(card: SourceCard) -> str:
        """The list's name for a stem ("Which of these is one of “X”?"), not its card's
        instruction ("Name the 3 key points of X."), which quoted there reads as nonsense."""
        subject = _RECALL.sub("", plain_text(card.prompt_md)).strip()
        for pattern in _LIST_PROMPTS:
            m = pattern.match(subject)
            if m:
                subject = m.group("name")
                break
        return _ITEM_COUNT.sub("", subject).rstrip(" :?.") or "this list"

    @staticmethod
    def _comparable_all(texts: Sequence[str]) -> bool:
        return all(
            _comparable(a, b) and same_form(a, b) and not contains(a, b)
            for i, a in enumerate(texts)
            for b in texts[i + 1 :]
        )

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
        return self._finish(card, ONE_OF, stem, [self._own(card, right)], distractors, rng)

    def _not_one_of(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        items = self._items(card)
        # Here the list's own items are the distractors.
        if len(items) < MIN_DISTRACTORS:
            return None
        members = rng.sample(items, MIN_DISTRACTORS) if rng else items[:MIN_DISTRACTORS]
        if not self._comparable_all(members):
            return None
        outsider = self._outsiders(card, 1, rng, items, members[0], others=members)
        if not outsider:
            return None
        stem = f"Which of these is NOT one of “{self._subject(card)}”?"
        wrong = [self._own(card, m) for m in members]
        return self._finish(card, NOT_ONE_OF, stem, outsider, wrong, rng)

    def _choose_two(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        items = self._items(card)
        if len(items) < 2:
            return None
        right = rng.sample(items, 2) if rng else items[:2]
        if not self._comparable_all(right):
            return None
        distractors = self._outsiders(card, MIN_DISTRACTORS, rng, items, right[0], others=right)
        if len(distractors) < MIN_DISTRACTORS:
            return None
        stem = f"Which two of these are among “{self._subject(card)}”? (Choose two.)"
        own = [self._own(card, r) for r in right]
        return self._finish(card, CHOOSE_TWO, stem, own, distractors, rng)

    # --- explanations ---

    def _explain(self, card: SourceCard, kind: str, option: _Candidate, right: bool):
        """Why `option` (from card `option.card_id`) is right or wrong for `card`'s question."""
        source = self.by_id.get(option.card_id, card)
        where = option.topic_id

        def say(lead: str, title: str, detail: str) -> OptionExplanation:
            return OptionExplanation(right, lead, title, detail, source.id, where)

        term = plain_text(card.term)
        if kind == TERM:
            if right:
                return say("Right: ", term, f" is defined as: {option_text(card.answer_md)}")
            return say("", option.text, f" is something else: {option_text(source.answer_md)}")
        if kind == DEFINITION:
            if right:
                return say("Right: this is what ", term, " means.")
            topic = self.bank.topics.get(source.topic_id)
            place = f" (under {topic.title.rstrip(' :')})" if topic else ""
            return say("This describes ", plain_text(source.term), f"{place}, not “{term}”.")
        own = self.own.get(card.id) if kind == ANSWER else None
        if own is not None:
            texts = dict(own.options)
            named = " and ".join(f"“{texts[x]}”" for x in sorted(own.right))
            why = own.explanation
            if right:
                return say("Right. " if why else "Right: the answer in your notes.", "", why)
            return say(f"Your notes answer {named}", "", f": {why}" if why else ".")
        if kind == ANSWER:
            if right:
                full = plain_text(card.answer_md)
                if normalise(full) == normalise(option.text):
                    return say("Right: this is the answer in your notes.", "", "")
                return say("Right. ", "", full)  # with the rationale the option left out
            return say(
                "This answers another question in your notes: ", plain_text(source.prompt_md), ""
            )
        subject = self._subject(card)
        if kind in (ONE_OF, CHOOSE_TWO):
            if right:
                return say("Right: it is one of ", subject, ".")
            return say("This is one of ", self._subject(source), f", not of “{subject}”.")
        if kind == NOT_ONE_OF:
            if right:
                return say(
                    f"Right: it is not one of “{subject}”; it is one of ",
                    self._subject(source),
                    ".",
                )
            return say("This is one of ", subject, ", so it is not the odd one out.")
        # EXERCISE: the engine computed every option.
        if right:
            return say("Right: ", "", "this is what the simulation computes for these events.")
        return say(
            "Not what the simulation computes for these events: see the worked answer.", "", ""
        )

    def _finish(
        self,
        card: SourceCard,
        kind: str,
        stem: str,
        right: list[_Candidate],
        distractors: list[_Candidate],
        rng: random.Random | None,
    ) -> Question:
        options = [*right, *distractors]
        order = list(range(len(options)))
        if rng is not None:
            rng.shuffle(order)
        shuffled = [options[i] for i in order]
        correct = tuple(sorted(order.index(i) for i in range(len(right))))
        return Question(
            card_id=card.id,
            topic_id=card.topic_id,
            kind=kind,
            stem=stem,
            options=tuple(o.text for o in shuffled),
            correct=correct,
            explanation=plain_text(card.answer_md),
            # A feasibility check (no rng) only asks whether the question exists.
            option_explanations=()
            if rng is None
            else tuple(
                self._explain(card, kind, option, position in correct)
                for position, option in enumerate(shuffled)
            ),
        )

    def _exercise(self, card: SourceCard, rng: random.Random | None) -> Question | None:
        """A simulation exercise: the engine computed the answer and its distractors."""
        options = [self._own(card, plain_text(o)) for o in card.items]
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
        self, only_topics: Iterable[int] | None = None, only_cards: Iterable[int] | None = None
    ) -> list[tuple[SourceCard, list[str]]]:
        wanted = None if only_topics is None else set(only_topics)
        chosen = None if only_cards is None else set(only_cards)
        result = []
        for card in self.bank.cards:
            if wanted is not None and card.topic_id not in wanted:
                continue
            if chosen is not None and card.id not in chosen:
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
    only_cards: Iterable[int] | None = None,
) -> list[Question]:
    """Up to `count` questions, at most one per card, drawn at random with `seed`.

    `cards` and `topics` are the whole deck (the distractor pool); `only_topics` and
    `only_cards` (a tag's cards, say), when given, limit which cards are asked about. Fewer than
    `count` come back when the bank is small.
    """
    maker = QuestionMaker(cards, topics)
    rng = random.Random(seed)
    order = maker.eligible(only_topics, only_cards)
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
    only_cards: Iterable[int] | None = None,
) -> int:
    """How many questions (one per card) the bank can give (at most: see `build`)."""
    return len(QuestionMaker(cards, topics).eligible(only_topics, only_cards))
