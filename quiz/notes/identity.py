"""Card identity: the one place that decides whether a parsed card is an existing card.

Pure Python. A card is identified by its deck, its topic path and its normalised prompt; a small
edit to a prompt (a typo fix) still finds the card through a close match within its topic, and a
card whose heading was renamed is still found by an exact prompt match elsewhere in the deck.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# How alike two normalised prompts must be (difflib ratio) to count as the same card edited.
# 0.85 accepts a typo or two in a sentence-length prompt and rejects a different question.
TYPO_MATCH_RATIO = 0.85

_MARKUP = re.compile(r"[*_`~=#>\[\]()!]+")
_SPACE = re.compile(r"\s+")


def normalise_prompt(text: str) -> str:
    """Lower-case, strip Markdown punctuation and collapse white space."""
    text = unicodedata.normalize("NFKC", text)
    text = _MARKUP.sub(" ", text)
    return _SPACE.sub(" ", text).strip().casefold()


def card_key(deck_slug: str, topic_path: str, match_text: str) -> str:
    """A stable key for a new card. Assigned once; never recomputed for an existing card."""
    digest = hashlib.sha256(f"{deck_slug}\x1f{topic_path}\x1f{match_text}".encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Existing:
    """What the matcher needs to know of a stored card."""

    id: int
    topic_path: str
    match_text: str
    kind: str
    answer_text: str = ""  # normalised answer as the notes last gave it


@dataclass(frozen=True)
class Incoming:
    topic_path: str
    match_text: str
    kind: str
    answer_text: str = ""


def disambiguate(texts: Iterable[tuple[str, str]]) -> list[str]:
    """Number repeated prompts within a topic ("what is it?", "what is it? #2").

    Notes do repeat a question under one heading; numbering keeps each its own card.
    """
    seen: dict[tuple[str, str], int] = {}
    out = []
    for topic_path, text in texts:
        count = seen.get((topic_path, text), 0) + 1
        seen[(topic_path, text)] = count
        out.append(text if count == 1 else f"{text} #{count}")
    return out


def match_cards(existing: Sequence[Existing], incoming: Sequence[Incoming]) -> list[int | None]:
    """For each incoming card, the id of the existing card it continues, or None if new.

    Four passes, each only over what earlier passes left unmatched, so no stored card is
    claimed twice: exact (topic, prompt); the same prompt under a renamed or moved heading when
    that prompt is unique in the deck; the closest prompt of the same kind in the same topic
    above TYPO_MATCH_RATIO; then, in the same topic and of the same kind, the one card with the
    same answer (the notes did not change but the question was worded anew, as when the parser
    learns to phrase a prompt better).
    """
    result: list[int | None] = [None] * len(incoming)
    by_exact = {(e.topic_path, e.match_text): e for e in existing}
    used: set[int] = set()

    for i, card in enumerate(incoming):
        found = by_exact.get((card.topic_path, card.match_text))
        if found is not None and found.id not in used:
            result[i] = found.id
            used.add(found.id)

    unmatched_by_text: dict[str, list[Existing]] = {}
    for e in existing:
        if e.id not in used:
            unmatched_by_text.setdefault(e.match_text, []).append(e)
    incoming_text_counts: dict[str, int] = {}
    for card in incoming:
        incoming_text_counts[card.match_text] = incoming_text_counts.get(card.match_text, 0) + 1
    for i, card in enumerate(incoming):
        if result[i] is not None:
            continue
        candidates = unmatched_by_text.get(card.match_text, [])
        if len(candidates) == 1 and incoming_text_counts[card.match_text] == 1:
            result[i] = candidates[0].id
            used.add(candidates[0].id)
            candidates.clear()

    by_topic: dict[str, list[Existing]] = {}
    for e in existing:
        if e.id not in used:
            by_topic.setdefault(e.topic_path, []).append(e)
    for i, card in enumerate(incoming):
        if result[i] is not None:
            continue
        best: Existing | None = None
        best_ratio = TYPO_MATCH_RATIO
        for e in by_topic.get(card.topic_path, ()):
            if e.id in used or e.kind != card.kind:
                continue
            matcher = SequenceMatcher(None, e.match_text, card.match_text, autojunk=False)
            # quick_ratio is an upper bound: skip the exact ratio when it cannot win.
            if matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = e, ratio
        if best is not None:
            result[i] = best.id
            used.add(best.id)

    by_answer: dict[tuple[str, str, str], list[Existing]] = {}
    for e in existing:
        if e.id not in used and e.answer_text:
            by_answer.setdefault((e.topic_path, e.kind, e.answer_text), []).append(e)
    wanted: dict[tuple[str, str, str], int] = {}
    for i, card in enumerate(incoming):
        if result[i] is None and card.answer_text:
            key = (card.topic_path, card.kind, card.answer_text)
            wanted[key] = wanted.get(key, 0) + 1
    for i, card in enumerate(incoming):
        if result[i] is not None or not card.answer_text:
            continue
        key = (card.topic_path, card.kind, card.answer_text)
        candidates = by_answer.get(key, [])
        if len(candidates) == 1 and wanted[key] == 1:
            result[i] = candidates[0].id
            used.add(candidates[0].id)
            candidates.clear()
    return result
