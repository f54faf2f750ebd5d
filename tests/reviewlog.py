"""A generated review log with known properties, for testing and measuring the FSRS optimizer.

A simulated learner studies `cards` cards for `days` days with FSRS-6's default parameters, as
a new Notebank user does. Their memory, though, follows other parameters (`TRUE_PARAMETERS`:
first memories about a third as stable as the defaults assume, and each recall adds less), so
the log they leave is one on which the defaults are measurably wrong (they expect far more
recalls than happen) and parameters fitted to it should predict it better. Each answer's
outcome is drawn from the true recall probability: recalled → Good (sometimes Hard or Easy),
forgotten → Again. Pure Python and seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import fsrs

from quiz.scheduling import DEFAULT_PARAMETERS

TRUE_PARAMETERS: tuple[float, ...] = (
    0.1,
    0.4,
    0.8,
    2.5,
    *DEFAULT_PARAMETERS[4:8],
    1.3,  # w8: a recall grows stability less than the defaults say
    *DEFAULT_PARAMETERS[9:],
)
START = date(2026, 1, 5)


@dataclass(frozen=True)
class GeneratedAnswer:
    card: int  # 0 … cards-1
    at: datetime
    rating: int
    state_before: int  # fsrs State: 0 new, 1 learning, 2 review, 3 relearning


def generate_log(
    *, cards: int = 300, days: int = 120, new_per_day: int = 15, seed: int = 11
) -> list[GeneratedAnswer]:
    rng = random.Random(seed)
    schedule = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    truth = fsrs.Scheduler(
        parameters=TRUE_PARAMETERS, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    scheduled: dict[int, fsrs.Card] = {}
    memory: dict[int, fsrs.Card] = {}
    log: list[GeneratedAnswer] = []
    introduced = 0
    for day in range(days):
        # Reviews at 9:00 local (UTC here), one minute apart.
        at = datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC)
        at += timedelta(hours=9)
        due = sorted(c for c, card in scheduled.items() if card.due <= at + timedelta(hours=12))
        fresh = list(range(introduced, min(cards, introduced + new_per_day)))
        introduced += len(fresh)
        for card_id in due + fresh:
            at += timedelta(minutes=1)
            if card_id in scheduled:
                recall = truth.get_card_retrievability(memory[card_id], current_datetime=at)
                state_before = int(scheduled[card_id].state)
                if rng.random() < recall:
                    rating = rng.choices((2, 3, 4), weights=(15, 75, 10))[0]
                else:
                    rating = 1
            else:
                scheduled[card_id] = fsrs.Card(card_id=card_id + 1, due=at)
                memory[card_id] = fsrs.Card(card_id=card_id + 1, due=at)
                state_before = 0
                rating = rng.choices((1, 2, 3, 4), weights=(20, 10, 55, 15))[0]
            scheduled[card_id], _ = schedule.review_card(
                scheduled[card_id], fsrs.Rating(rating), review_datetime=at
            )
            memory[card_id], _ = truth.review_card(
                memory[card_id], fsrs.Rating(rating), review_datetime=at
            )
            log.append(GeneratedAnswer(card_id, at, rating, state_before))
    return log
