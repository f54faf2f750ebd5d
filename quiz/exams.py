"""Mock exams and practice: the cross-model operations (keyword-only functions).

The questions come from the pure generator in `quiz.questions`; this module loads the deck for
it, stores what it returns, keeps the server's clock (every function takes `now`), scores, and
closes the loop with study: a question missed in a submitted exam is a lapse for its card.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from quiz import scheduling, study
from quiz.blueprint import Blueprint, quotas, title_key
from quiz.models import (
    Card,
    CardState,
    Deck,
    ExamAttempt,
    ExamQuestion,
    ExamReadiness,
    Review,
    Topic,
)
from quiz.questions import (
    Question,
    QuestionMaker,
    SourceCard,
    SourceTopic,
    available_count,
    make_questions,
)
from quiz.sims.exercises import exercise_question

# The model for the defaults: an AWS specialty exam is 65 questions in 170 minutes.
MODEL_EXAM_QUESTIONS = 65
MODEL_EXAM_MINUTES = 170
DEFAULT_COUNT = MODEL_EXAM_QUESTIONS
MAX_COUNT = 200


class ExamError(Exception):
    """A one-line reason an exam cannot be made or started."""


def default_time_limit_s(count: int, blueprint: Blueprint | None = None) -> int:
    """The pace of the deck's blueprint (its minutes for its questions) or else the model
    exam's (~2.6 minutes a question), scaled to `count`, in whole minutes."""
    minutes, questions = MODEL_EXAM_MINUTES, MODEL_EXAM_QUESTIONS
    if blueprint is not None and blueprint.minutes:
        minutes, questions = blueprint.minutes, blueprint.questions or count
    return math.ceil(count * minutes / questions) * 60


# --- the bank -----------------------------------------------------------------------------


def resolve_deck(deck_or_path: str) -> Deck:
    """A deck by slug, or by the notes file it was imported from."""
    deck = Deck.objects.filter(slug=deck_or_path).first()
    if deck is None:
        candidates = {deck_or_path, str(Path(deck_or_path).expanduser().resolve())}
        deck = Deck.objects.filter(source_path__in=candidates).first()
    if deck is None:
        raise ExamError(f"No deck has the slug or notes path {deck_or_path!r}.")
    return deck


def _exercise_answer(card: Card) -> int | None:
    """The option index the simulation engine computed, for an exercise card."""
    if card.kind != Card.Kind.EXERCISE:
        return None
    fields = {"prompt_md": card.prompt_md, "items": card.items, "sim": card.sim}
    try:
        return exercise_question(fields)[2][0]
    except ValueError:
        return None


def load_bank(deck: Deck) -> tuple[list[SourceCard], list[SourceTopic], dict[int, Topic]]:
    """The deck's active cards and all its topics, as the generator's plain data."""
    topics = {t.pk: t for t in deck.topics.all()}
    cards = [
        SourceCard(
            id=c.pk,
            topic_id=c.topic_id,
            kind=c.kind,
            prompt_md=c.prompt_md,
            answer_md=c.answer_md,
            items=tuple(str(i) for i in (c.items or [])),
            term=c.term,
            correct_index=_exercise_answer(c),
        )
        for c in deck.cards.filter(status=Card.Status.ACTIVE).order_by("pk")
    ]
    plain_topics = [SourceTopic(t.pk, t.parent_id, t.title) for t in topics.values()]
    return cards, plain_topics, topics


def subtree_ids(topics: dict[int, Topic], roots: Iterable[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for topic in topics.values():
        children.setdefault(topic.parent_id, []).append(topic.pk)
    found: set[int] = set()
    stack = [r for r in roots if r in topics]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def tagged_card_ids(*, deck: Deck, tag: str) -> set[int] | None:
    """The deck's cards tagged `tag` (None for no tag: every card)."""
    if not tag:
        return None
    return set(deck.cards.filter(tags__has_tag=tag).values_list("pk", flat=True))


def blueprint_of(deck: Deck) -> Blueprint | None:
    blueprint = Blueprint.from_json(deck.exam_blueprint)
    return blueprint if blueprint and blueprint.domains else None


def blueprint_topics(blueprint: Blueprint, topics: dict[int, Topic]) -> list[tuple[Topic, float]]:
    """Each blueprint domain's heading (the shallowest of that title) with its share."""
    by_title: dict[str, Topic] = {}
    for topic in sorted(topics.values(), key=lambda t: (t.level, t.order)):
        if topic.is_active:
            by_title.setdefault(title_key(topic.title), topic)
    return [
        (by_title[title_key(title)], share)
        for title, share in blueprint.shares()
        if title_key(title) in by_title
    ]


def _domain_subtrees(
    domains: list[tuple[Topic, float]], topics: dict[int, Topic]
) -> list[set[int]]:
    """Each domain's topics; a domain nested in an earlier one keeps its own subtree only."""
    claimed: set[int] = set()
    subtrees = []
    for topic, _share in domains:
        subtrees.append(subtree_ids(topics, [topic.pk]))
    for i, tree in enumerate(subtrees):
        nested = set().union(*(t for j, t in enumerate(subtrees) if j != i and t < tree))
        subtrees[i] = tree - nested - claimed
        claimed |= subtrees[i]
    return subtrees


def _weighted_quotas(shares: list[float], available: list[int], count: int) -> list[int]:
    """`count` split by `shares`, none above what its domain can give; a domain's shortfall
    goes to the others by their shares."""
    quota = [0] * len(shares)
    open_ = [i for i in range(len(shares)) if available[i] > 0]
    left = count
    while left > 0 and open_:
        total = sum(shares[i] for i in open_)
        split = quotas([shares[i] / total for i in open_], left)
        for i, extra in zip(open_, split, strict=True):
            quota[i] += extra
        left = 0
        for i in open_:
            if quota[i] > available[i]:
                left += quota[i] - available[i]
                quota[i] = available[i]
        open_ = [i for i in open_ if quota[i] < available[i]]
    return quota


def draw_questions(
    *, deck: Deck, count: int, seed: int, topic_ids: Sequence[int] = (), tag: str = ""
) -> list[Question]:
    """The questions an exam on `deck` (or on `topic_ids` and their subtopics, or on the cards
    tagged `tag`) would hold; distractors still come from the whole deck.

    On the whole deck, a blueprint's domains share the questions by their weights (questions
    outside every domain only make up for a domain too small for its share).
    Raises ExamError when the bank cannot give `count` questions."""
    cards, plain_topics, topics = load_bank(deck)
    blueprint = blueprint_of(deck)
    if blueprint is not None and not topic_ids and not tag:
        questions = _draw_by_blueprint(blueprint, cards, plain_topics, topics, count, seed)
    else:
        only = subtree_ids(topics, topic_ids) if topic_ids else None
        questions = make_questions(
            cards,
            plain_topics,
            count=count,
            seed=seed,
            only_topics=only,
            only_cards=tagged_card_ids(deck=deck, tag=tag),
        )
    if len(questions) < count:
        where = "those topics" if topic_ids else f"deck {deck.slug!r}"
        if tag:
            where += f" tagged #{tag}"
        raise ExamError(
            f"Only {len(questions)} question(s) can be made from {where}; asked for {count}."
        )
    return questions


def _draw_by_blueprint(
    blueprint: Blueprint,
    cards: list[SourceCard],
    plain_topics: list[SourceTopic],
    topics: dict[int, Topic],
    count: int,
    seed: int,
) -> list[Question]:
    domains = blueprint_topics(blueprint, topics)
    subtrees = _domain_subtrees(domains, topics)
    rest = set(topics) - set().union(*subtrees) if subtrees else set(topics)
    pools = [*subtrees, rest]
    shares = [share for _topic, share in domains] + [0.0]
    available = [available_count(cards, plain_topics, only_topics=pool) for pool in pools]
    quota = _weighted_quotas(shares[:-1], available[:-1], count)
    quota.append(min(available[-1], count - sum(quota)))
    questions: list[Question] = []
    for index, (pool, wanted) in enumerate(zip(pools, quota, strict=True)):
        if wanted:
            questions += make_questions(
                cards, plain_topics, count=wanted, seed=seed + 7919 * index, only_topics=pool
            )
    random.Random(seed).shuffle(questions)
    return questions


def available_questions(*, deck: Deck, topic_ids: Sequence[int] = (), tag: str = "") -> int:
    """How many questions (one per card) the deck, or those topics, or that tag, can give."""
    cards, plain_topics, topics = load_bank(deck)
    only = subtree_ids(topics, topic_ids) if topic_ids else None
    return available_count(
        cards, plain_topics, only_topics=only, only_cards=tagged_card_ids(deck=deck, tag=tag)
    )


def domain_of(topic_id: int | None, topics: dict[int, Topic]) -> Topic | None:
    """The top-level topic a topic belongs to: the per-topic breakdown's "domain".

    Notes often have one title heading above everything; when a deck has a single root, its
    children are the domains (cards under the root itself count for the root)."""
    if topic_id is None or topic_id not in topics:
        return None
    roots = [t for t in topics.values() if t.parent_id is None]
    top = {roots[0].pk} if len(roots) == 1 else set()
    chain = [topics[topic_id]]
    seen = {topic_id}
    while chain[-1].parent_id is not None and chain[-1].parent_id in topics:
        parent = topics[chain[-1].parent_id]
        if parent.pk in seen:
            break
        seen.add(parent.pk)
        chain.append(parent)
    # chain ends at a root; skip a lone title root when there is a level below it.
    if chain[-1].pk in top and len(chain) > 1:
        return chain[-2]
    return chain[-1]


def exam_domains(blueprint: Blueprint | None, topics: dict[int, Topic]):
    """topic id → the domain its questions count for: the blueprint's domain whose heading
    holds it, else the top-level topic (`domain_of`)."""
    by_topic: dict[int, Topic] = {}
    if blueprint is not None:
        domains = blueprint_topics(blueprint, topics)
        for (topic, _share), tree in zip(domains, _domain_subtrees(domains, topics), strict=True):
            for topic_id in tree:
                by_topic[topic_id] = topic

    def domain_for(topic_id: int | None) -> Topic | None:
        if topic_id in by_topic:
            return by_topic[topic_id]
        return domain_of(topic_id, topics)

    return domain_for


# --- readiness and the study loop ---------------------------------------------------------


def exam_readiness(*, user: AbstractBaseUser, card_ids: Iterable[int], now: datetime) -> float:
    """The expected score: the mean FSRS retrievability of the cards for this user.

    A card never studied counts 0. Guessing is ignored, so the estimate is conservative:
    a multiple-choice question can be right by luck, a recall cannot."""
    ids = list(card_ids)
    if not ids:
        return 0.0
    scheduler = study.scheduler_for_user(user)
    states = CardState.objects.filter(user=user, card_id__in=ids)
    total = sum(
        scheduling.retrievability(study.memory_of(s), now=now, scheduler=scheduler) for s in states
    )
    return total / len(ids)


def record_exam_lapse(*, user: AbstractBaseUser, card: Card, at: datetime) -> Review | None:
    """Rate `card` Again for `user` at `at` through the study scheduler (`study.answer_card`).

    The CardState changes as for a study answer and a Review row is logged with
    source="exam". `lapses` (and leech detection) follow study's rule: only a card in the
    Review state lapses; a new or learning card restarts its learning steps. A retired card
    records nothing (None)."""
    for _ in range(3):
        state = CardState.objects.filter(user=user, card=card).only("version").first()
        result = study.answer_card(
            user=user,
            card=card,
            rating=scheduling.AGAIN,
            version=state.version if state else 0,
            now=at,
            source="exam",
        )
        if result.recorded or card.status != Card.Status.ACTIVE:
            return result.review
        # A study answer in another tab changed the state between our read and write: reread.
    return None


# --- attempts -----------------------------------------------------------------------------


def start_attempt(
    *,
    user: AbstractBaseUser,
    deck: Deck,
    now: datetime,
    mode: str = ExamAttempt.Mode.EXAM,
    count: int = DEFAULT_COUNT,
    topic_ids: Sequence[int] = (),
    seed: int | None = None,
    time_limit_s: int | None = None,
    pass_mark: float = ExamAttempt.DEFAULT_PASS_MARK,
    tag: str = "",
) -> ExamAttempt:
    """Draw the questions, store them with the attempt, and start the clock (exam mode)."""
    if not 1 <= count <= MAX_COUNT:
        raise ExamError(f"The number of questions must be between 1 and {MAX_COUNT}.")
    if not 0 < pass_mark <= 1:
        raise ExamError("The pass mark must be a fraction above 0 and at most 1.")
    if seed is None:
        seed = secrets.randbelow(2**31)
    questions = draw_questions(deck=deck, count=count, seed=seed, topic_ids=topic_ids, tag=tag)
    blueprint = blueprint_of(deck)
    if mode == ExamAttempt.Mode.EXAM:
        time_limit_s = time_limit_s or default_time_limit_s(
            count, Blueprint.from_json(deck.exam_blueprint)
        )
    else:
        time_limit_s = None  # practice is untimed
    cards = Card.objects.in_bulk([q.card_id for q in questions])
    topics = {t.pk: t for t in deck.topics.all()}
    domain_for = exam_domains(blueprint, topics)
    with transaction.atomic():
        attempt = ExamAttempt.objects.create(
            user=user,
            mode=mode,
            deck=deck,
            topic_ids=list(topic_ids),
            seed=seed,
            count=len(questions),
            time_limit_s=time_limit_s,
            started_at=now,
            deadline=now + timedelta(seconds=time_limit_s) if time_limit_s else None,
            pass_mark=pass_mark,
            predicted_score=exam_readiness(user=user, card_ids=cards, now=now),
            blueprint=deck.exam_blueprint if blueprint and not topic_ids else {},
        )
        rows = []
        for position, q in enumerate(questions, start=1):
            domain = domain_for(q.topic_id)
            rows.append(
                ExamQuestion(
                    attempt=attempt,
                    position=position,
                    card=cards[q.card_id],
                    topic_id=q.topic_id,
                    domain=domain,
                    domain_title=domain.title if domain else "",
                    kind=q.kind,
                    stem=q.stem,
                    options=list(q.options),
                    correct=list(q.correct),
                    explanation_html=cards[q.card_id].answer_html,
                    option_explanations=[e.as_json() for e in q.option_explanations],
                )
            )
        ExamQuestion.objects.bulk_create(rows)
    return attempt


class RetakeError(ExamError):
    pass


def retake_questions(attempt: ExamAttempt) -> list[ExamQuestion]:
    """The questions of a submitted attempt worth another go: missed (wrong or unanswered) or
    flagged, in their order."""
    return [q for q in attempt.questions.all() if not q.is_correct or q.flagged]


def start_retake(*, attempt: ExamAttempt, now: datetime) -> ExamAttempt:
    """A new practice attempt holding the missed and flagged questions of `attempt`, as they
    were asked (same stem, options and explanations), untimed. A retake already open for the
    same attempt is returned instead of a second one."""
    if not attempt.is_submitted:
        raise RetakeError("Submit the attempt before retaking its questions.")
    with transaction.atomic():
        ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        open_retake = attempt.retakes.filter(submitted_at__isnull=True).first()
        if open_retake is not None:
            return open_retake
        chosen = retake_questions(attempt)
        if not chosen:
            raise RetakeError("Nothing to retake: every question was right and none is flagged.")
        retake = ExamAttempt.objects.create(
            user=attempt.user,
            mode=ExamAttempt.Mode.PRACTICE,
            deck=attempt.deck,
            topic_ids=attempt.topic_ids,
            seed=attempt.seed,
            count=len(chosen),
            time_limit_s=None,
            started_at=now,
            deadline=None,
            pass_mark=attempt.pass_mark,
            predicted_score=exam_readiness(
                user=attempt.user, card_ids=[q.card_id for q in chosen if q.card_id], now=now
            ),
            retake_of=attempt,
        )
        ExamQuestion.objects.bulk_create(
            ExamQuestion(
                attempt=retake,
                position=position,
                card_id=q.card_id,
                topic_id=q.topic_id,
                domain_id=q.domain_id,
                domain_title=q.domain_title,
                kind=q.kind,
                stem=q.stem,
                options=q.options,
                correct=q.correct,
                explanation_html=q.explanation_html,
                option_explanations=q.option_explanations,
            )
            for position, q in enumerate(chosen, start=1)
        )
    return retake


def close_if_overdue(*, attempt: ExamAttempt, now: datetime) -> bool:
    """Auto-submit an attempt whose deadline has passed; True when it did."""
    if attempt.is_submitted or not attempt.is_overdue(now):
        return False
    submit_attempt(attempt=attempt, now=now, auto=True)
    return True


@dataclass(frozen=True)
class AnswerOutcome:
    saved: bool
    # "saved", "late" (deadline passed: not counted, attempt submitted), "closed" (already
    # submitted), "locked" (a practice answer is final), "invalid" (no or bad choice)
    reason: str


def answer_question(
    *, question: ExamQuestion, chosen: Sequence[int], now: datetime
) -> AnswerOutcome:
    """Record the learner's choice. In an exam it can change until submission; in practice
    the first answer is final (its feedback has been shown)."""
    with transaction.atomic():
        attempt = ExamAttempt.objects.select_for_update().get(pk=question.attempt_id)
        question.attempt = attempt
        if attempt.is_submitted:
            return AnswerOutcome(False, "closed")
        if attempt.is_overdue(now):
            submit_attempt(attempt=attempt, now=now, auto=True)
            return AnswerOutcome(False, "late")
        question.refresh_from_db()
        if attempt.mode == ExamAttempt.Mode.PRACTICE and question.answered_at is not None:
            return AnswerOutcome(False, "locked")
        picked = sorted(set(chosen))
        if not picked or len(picked) > question.choose:
            return AnswerOutcome(False, "invalid")
        if any(not 0 <= i < len(question.options) for i in picked):
            return AnswerOutcome(False, "invalid")
        question.chosen = picked
        question.answered_at = now
        question.is_correct = picked == sorted(question.correct)
        question.save(update_fields=["chosen", "answered_at", "is_correct"])
    return AnswerOutcome(True, "saved")


def set_flag(*, question: ExamQuestion, flagged: bool, now: datetime) -> bool:
    """Flag a question for review; False when the attempt is closed (or just closed)."""
    attempt = question.attempt
    if close_if_overdue(attempt=attempt, now=now) or attempt.is_submitted:
        return False
    ExamQuestion.objects.filter(pk=question.pk).update(flagged=flagged)
    question.flagged = flagged
    return True


def submit_attempt(*, attempt: ExamAttempt, now: datetime, auto: bool = False) -> ExamAttempt:
    """Score the attempt and close it; idempotent.

    In exam mode every missed question (wrong or unanswered) is a lapse for its card: it is
    rated Again, at submission time, in the learner's study schedule."""
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.is_submitted:
            _copy(locked, attempt)
            return attempt
        questions = list(locked.questions.select_related("card"))
        correct = sum(1 for q in questions if q.is_correct)
        locked.correct_count = correct
        locked.score = correct / len(questions) if questions else 0.0
        locked.submitted_at = now
        locked.auto_submitted = auto
        # The answers are final from here on, so each domain's score is too: kept for the trend.
        locked.domain_scores = domain_tally(
            (q.position, q.domain_title, q.is_correct) for q in questions
        )
        locked.save()
        if locked.mode == ExamAttempt.Mode.EXAM:
            for q in questions:
                if not q.is_correct and q.card is not None:
                    record_exam_lapse(user=locked.user, card=q.card, at=now)
    _copy(locked, attempt)
    return attempt


def _copy(source: ExamAttempt, target: ExamAttempt) -> None:
    if source is not target:
        for name in ("correct_count", "score", "submitted_at", "auto_submitted", "domain_scores"):
            setattr(target, name, getattr(source, name))


# --- reading results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    total: int
    answered: int
    flagged: int

    @property
    def unanswered(self) -> int:
        return self.total - self.answered


class ReviewedQuestion(NamedTuple):
    """A question as the results page's review list draws it, with its right answer: only for
    a submitted attempt."""

    position: int
    topic_id: int | None
    topic_path: str | None
    domain_title: str
    kind: str
    stem: str
    explanation_html: str
    options: list[str]
    correct: list[int]
    chosen: list[int]
    flagged: bool
    is_correct: bool | None
    option_explanations: list[dict]


class ResultQuestion(NamedTuple):
    """One question of a submitted attempt as its results page reads it: what the filters'
    counts, the breakdown and the paging need as plain values, and the rest of what the review
    list draws with the options and their explanations still the database's JSON text, decoded
    (`reviewed`) only for the questions on the page shown. A tuple, made straight from the
    query's row (a frozen dataclass's constructor cost more than the row)."""

    pk: int
    position: int
    domain_id: int | None
    domain_title: str
    chosen: list[int]
    flagged: bool
    is_correct: bool | None
    topic_id: int | None
    topic_path: str | None
    kind: str
    stem: str
    explanation_html: str
    options_json: str
    correct_json: str
    explanations_json: str | None

    @property
    def is_answered(self) -> bool:
        return bool(self.chosen)

    def reviewed(self) -> ReviewedQuestion:
        return ReviewedQuestion(
            position=self.position,
            topic_id=self.topic_id,
            topic_path=self.topic_path,
            domain_title=self.domain_title,
            kind=self.kind,
            stem=self.stem,
            explanation_html=self.explanation_html,
            options=json.loads(self.options_json),
            correct=json.loads(self.correct_json),
            chosen=self.chosen,
            flagged=self.flagged,
            is_correct=self.is_correct,
            option_explanations=json.loads(self.explanations_json or "null") or [],
        )


def result_questions(*, attempt: ExamAttempt) -> list[ResultQuestion]:
    """Every question of `attempt`, in order, in one query and without a model instance. The
    options and explanations come as text (a cast the database does for nothing): decoding them
    for every question, when a page of the review shows 25, cost more than the query."""
    as_text = {
        "options_json": Cast("options", TextField()),
        "correct_json": Cast("correct", TextField()),
        "explanations_json": Cast("option_explanations", TextField()),
    }
    rows = (
        ExamQuestion.objects.filter(attempt_id=attempt.pk)
        .order_by("position")
        .annotate(**as_text)
        .values_list(
            "pk", "position", "domain_id", "domain_title", "chosen", "flagged", "is_correct",
            "topic_id", "topic__path", "kind", "stem", "explanation_html", *as_text,
        )
    )  # fmt: skip
    return [ResultQuestion._make(row) for row in rows]


def counts(questions: Sequence[ExamQuestion | ResultQuestion]) -> Counts:
    return Counts(
        total=len(questions),
        answered=sum(1 for q in questions if q.is_answered),
        flagged=sum(1 for q in questions if q.flagged),
    )


@dataclass(frozen=True)
class DomainScore:
    title: str
    topic_id: int | None
    correct: int
    total: int
    weight: float | None = None  # the blueprint's share (0–1), when the exam had one
    asked_share: float = 0.0  # this domain's share of the questions asked

    @property
    def fraction(self) -> float:
        return self.correct / self.total if self.total else 0.0


def breakdown(
    questions: Sequence[ExamQuestion | ResultQuestion], blueprint: dict | None = None
) -> list[DomainScore]:
    """Score per domain: the blueprint's domains first, in its order and with their weights
    (a domain with no question shows too), then any other domain in order of appearance."""
    groups: dict[str, tuple[int | None, str, list[ExamQuestion | ResultQuestion]]] = {}
    for q in sorted(questions, key=lambda q: q.position):
        title = q.domain_title or "Other"
        groups.setdefault(title_key(title), (q.domain_id, title, []))[2].append(q)
    total = len(questions) or 1
    rows: list[DomainScore] = []
    plan = Blueprint.from_json(blueprint)
    for title, share in plan.shares() if plan else []:
        topic_id, shown, qs = groups.pop(title_key(title), (None, title, []))
        correct = sum(1 for q in qs if q.is_correct)
        rows.append(DomainScore(shown, topic_id, correct, len(qs), share, len(qs) / total))
    for topic_id, title, qs in groups.values():
        correct = sum(1 for q in qs if q.is_correct)
        rows.append(
            DomainScore(title, topic_id, correct, len(qs), 0.0 if plan else None, len(qs) / total)
        )
    return rows


def deck_readiness(*, user: AbstractBaseUser, deck: Deck, now: datetime) -> tuple[float, int]:
    """Readiness over every card of the deck that can give a question, and how many."""
    return readiness_by_deck(user=user, decks=[deck], now=now)[deck.pk]


# --- eligibility and readiness, stored --------------------------------------------------------

# A stored readiness older than this is recomputed even if nothing was answered: forgetting goes
# on (an hour moves a typical deck's readiness by well under a percentage point).
READINESS_MAX_AGE = timedelta(hours=1)
# More answers than this since the stored figures: recompute them all rather than sort it out.
RECENT_ANSWERS_CAP = 2000


def refresh_eligibility(*, deck: Deck, now: datetime | None = None) -> int:
    """Work out which of the deck's cards the generator can ask about and store it on the cards
    (`Card.exam_eligible`); how many can. Runs the generator's check over the deck once, on the
    first visit to the exams page after an import or an edit of the deck (`bank_changed`)."""
    cards, plain_topics, _ = load_bank(deck)
    eligible = [card.id for card, _kinds in QuestionMaker(cards, plain_topics).eligible()]
    with transaction.atomic():
        deck.cards.filter(exam_eligible=True).update(exam_eligible=False)
        for start in range(0, len(eligible), 500):
            Card.objects.filter(pk__in=eligible[start : start + 500]).update(exam_eligible=True)
        deck.exam_bank_at = now or timezone.now()
        Deck.objects.filter(pk=deck.pk).update(exam_bank_at=deck.exam_bank_at)
    return len(eligible)


def bank_changed(*, deck_ids: Iterable[int]) -> None:
    """A card of these decks changed: their eligibility is worked out again when next needed."""
    Deck.objects.filter(pk__in=list(deck_ids)).update(exam_bank_at=None)


def _compute_readiness(
    *, user: AbstractBaseUser, deck_ids: list[int], now: datetime
) -> dict[int, tuple[float, int]]:
    """(readiness, eligible cards) per deck: retrievability summed in SQL over the learner's
    states of the decks' eligible cards, divided by how many cards are eligible."""
    eligible = dict(
        Card.objects.filter(deck_id__in=deck_ids, exam_eligible=True, status=Card.Status.ACTIVE)
        .values_list("deck_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sums = study.retrievability_by_deck(user=user, deck_ids=deck_ids, now=now)
    return {
        deck_id: ((sums.get(deck_id, 0.0) / eligible[deck_id]) if eligible.get(deck_id) else 0.0,
                  eligible.get(deck_id, 0))
        for deck_id in deck_ids
    }  # fmt: skip


def readiness_by_deck(
    *, user: AbstractBaseUser, now: datetime, decks: Sequence[Deck] | None = None
) -> dict[int, tuple[float, int]]:
    """(readiness, eligible cards) for each deck: the stored figure while it is current,
    recomputed (and stored) for the decks whose figure is missing or stale."""
    decks = list(Deck.objects.all()) if decks is None else list(decks)
    for deck in decks:
        if deck.exam_bank_at is None:
            refresh_eligibility(deck=deck, now=now)
    return readiness_of_banks(
        user=user, banks={deck.pk: deck.exam_bank_at for deck in decks}, now=now
    )


def readiness_of_banks(
    *, user: AbstractBaseUser, banks: Mapping[int, datetime | None], now: datetime
) -> dict[int, tuple[float, int]]:
    """`readiness_by_deck` for decks given as {deck id: `exam_bank_at`} (plain rows, so a page
    that lists every deck need not build a model instance for each), whose eligibility is
    already worked out: `exam_bank_at` is set (`refresh_eligibility`)."""
    # Plain rows, not model instances: building fifty of them (each handed the user) cost as
    # much as the query. All the learner's rows (one a deck at most), not a list of the decks
    # asked for: a fifty-id IN list cost more to build than the rows it would leave out.
    rows = ExamReadiness.objects.filter(user=user).values_list(
        "deck_id", "readiness", "eligible", "computed_at", "bank_at", named=True
    )
    stored = {r.deck_id: r for r in rows if r.deck_id in banks}
    oldest = now - READINESS_MAX_AGE
    stale = {
        deck_id
        for deck_id, bank_at in banks.items()
        if deck_id not in stored
        or stored[deck_id].bank_at != bank_at
        or stored[deck_id].computed_at <= oldest
    }
    current = [stored[deck_id] for deck_id in banks if deck_id not in stale]
    if current:
        # Answers since the oldest current figure make the decks they touched stale. A plain
        # range of the (user, reviewed_at) index: no join to the cards and no GROUP BY, either
        # of which SQLite answers by walking the learner's whole log through another index.
        # Nearly always empty or short; past a few thousand rows, recompute everything.
        since = min(r.computed_at for r in current)
        answered: dict[int, datetime] = {}
        recent = Review.objects.filter(user=user, reviewed_at__gte=since)
        for card_id, at in recent.values_list("card_id", "reviewed_at")[:RECENT_ANSWERS_CAP]:
            answered[card_id] = max(at, answered.get(card_id, at))
        if len(answered) >= RECENT_ANSWERS_CAP:
            stale.update(r.deck_id for r in current)
        elif answered:
            for card_id, deck_id in Card.objects.filter(pk__in=list(answered)).values_list(
                "pk", "deck_id"
            ):
                if deck_id in stored and answered[card_id] >= stored[deck_id].computed_at:
                    stale.add(deck_id)
    result = {r.deck_id: (r.readiness, r.eligible) for r in current if r.deck_id not in stale}
    if stale:
        fresh = _compute_readiness(user=user, deck_ids=sorted(stale), now=now)
        for deck_id, (readiness, eligible) in fresh.items():
            ExamReadiness.objects.update_or_create(
                user=user,
                deck_id=deck_id,
                defaults={
                    "readiness": readiness,
                    "eligible": eligible,
                    "computed_at": now,
                    "bank_at": banks[deck_id],
                },
            )
        result.update(fresh)
    return result


def domain_tally(rows: Iterable[tuple[int, str, bool | None]]) -> list[list]:
    """One attempt's score per domain from its questions' (position, domain title, is_correct):
    [[domain title, right, asked], ...], a row for each distinct title (as stored, "" for none)
    in the order the titles first come up. What `ExamAttempt.domain_scores` holds."""
    tally: dict[str, list] = {}
    for _position, title, is_correct in sorted(rows, key=lambda row: row[0]):
        entry = tally.setdefault(title, [title, 0, 0])
        entry[1] += 1 if is_correct else 0
        entry[2] += 1
    return list(tally.values())


def tallies_from_questions(
    *, question_model: type[ExamQuestion], attempt_ids: Sequence[int], using: str = "default"
) -> dict[int, list[list]]:
    """`domain_tally` of each of these attempts, worked out from their questions (an attempt
    without questions gets an empty list). `question_model` and `using` let a migration pass
    its historical model and database."""
    rows: dict[int, list[tuple[int, str, bool | None]]] = {pk: [] for pk in attempt_ids}
    questions = (
        question_model.objects.using(using)
        .filter(attempt_id__in=list(attempt_ids))
        .values_list("attempt_id", "position", "domain_title", "is_correct")
    )
    for attempt_id, position, title, is_correct in questions:
        rows[attempt_id].append((position, title, is_correct))
    return {pk: domain_tally(found) for pk, found in rows.items()}


def backfill_domain_scores(
    *, attempt_model: type[ExamAttempt], question_model: type[ExamQuestion], using: str = "default"
) -> int:
    """Store `domain_scores` on every submitted attempt that has none (attempts submitted before
    the scores were kept); how many were written."""
    pending = list(
        attempt_model.objects.using(using)
        .filter(submitted_at__isnull=False, domain_scores__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pending), 500):
        batch = pending[start : start + 500]
        tallies = tallies_from_questions(
            question_model=question_model, attempt_ids=batch, using=using
        )
        attempt_model.objects.using(using).bulk_update(
            [attempt_model(pk=pk, domain_scores=tallies[pk]) for pk in batch], ["domain_scores"]
        )
    return len(pending)


class TrendAttempt(NamedTuple):
    pk: int
    submitted_at: datetime


@dataclass(frozen=True)
class DomainTrend:
    """Per-domain scores across a learner's submitted mock exams on one deck (oldest first)."""

    attempts: list[TrendAttempt]
    # domain title → one fraction per attempt (None where the attempt asked nothing there)
    domains: dict[str, list[float | None]]


def domain_trend(
    *, user: AbstractBaseUser, deck: Deck | None, limit: int = 20, blueprint: dict | None = None
) -> DomainTrend:
    """The blueprint's domains first (in its order), then any other domain in the order it first
    came up, attempt by attempt; titles that differ only in case, spacing or a trailing colon
    count as one (`title_key`).

    Reads each attempt's stored `domain_scores` (one row an attempt): grouping every question of
    twenty attempts was most of the results page's time."""
    rows = list(
        ExamAttempt.objects.filter(
            user=user, deck=deck, mode=ExamAttempt.Mode.EXAM, submitted_at__isnull=False
        )
        .order_by("-submitted_at", "-id")
        .values_list("pk", "submitted_at", "domain_scores")[:limit]
    )[::-1]
    missing = [pk for pk, _at, scores in rows if scores is None]
    # An attempt marked submitted without going through `submit_attempt` has no stored scores.
    computed = (
        tallies_from_questions(question_model=ExamQuestion, attempt_ids=missing) if missing else {}
    )
    index = {pk: i for i, (pk, _at, _scores) in enumerate(rows)}
    tallies: dict[str, list[list[int]]] = {}
    plan = Blueprint.from_json(blueprint)
    for title, _share in plan.shares() if plan else []:
        tallies.setdefault(title, [[0, 0] for _ in rows])
    keys = {title_key(t): t for t in tallies}
    # Attempt by attempt in the order they were made (by id), each one's domains as they came.
    for pk, _at, scores in sorted(rows, key=lambda row: row[0]):
        for title, right, asked in scores if scores is not None else computed[pk]:
            name = keys.setdefault(title_key(title or "Other"), title or "Other")
            counts = tallies.setdefault(name, [[0, 0] for _ in rows])[index[pk]]
            counts[0] += right
            counts[1] += asked
    domains = {
        title: [right / asked if asked else None for right, asked in counts]
        for title, counts in tallies.items()
    }
    return DomainTrend([TrendAttempt(pk, at) for pk, at, _scores in rows], domains)
