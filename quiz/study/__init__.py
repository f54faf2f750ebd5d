"""Studying, split by concern as Anki's scheduler is:

- `timing`: the learner's study day (4 am in their time zone);
- `scope`: what is being studied (everything, a deck, a topic with its subtopics);
- `profile`: the learner's settings and the fsrs scheduler they configure;
- `states`: a CardState as scheduling data, read at a known version;
- `queue`: which card comes next (`choose_next` is the pure rule);
- `new_cards`: new cards in notes order through a per-deck cursor;
- `answering`: answer, undo, and the token naming the card as shown (its version and time);
- `bury_and_suspend`: hiding cards, and leeches;
- `summary`: what a session did, and the dashboard's counts;
- `session`: everything the next screen needs, in one call;
- `fastsql`: the one fenced place that bypasses the ORM (the hot path's lookups).

The scheduling itself is `quiz.scheduling` (fsrs). The names below are the package's public face.
"""

from quiz.study.answering import (
    LEECH_LAPSES,
    LEECH_REPEAT,
    MAX_DURATION_MS,
    AnswerResult,
    ShownToken,
    answer_card,
    duration_from_token,
    last_review,
    read_token,
    stopwatch_token,
    token_matches,
    undo_last,
    undo_review,
)
from quiz.study.bury_and_suspend import bury_card, leeches, suspend_card, unsuspend
from quiz.study.counts import DeckTally, DueCounts, count_decks, stored_counts
from quiz.study.fastsql import load_card, load_card_and_state
from quiz.study.new_cards import first_new_cards
from quiz.study.profile import profile_for, scheduler_for, scheduler_for_user, scheduler_settings
from quiz.study.queue import (
    LEARN_AHEAD,
    QUEUE_COUNT_CAP,
    Candidates,
    Counted,
    Pick,
    Queue,
    Shown,
    TodayCounts,
    choose_next,
    next_card,
    shown_for,
    today_counts,
)
from quiz.study.scope import Scope, scope_for, scope_from_key
from quiz.study.session import Answered, Screen, answer_and_next, intervals_for, screen
from quiz.study.states import fuzz_seed, memory_of, snapshot
from quiz.study.summary import (
    SessionSummary,
    counts_by,
    retrievability_by_deck,
    session_summary,
)
from quiz.study.timing import DAY_START_HOUR, day_bounds, zone

__all__ = [
    "DAY_START_HOUR",
    "LEARN_AHEAD",
    "LEECH_LAPSES",
    "LEECH_REPEAT",
    "MAX_DURATION_MS",
    "QUEUE_COUNT_CAP",
    "Answered",
    "AnswerResult",
    "Candidates",
    "Counted",
    "DeckTally",
    "DueCounts",
    "Pick",
    "Queue",
    "Scope",
    "Screen",
    "SessionSummary",
    "Shown",
    "ShownToken",
    "TodayCounts",
    "answer_and_next",
    "answer_card",
    "bury_card",
    "choose_next",
    "count_decks",
    "counts_by",
    "retrievability_by_deck",
    "day_bounds",
    "duration_from_token",
    "first_new_cards",
    "fuzz_seed",
    "intervals_for",
    "last_review",
    "leeches",
    "load_card",
    "load_card_and_state",
    "memory_of",
    "next_card",
    "profile_for",
    "read_token",
    "scheduler_for",
    "scheduler_for_user",
    "scheduler_settings",
    "scope_for",
    "scope_from_key",
    "screen",
    "session_summary",
    "shown_for",
    "snapshot",
    "stopwatch_token",
    "stored_counts",
    "suspend_card",
    "today_counts",
    "token_matches",
    "undo_last",
    "undo_review",
    "unsuspend",
    "zone",
]
