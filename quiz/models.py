"""Notebank's data: shared content (Deck, Topic, Card) and each learner's own progress.

Content is imported from notes and shared by everyone; CardState and Review belong to one user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from quiz.notes.types import CARD_KIND_DEFINITIONS

TOPIC_SEPARATOR = " › "


def breadcrumb(deck_title: str, topic_path: str) -> str:
    if topic_path == deck_title or topic_path.startswith(deck_title + TOPIC_SEPARATOR):
        return topic_path
    return f"{deck_title}{TOPIC_SEPARATOR}{topic_path}"


@models.JSONField.register_lookup
class HasTag(models.Lookup):
    """`tags__has_tag="aws"`: the JSON list holds that string, in any case (notes write `#AWS`
    and `#aws` alike). Django's `contains` does not work on SQLite; this is one EXISTS on both."""

    lookup_name = "has_tag"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            each = f"jsonb_array_elements_text({lhs}) AS t(value)"
        else:
            each = f"json_each({lhs}) AS t"
        return (
            f"EXISTS (SELECT 1 FROM {each} WHERE lower(t.value) = lower(%s))",
            [*params, str(self.rhs)],
        )


class Deck(models.Model):
    """One notes file."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    # The path the deck was imported from, as given to import_notes (resolved).
    source_path = models.CharField(max_length=1000, unique=True)
    # Hash of the file bytes plus the parser version: an unchanged file is skipped on re-import.
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # From the notes' front matter (`tags:`, `aliases:`), as the notes last gave them.
    tags = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    # The exam blueprint from the notes' front matter (`exam:`), checked at import by
    # quiz.blueprint: {"minutes": int|None, "questions": int|None, "domains": {title: weight}}.
    # Empty when the notes declare none.
    exam_blueprint = models.JSONField(default=dict, blank=True)
    # When the cards' `exam_eligible` flags were last worked out (`quiz.exams`); None when a
    # card has changed since, so the exams page works them out again before reading them.
    exam_bank_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deck_detail", args=[self.slug])


class Topic(models.Model):
    """A heading of a deck; the tree of topics is the heading tree."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="topics")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    title = models.CharField(max_length=500)
    # Titles from the deck's top heading down, joined by TOPIC_SEPARATOR: the topic's identity.
    path = models.TextField()
    level = models.PositiveSmallIntegerField()
    order = models.PositiveIntegerField()
    line = models.PositiveIntegerField(default=0)
    body_md = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # Simulation specs embedded in this section (```sim blocks), validated at import.
    sims = models.JSONField(default=list, blank=True)
    # A heading that disappeared from the notes is kept for its cards' history.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["deck", "order"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "path"], name="topic_unique_path"),
        ]

    def __str__(self) -> str:
        return self.breadcrumb

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", args=[self.pk])

    @property
    def breadcrumb(self) -> str:
        """Deck title and heading path, without saying the title twice when the notes' first
        heading is the deck's title (the usual case)."""
        return breadcrumb(self.deck.title, self.path)


class Card(models.Model):
    # Built from the one definition of card kinds (Card.Kind.QA, .CLOZE, .EXERCISE, ...).
    Kind = models.TextChoices(
        "Kind", [(k.value.upper(), (k.value, k.label)) for k in CARD_KIND_DEFINITIONS]
    )

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="cards")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Stable identity, assigned when the card is first imported and never changed after:
    # history, exam answers and Anki GUIDs hang off it.
    key = models.CharField(max_length=64, unique=True)
    # The normalised prompt the importer matches on (changes when a prompt's typo is fixed).
    match_text = models.TextField()
    prompt_md = models.TextField()
    prompt_html = models.TextField()
    answer_md = models.TextField()
    answer_html = models.TextField()
    # List cards: the items to recall; definition cards: the term. Exams draw on them.
    items = models.JSONField(default=list, blank=True)
    term = models.CharField(max_length=300, blank=True)
    # `#tags` from the card's text, its headings and the notes' front matter, in order.
    tags = models.JSONField(default=list, blank=True)
    # A simulation spec shown under the answer (from a ```sim block or linked automatically).
    sim = models.JSONField(null=True, blank=True)
    source_line = models.PositiveIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Edited in the admin: re-import reports a conflict instead of overwriting.
    edited_in_admin = models.BooleanField(default=False)
    # The question generator can make an exam question of this card, given the rest of its
    # deck (the distractor pool): stored per deck by `quiz.exams.refresh_eligibility`, so the
    # exams page reads readiness from SQL instead of running the generator per request.
    exam_eligible = models.BooleanField(default=False)
    # What the notes last said, kept even while an admin edit wins, so it can be released.
    notes_prompt_md = models.TextField(blank=True)
    notes_answer_md = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deck", "order"]
        indexes = [
            models.Index(fields=["deck", "status", "order"], name="card_deck_status_order"),
            models.Index(fields=["topic", "status"], name="card_topic_status"),
            # The few retired cards, so the study queue can exclude them with one tiny lookup
            # instead of joining every candidate state to its card.
            models.Index(
                fields=["status"], condition=models.Q(status="retired"), name="card_retired"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt_md[:80]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def breadcrumb(self) -> str:
        return breadcrumb(self.deck.title, self.topic.path)


class CardRevision(models.Model):
    """A card's content as it was before a change: the admin's history and restore."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="revisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20)  # "admin", "import", "restore", "release"
    kind = models.CharField(max_length=20)
    prompt_md = models.TextField()
    answer_md = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.card_id} as of {self.created_at:%Y-%m-%d %H:%M}"


class StudyProfile(models.Model):
    """A learner's scheduling preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_profile"
    )
    desired_retention = models.FloatField(default=0.9)
    new_per_day = models.PositiveIntegerField(default=20)
    max_reviews_per_day = models.PositiveIntegerField(default=200)
    # Space-separated durations such as "1m 10m".
    learning_steps = models.CharField(max_length=100, default="1m 10m")
    relearning_steps = models.CharField(max_length=100, default="10m")
    timezone = models.CharField(max_length=64, default="UTC")
    # Per deck, where this learner's notes-order walk for new cards may start: {deck_id:
    # [order, deck.imported_at]}. Every active card before `order` has been studied; a re-import
    # (new imported_at) invalidates it. Kept by quiz.study so finding the next new card does not
    # rescan every studied card (see quiz.study.new_cards).
    new_cursors = models.JSONField(default=dict, blank=True)
    # FSRS-6 parameters fitted to this learner's review log (quiz.optimizing); empty for the
    # defaults. Every scheduler made for the learner uses them (quiz.study.scheduler_settings).
    fsrs_parameters = models.JSONField(default=list, blank=True)
    fsrs_optimized_at = models.DateTimeField(null=True, blank=True)
    # The zone this learner's `ReviewDay` rows cut days in. Answers are added in it; when it is
    # no longer `timezone` (the learner moved), `quiz.tally.rebuild_days` recuts them.
    day_tally_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"Study settings for {self.user}"


class OptimizerRun(models.Model):
    """One "Optimize my parameters" request: its progress while the background task runs, and
    the figures it ends with (log loss and RMSE of the old and the fitted parameters)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="optimizer_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(default=0.0)  # 0–1
    message = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    before_log_loss = models.FloatField(null=True, blank=True)
    before_rmse = models.FloatField(null=True, blank=True)
    after_log_loss = models.FloatField(null=True, blank=True)
    after_rmse = models.FloatField(null=True, blank=True)
    parameters = models.JSONField(default=list, blank=True)
    # True when the fitted parameters predicted the log better and replaced the old ones.
    kept = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="optimizerrun_user_time")]

    def __str__(self) -> str:
        return f"Optimizer run {self.pk} for {self.user}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class CardState(models.Model):
    """One learner's FSRS memory state for one card."""

    class State(models.IntegerChoices):
        NEW = 0, "New"
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    # No index of its own: every index of the table starts with the learner (the unique
    # (user, card) one first), and each index costs every answer's write one more entry.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="card_states",
        db_index=False,
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    # Denormalised from the card so "what is due" is one index range scan per user.
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the card so the statistics' per-topic mastery reads this learner's states
    # from one covering index, without joining every state to its card. Set when the state is
    # created (or by save() from the card); the importer keeps it in step when a card moves to
    # another topic (`sync_topics`). Null only for a row written around both: stats then look
    # the card's topic up.
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="+", null=True, blank=True, db_index=False
    )
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(db_index=False)
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    is_leech = models.BooleanField(default=False)
    # Bumped on every change: an answer carries it, so a replayed POST changes nothing.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="cardstate_unique_user_card"),
        ]
        indexes = [
            # Also covering what the statistics' per-deck due forecast counts by range of due
            # dates (quiz.card_stats), so it reads no row.
            models.Index(
                fields=["user", "deck", "due", "suspended", "state", "card"],
                name="cardstate_user_deck_due",
            ),
            # "Learning cards due now" and "review cards due today" as two short range scans,
            # however many overdue or suspended rows of the other kind lie in the due range.
            # Covering: the study queue counts up to a thousand due cards on every answer, and
            # reads what makes one available (suspended, buried, retired card) from the index
            # alone instead of looking up each row.
            models.Index(
                fields=["user", "state", "due", "suspended", "buried_until", "card"],
                name="cardstate_user_state_queue",
            ),
            # The leeches page counts and lists a learner's few suspended cards and leeches
            # without walking every state of theirs.
            models.Index(
                fields=["user", "lapses"],
                condition=models.Q(is_leech=True) | models.Q(suspended=True),
                name="cardstate_user_leeches",
            ),
            # The study queue remembers its review count while nothing in the scope is written
            # (quiz.study.queue_memo) but must see a burial end inside the day; burials are few,
            # so the few buried rows are all this index holds.
            models.Index(
                fields=["user", "buried_until"],
                condition=models.Q(buried_until__isnull=False),
                name="cardstate_user_buried",
            ),
            # Ranges of a learner's due dates that test suspended and state, from the index
            # alone (once the statistics' forecast; that now reads `cardstate_user_deck_due`);
            # and a learner's states in due order, which a (user, due) index served before
            # this one made it redundant.
            models.Index(
                fields=["user", "due", "suspended", "state"], name="cardstate_user_due_open"
            ),
            # The statistics' card counts and per-topic mastery from the index alone
            # (quiz.card_stats.compute): every column that pass reads.
            models.Index(
                fields=[
                    "user",
                    "topic",
                    "state",
                    "suspended",
                    "is_leech",
                    "stability",
                    "last_review",
                    "card",
                ],
                name="cardstate_user_topic_stats",
            ),  # fmt: skip
            # The dashboard's stored counts (quiz.study.counts) are counted again for a deck,
            # or for all of a learner's decks once a study day, from this index alone.
            models.Index(
                fields=[
                    "user",
                    "deck",
                    "topic",
                    "state",
                    "suspended",
                    "buried_until",
                    "due",
                    "card",
                ],
                name="cardstate_user_deck_counts",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.user} · card {self.card_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.topic_id is None and self.card_id is not None:
            self.topic_id = self.card.topic_id
        super().save(*args, **kwargs)

    @staticmethod
    def sync_topics(card_ids: list[int], batch_size: int = 500) -> int:
        """Set the denormalised topic of every learner's state of these cards to the card's."""
        topic = Card.objects.filter(pk=models.OuterRef("card_id")).values("topic_id")[:1]
        changed = 0
        for start in range(0, len(card_ids), batch_size):
            states = CardState.objects.filter(card_id__in=card_ids[start : start + batch_size])
            changed += states.update(topic_id=models.Subquery(topic))
        return changed


class Review(models.Model):
    """Append-only review log: one row per answer, never deleted (undo marks it)."""

    class Rating(models.IntegerChoices):
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    # No index of its own: the (user, reviewed_at, ...) and (user, card, ...) indexes start with
    # the learner, and each index costs every answer's insert one more entry.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # CardState fields before and after, so undo can restore exactly and stats can read state.
    state_before = models.JSONField()
    state_after = models.JSONField()
    undone = models.BooleanField(default=False)
    source = models.CharField(max_length=10, default="study")  # "study" or "exam"

    class Meta:
        indexes = [
            models.Index(fields=["user", "card", "reviewed_at"], name="review_user_card_time"),
            # The statistics' heatmap counts a year of answers per day from the index alone:
            # source and undone ride along so no log row (with its JSON) is read. Also a
            # learner's log by time (a (user, reviewed_at) index was its redundant prefix).
            models.Index(
                fields=["user", "reviewed_at", "source", "undone"], name="review_user_time_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated card {self.card_id} {self.get_rating_display()}"


class AnswerCounts(models.Model):
    """A number of study answers, and the same split by the card's phase before the answer
    (learning, young, mature) and the rating: the columns `quiz.tally.COUNTERS` names; and how
    many of them were a card's first (new before the answer: the study queue's daily new-card
    limit counts these)."""

    answers = models.PositiveIntegerField(default=0)
    new_cards = models.PositiveIntegerField(default=0)
    learning_again = models.PositiveIntegerField(default=0)
    learning_hard = models.PositiveIntegerField(default=0)
    learning_good = models.PositiveIntegerField(default=0)
    learning_easy = models.PositiveIntegerField(default=0)
    young_again = models.PositiveIntegerField(default=0)
    young_hard = models.PositiveIntegerField(default=0)
    young_good = models.PositiveIntegerField(default=0)
    young_easy = models.PositiveIntegerField(default=0)
    mature_again = models.PositiveIntegerField(default=0)
    mature_hard = models.PositiveIntegerField(default=0)
    mature_good = models.PositiveIntegerField(default=0)
    mature_easy = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ReviewTally(AnswerCounts):
    """How many study answers a learner gave in one quarter of an hour (UTC), by rating and by
    the card's phase before the answer: the review log summed as it is written, so the
    statistics page reads a year of days from a few thousand small rows instead of the log.

    Kept inside each answer's transaction by `quiz.tally` (undo takes the answer back out);
    only study answers that are not undone count, as in the statistics. Quarter hours, not local
    days, so a day can still be cut at the learner's local midnight in whatever zone the page
    is shown in: every zone's midnight falls on a quarter hour. Phases: young and mature are
    answers to cards in the Review state with stability before the answer under 21 days and
    from 21 days on; learning is the rest (new, learning and relearning cards).
    """

    # No index of its own: the unique (user, quarter) index serves both.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    quarter = models.BigIntegerField()  # whole quarter hours since 1970-01-01 00:00 UTC

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "quarter"], name="reviewtally_user_quarter"),
        ]
        indexes = [
            # The heatmap sums each day's answers from the index alone.
            models.Index(fields=["user", "quarter", "answers"], name="reviewtally_user_answers"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · quarter {self.quarter}: {self.answers} answers"


class ReviewDay(AnswerCounts):
    """The quarter-hour tallies (`ReviewTally`) summed per local calendar day in the learner's
    zone (`StudyProfile.day_tally_zone`): a year of the statistics page is 365 small rows.

    Kept in each answer's transaction beside the quarter-hour row (`quiz.tally.record`); recut
    from the quarter hours (`quiz.tally.rebuild_days`) when the learner's zone changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reviewday_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.answers} answers"


class ExamAttempt(models.Model):
    """One sitting of a mock exam (timed, answers hidden until submitted) or a practice run
    (untimed, each answer checked at once). The questions are drawn once, at the start, and
    stored: a reload or a second tab shows the same attempt."""

    class Mode(models.TextChoices):
        EXAM = "exam", "Mock exam"
        PRACTICE = "practice", "Practice"

    # AWS certification exams pass at 720 on a 100–1000 scale; we keep it as a fraction.
    DEFAULT_PASS_MARK = 0.72

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.EXAM)
    deck = models.ForeignKey(Deck, on_delete=models.SET_NULL, null=True, blank=True)
    # The topics chosen at the start (empty: the whole deck); their subtrees were drawn from.
    topic_ids = models.JSONField(default=list, blank=True)
    seed = models.BigIntegerField()
    count = models.PositiveIntegerField()
    # None in practice mode: untimed.
    time_limit_s = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # True when the server closed the attempt because its deadline had passed.
    auto_submitted = models.BooleanField(default=False)
    pass_mark = models.FloatField(default=DEFAULT_PASS_MARK)
    # Fractions 0–1: the score once submitted; the FSRS prediction taken at the start.
    score = models.FloatField(null=True, blank=True)
    correct_count = models.PositiveIntegerField(default=0)
    predicted_score = models.FloatField(null=True, blank=True)
    # The question last shown, so resuming lands where the learner was.
    position = models.PositiveIntegerField(default=1)
    # A retake: the attempt whose missed and flagged questions this one asks again.
    # The deck's exam blueprint when the attempt started (quiz.blueprint), for its results.
    blueprint = models.JSONField(default=dict, blank=True)
    retake_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retakes"
    )
    # Each domain's score in this attempt, written when it is submitted (its answers are final
    # then): [[domain title, right, asked], ...] in the order the domains first came up
    # (`quiz.exams.domain_tally`). None before submission. The results page's trend across
    # twenty attempts reads these instead of grouping every question of every attempt.
    domain_scores = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "started_at"], name="examattempt_user_start")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.pk} for {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("exam_attempt", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.EXAM

    def is_overdue(self, now: datetime) -> bool:
        return self.deadline is not None and now >= self.deadline

    def seconds_left(self, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - now).total_seconds()))

    @property
    def passed(self) -> bool | None:
        if self.score is None:
            return None
        return self.score >= self.pass_mark

    @property
    def time_used_s(self) -> int | None:
        if self.submitted_at is None:
            return None
        end = min(self.submitted_at, self.deadline) if self.deadline else self.submitted_at
        return max(0, int((end - self.started_at).total_seconds()))


class ExamQuestion(models.Model):
    """One multiple-choice question of an attempt, frozen when the attempt started.

    `correct` must never reach a page before `can_reveal` is true (see the exam views)."""

    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    # SET_NULL: a deck deleted later does not erase the learner's exam history.
    card = models.ForeignKey(Card, on_delete=models.SET_NULL, null=True, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The top-level topic ("domain") the per-topic breakdown groups by.
    domain = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    domain_title = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=20)
    stem = models.TextField()
    options = models.JSONField()
    correct = models.JSONField()
    chosen = models.JSONField(default=list, blank=True)
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)
    explanation_html = models.TextField(blank=True)
    # Why each option is right or wrong, in option order (quiz.exams.explain_options): a list
    # of {"right": bool, "text": str, "card": id|None, "topic": id|None, "title": str}.
    option_explanations = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="examquestion_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.position} of attempt {self.attempt_id}"

    @property
    def is_answered(self) -> bool:
        return bool(self.chosen)

    @property
    def choose(self) -> int:
        """How many options to pick (checkboxes when more than one)."""
        return len(self.correct)

    @property
    def can_reveal(self) -> bool:
        """The right answer may be shown: practice once answered, an exam once submitted."""
        attempt = self.attempt
        if attempt.is_submitted:
            return True
        return attempt.mode == ExamAttempt.Mode.PRACTICE and self.answered_at is not None


class ExamReadiness(models.Model):
    """A learner's expected exam score on a deck (mean FSRS retrievability over the deck's
    exam-eligible cards), kept so the exams page need not recompute it over every card on each
    visit. `quiz.exams.readiness_by_deck` recomputes a row when the learner has answered a card
    of that deck since, when the deck's bank changed, or when it is older than an hour."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    readiness = models.FloatField()
    eligible = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    bank_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "deck"], name="examreadiness_unique_user_deck")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.deck}: {self.readiness:.0%}"


class DeckCounts(models.Model):
    """A learner's new / learning / due-today counts of one deck and of each of its topics, as
    the dashboard and the deck page show them, stored so those pages read a row per deck
    instead of counting every one of the learner's states on each visit (`quiz.study.counts`).

    Database triggers (migration 0011) bump `generation` whenever one of the learner's states
    in the deck is written or deleted, or one of the deck's cards is added, deleted, retired,
    restored or moved, whatever wrote it (the ORM, the hot path's own SQL, a bulk update or a
    cascade). A row is current while `computed` equals `generation`, its study day (`day_end`)
    is still the learner's, and `valid_until` (the day's end, or an earlier end of a burial)
    has not passed; otherwise the deck is counted again and the row rewritten.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveBigIntegerField(default=0)
    # The generation the counts below were made at; -1 before the first count.
    computed = models.BigIntegerField(default=-1)
    day_end = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    cards = models.IntegerField(default=0)
    new = models.IntegerField(default=0)
    learning = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    # Per topic id (as text): [active cards, new, learning, due], the topic's own cards only.
    topics = models.JSONField(default=dict, blank=True)
    # The statistics page's figures of the deck (quiz.card_stats), kept the same way: current
    # while `stats_computed` equals `generation`, `stats_key` (the retrievability curve and the
    # zone) is the learner's, and `stats_valid_until` (the end of the study or calendar day,
    # whichever is first) has not passed.
    stats_computed = models.BigIntegerField(default=-1)
    stats_valid_until = models.DateTimeField(null=True, blank=True)
    stats_key = models.CharField(max_length=200, blank=True, default="")
    # What the page reads: {"totals": [cards, started, learning, review, relearning,
    # suspended, leeches, studied], "mastery": [[topic id, cards, studied, sum of R], ...],
    # "forecast": [due per local day, from the day computed]}. The sums of the deck's
    # `TopicFigures` rows, stored with them.
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "deck"], name="deckcounts_unique_user_deck")
        ]

    def __str__(self) -> str:
        return f"{self.user} · deck {self.deck_id}: {self.new}/{self.learning}/{self.due}"


class TopicStamp(models.Model):
    """How many times one learner's states in one topic have been written, bumped by database
    triggers (migration 0016) on every insert, update or delete of such a state. The
    statistics' stored figures of a deck remember each topic's stamp, so when the deck was
    written to only the topics whose stamp moved are computed again (`quiz.card_stats`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topicstamp_unique_user_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user} · topic {self.topic_id}: {self.generation}"


class TopicFigures(models.Model):
    """One learner's statistics figures of one topic (`quiz.card_stats`), the parts its deck's
    stored figures (`DeckCounts.stats`) are the sums of, so that when a few topics are written
    to, only their rows are read, counted again and written, and the deck's sums are adjusted
    by the difference, instead of the whole deck being counted or its every topic rewritten.
    Written only by the statistics page, in the transaction that stores the deck's sums."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    # The topic's `TopicStamp` generation the figures were counted at.
    stamp = models.BigIntegerField(default=0)
    # [cards, started, learning, review, relearning, suspended, leeches, studied, sum of R]:
    # the topic's own active cards and this learner's states of them.
    figures = models.JSONField(default=list, blank=True)
    # The topic's open states falling due on each local day from the day counted (overdue on
    # the first), `card_stats.FORECAST_DAYS` of them.
    forecast = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topicfigures_unique_user_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user} · topic {self.topic_id} at {self.stamp}"
