"""What the next answer is computed from, remembered from the screen that put its card up.

An answer reads the card, the learner's state row for it, their study profile and the scope
before it can compute anything: a round trip of its own, and on PostgreSQL the one an answer
makes besides its write. But the screen the learner answers was built by this process a moment
before, from those same rows (the queue's statement reads the head card's whole state row). So
each app process keeps, per learner, the inputs behind the card it last put on screen; an
answer to exactly that card (same scope, same version) is computed from them without reading.

Nothing here is trusted: the answer's UPDATE carries a condition (`fastsql.unchanged`) that
holds only while every one of those rows still reads as remembered, whoever may have written
since (another tab, another process, an import, the settings page). When it does not hold the
UPDATE changes nothing, and the answer is made again the ordinary way, from a fresh read. Each
entry is used once: the screen after an answer remembers its own card.

Only the deck and whole-collection scopes are remembered: a topic's scope also holds its
subtopics, which no guard covers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quiz.models import Card, CardState, StudyProfile
    from quiz.study.scope import Scope

# Learners remembered per process, the least recently seen forgotten first. An entry is a state
# row, a profile, of the card only what an answer reads, the scope (a deck scope's deck row) and
# references to the decks by title: a few kilobytes, more with hundreds of decks.
MAX_LEARNERS = 1024


@dataclass(frozen=True)
class Inputs:
    """The rows behind one card on one learner's screen."""

    scope: Scope
    card: Card
    state: CardState
    # The state row as the driver returned it (`fastsql.unchanged` compares by it).
    state_values: tuple[Any, ...]
    profile: StudyProfile
    # Every deck by title (`fastsql.deck_stamps`), where the answer's batched reads need them.
    decks: list[tuple[int, datetime | None]] | None


_MEMORY: OrderedDict[int, Inputs] = OrderedDict()
# A threaded server's requests share the memory.
_lock = threading.Lock()


def remember(user_id: int, inputs: Inputs) -> None:
    with _lock:
        _MEMORY.pop(user_id, None)
        _MEMORY[user_id] = inputs
        while len(_MEMORY) > MAX_LEARNERS:
            _MEMORY.popitem(last=False)


def take(user_id: int, *, scope_key: str, card_id: int, version: int) -> Inputs | None:
    """The inputs remembered for this learner if they are for this card, version and scope
    (`scope_key` as the request gave it: a key in another form than the scope's own is not
    the same); forgotten either way (an entry serves one answer)."""
    with _lock:
        inputs = _MEMORY.pop(user_id, None)
    if inputs is None:
        return None
    if (
        inputs.scope.key != scope_key
        or inputs.state.card_id != card_id
        or inputs.state.version != version
    ):
        return None
    return inputs


def clear() -> None:
    with _lock:
        _MEMORY.clear()
