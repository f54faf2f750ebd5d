"""The quality gate: cards no learner should see are dropped, each with a warning and its line.

Pure Python. `problem` says what is wrong with one card (or None); `apply` runs it over a
deck's cards and also drops a card that repeats another card's prompt and answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from quiz.notes.inline import balanced
from quiz.notes.types import NoteWarning, ParsedCard

_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]|<img\b[^>]*>", re.I)
_HIDDEN_RE = re.compile(r"==(?=[^=\s])(.+?)(?<=[^=\s])==")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")
_GLUE = {"the", "of", "and", "a", "an", "for", "to", "in", "on"}  # not in acronyms


def problem(card: ParsedCard) -> str | None:
    """Why the card must not reach a learner, or None when it is fine."""
    answer = card.answer.strip()
    if not card.explicit and not _IMAGE_RE.sub("", answer).strip(" \n-*>"):
        # (An author who writes `Sketch it::![diagram](x.png)` means it: explicit cards stay.)
        return "its answer is only images"
    if card.kind == "qa" and not card.explicit and _bare_label(card.prompt):
        return f"its question is a bare label ({card.prompt.strip()[:60]!r})"
    if card.kind == "list" and len([i for i in card.items if i.strip()]) < 2:
        return "it is a list of one item"
    if not balanced(card.prompt):
        return "its question has unbalanced ** or ` markup"
    if card.kind == "cloze" and not card.explicit:
        # (An author's own `==deletion==` is theirs to word, as in Obsidian and Anki.)
        for hidden in _HIDDEN_RE.findall(card.answer):
            if shows(hidden, card.prompt):
                return f"its hidden text ({hidden[:40]!r}) still shows in the prompt"
    return None


def apply(cards: Iterable[ParsedCard], warnings: list[NoteWarning]) -> list[ParsedCard]:
    kept: list[ParsedCard] = []
    seen: set[tuple[str, str]] = set()
    for card in cards:
        reason = problem(card)
        key = (_flat(card.prompt), _flat(card.answer))
        if reason is None and key in seen:
            reason = "it repeats another card's question and answer"
        if reason is not None:
            warnings.append(NoteWarning(card.line, f"card dropped: {reason}"))
            continue
        seen.add(key)
        kept.append(card)
    return kept


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def _bare_label(prompt: str) -> bool:
    """ "AWS ML", "ML Model Insights": a few words with no question in them."""
    text = prompt.strip()
    if "?" in text or "[...]" in text or "\n" in text:
        return False
    return len(text.split()) <= 4 and not text.endswith((".", ":"))


def shows(hidden: str, prompt: str) -> bool:
    """The hidden text, its initials or its expansion is still readable in the prompt."""
    visible = prompt.replace("[...]", " ")
    hidden_words = _WORD_RE.findall(hidden)
    visible_words = _WORD_RE.findall(visible)
    if not hidden_words:
        return False
    lowered = [w.lower() for w in visible_words if w.lower() not in _GLUE]
    if len(hidden.strip()) >= 3 and _phrase_in(hidden.strip().lower(), visible.lower()):
        return True
    # An abbreviation hidden while its expansion shows: "[...] (translation lookaside buffer)".
    if len(hidden_words) == 1 and hidden_words[0].isupper() and 2 <= len(hidden_words[0]) <= 6:
        letters = hidden_words[0].lower()
        initials = "".join(w[0] for w in lowered)
        if letters in initials and _consecutive(letters, lowered):
            return True
    # An expansion hidden while its abbreviation shows: "[...] (TLB)".
    if len(hidden_words) >= 2:
        acronym = "".join(w[0] for w in hidden_words).upper()
        if len(acronym) >= 2 and acronym in visible_words:
            return True
    return False


def _phrase_in(phrase: str, text: str) -> bool:
    """`phrase` occurs in `text` with no word character either side."""
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(phrase, start + 1)
    return False


def _consecutive(letters: str, words: list[str]) -> bool:
    for start in range(len(words) - len(letters) + 1):
        if all(words[start + i][0] == ch for i, ch in enumerate(letters)):
            return True
    return False
