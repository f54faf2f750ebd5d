"""How much of a notes file its cards hold: the share of content lines that are in some card.

Pure Python. Content lines are the lines a learner would study: not blank, not headings, not
code, not images or bare links, not front matter, properties, tasks, tags or comments. A line
is covered when one card (prompt, answer and list items together) holds at least
`COVERED_SHARE` of its distinct words: wrapped lines, stripped markup and a card that
rephrases a heading around the line's words all still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quiz.notes.decode import decode_notes
from quiz.notes.inline import extract_tags, wiki_to_text
from quiz.notes.parser import parse_notes
from quiz.notes.syntax import FENCE_OPEN_RE, PROPERTY_RE, fence_closes, strip_comment
from quiz.notes.types import NotesError, ParsedDeck

COVERED_SHARE = 0.8

_WORD_RE = re.compile(r"[^\W_]+")
_ATX_RE = re.compile(r" {0,3}#{1,6}(?:\s|$)")
_UNDERLINE_RE = re.compile(r" {0,3}(?:=+|-+)\s*$")
_RULE_RE = re.compile(r" {0,3}(?:(?:\* *){3,}|(?:- *){3,}|(?:_ *){3,})$")
_TABLE_RULE_RE = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MARKERS_RE = re.compile(r"^(?:\s*(?:>|[*+-](?=\s)|\d{1,9}[.)](?=\s)))*\s*")
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>", re.I)
_LINK_ONLY_RE = re.compile(r"\[[^\]]*\]\([^)]*\)|<?https?://\S+>?")
_TASK_RE = re.compile(r"\[[ xX/-]\]\s|(?:TODO|DONE|LATER|NOW|DOING|WAITING)\b")
_CALLOUT_RE = re.compile(r"\[![\w-]+\]")
_QA_PREFIX_RE = re.compile(r"(?:Q|A|Question|Answer)\s?[:.](?![:.])\s+")


@dataclass
class Coverage:
    """`share` is covered / content lines (1.0 for a file with no content lines)."""

    content_lines: int
    covered_lines: int
    uncovered: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, text)

    @property
    def share(self) -> float:
        return self.covered_lines / self.content_lines if self.content_lines else 1.0


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def content_lines(text: str) -> list[tuple[int, str, list[str]]]:
    """(1-based line, text as written, its words) for every line a card could hold."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[int, str, list[str]]] = []
    fence: str | None = None
    start = 0
    if lines and lines[0].rstrip() == "---":
        for i in range(1, min(len(lines), 200)):
            if lines[i].rstrip() in ("---", "..."):
                start = i + 1
                break
            if not lines[i].strip():
                break
    in_comment = False
    for i in range(start, len(lines)):
        raw = lines[i]
        if fence is not None:
            if fence_closes(raw, fence):
                fence = None
            continue
        opening = FENCE_OPEN_RE.match(raw)
        if opening:
            fence = opening.group(2)
            continue
        line = raw
        if in_comment or "<!--" in line:
            line, in_comment = strip_comment(line, in_comment)
        stripped = line.strip()
        if not stripped or _ATX_RE.match(line) or _UNDERLINE_RE.match(line):
            continue
        if _RULE_RE.match(line) or _TABLE_RULE_RE.match(line):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _UNDERLINE_RE.match(nxt) and nxt.strip() and not _MARKERS_RE.match(line).group():
            continue  # a setext heading's text
        body = _QA_PREFIX_RE.sub("", _MARKERS_RE.sub("", line))
        if _TASK_RE.match(body) or _CALLOUT_RE.match(body) or PROPERTY_RE.match(line):
            continue
        body = extract_tags(wiki_to_text(body))[0]
        if not _LINK_ONLY_RE.sub("", _IMAGE_RE.sub("", body)).strip(" |*_`:.-"):
            continue
        found = words(_IMAGE_RE.sub("", body))
        if found:
            out.append((i + 1, stripped, found))
    return out


def measure(text: str, deck: ParsedDeck) -> Coverage:
    """The coverage of `text` (a notes file) by `deck` (what `parse_notes` made of it)."""
    card_words: list[set[str]] = []
    index: dict[str, list[int]] = {}
    for n, card in enumerate(deck.cards):
        bag = set(words(" ".join([card.prompt, card.answer, *card.items])))
        card_words.append(bag)
        for w in bag:
            index.setdefault(w, []).append(n)
    lines = content_lines(text)
    result = Coverage(content_lines=len(lines), covered_lines=0)
    for number, shown, found in lines:
        distinct = set(found)
        need = COVERED_SHARE * len(distinct)
        # Every card holding any of the line's words is a candidate (a card may miss 20%).
        candidates: set[int] = set()
        for w in distinct:
            candidates.update(index.get(w, ()))
        if any(len(distinct & card_words[c]) >= need for c in candidates):
            result.covered_lines += 1
        else:
            result.uncovered.append((number, shown))
    return result


def measure_bytes(data: bytes, *, name: str = "") -> Coverage | None:
    """Coverage of a notes file's bytes, or None when they are not notes (see decode_notes)."""
    try:
        text = decode_notes(data)
    except NotesError:
        return None
    return measure(text, parse_notes(text, source_name=name))
