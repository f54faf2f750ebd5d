"""Per-file limits on what one notes file may make: topics, cards and nesting depth.

A file past a limit is refused whole with a `NotesError` naming the limit and the line where
it was passed, before anything is rendered or written. The bounds are far above real notes
(the largest real file we know of has about 300 headings and 1,500 cards) and keep every page
that lists a deck's topics or cards, and every import, a size a server can answer in time.
Pure Python, no Django.
"""

from __future__ import annotations

import re

from quiz.notes.types import NotesError, ParsedDeck

MAX_TOPICS = 2_000
MAX_CARDS = 20_000
# Levels of list and quote nesting, counting two spaces of indentation as one level. Deeper
# than the parser keeps (it flattens past 20 levels, with a warning) but short of what only a
# generated file reaches.
MAX_NESTING = 100

_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# A bullet or number needs a space after it; quote markers may touch (">>> deep").
_MARKERS = re.compile(r"(?:[ \t]*(?:(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$)|>))+")
_MARKER = re.compile(r"[*+-]|\d{1,9}[.)]|>")


def nesting(line: str) -> int:
    """How deep a line sits: list and quote markers before its text, plus its indentation."""
    stripped = line.lstrip(" \t")
    indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
    prefix = _MARKERS.match(stripped)
    markers = len(_MARKER.findall(prefix.group())) if prefix else 0
    return markers + indent // 2


def check_text(text: str) -> None:
    """Refuse text nested deeper than MAX_NESTING or with more than MAX_TOPICS headings,
    before it is parsed (parsing either would take long for nothing)."""
    headings = 0
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue  # code is not notes: its indentation and #s mean nothing here
        if opening:
            fence = opening.group(1)
            continue
        if _HEADING.match(line):
            headings += 1
            if headings > MAX_TOPICS:
                raise NotesError(_too_many("topics (headings)", MAX_TOPICS), line=number)
        elif len(line) > MAX_NESTING and nesting(line) > MAX_NESTING:
            raise NotesError(
                f"nested {nesting(line):,} levels deep; at most {MAX_NESTING} levels of lists "
                "and quotes per file",
                line=number,
            )


def check_parsed(deck: ParsedDeck) -> None:
    """Refuse a parsed file with more than MAX_TOPICS topics or MAX_CARDS cards."""
    paths: set[tuple[str, ...]] = set()
    for topic in deck.topics:
        paths.add(topic.path)
        if len(paths) > MAX_TOPICS:
            raise NotesError(_too_many("topics", MAX_TOPICS), line=topic.line)
    if len(deck.cards) > MAX_CARDS:
        raise NotesError(_too_many("cards", MAX_CARDS), line=deck.cards[MAX_CARDS].line)


def _too_many(what: str, limit: int) -> str:
    return f"more than {limit:,} {what} in one file (the limit); split the notes into several files"
