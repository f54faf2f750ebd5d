"""A card's source notes as the study page shows them ("Show source").

The section a card came from is notes Markdown, card syntax and all. Shown beside a card it
must not undo the card: before the answer is revealed, the card's own lines lose what the
answer hides (a cloze's hidden phrase, a definition's text, a question's answer lines), and
card syntax (`Q::A`, `Q:::A`, a `?` line between question and answer) never shows raw: it
reads as "question — answer".

Pure functions over strings; `render_markdown` renders the result through the one sanitizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quiz.notes.render import render_markdown

HIDDEN = "[…]"
_IMG_MD = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMG_HTML = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"")
_CODE_SPAN = re.compile(r"`[^`]*`")
_QUESTION_MARK_LINE = re.compile(r"^\s*\?\??\s*$")
_CLOZE = re.compile(r"==(?=[^=\s])(.+?)(?<=[^=\s])==")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class CardRef:
    """What locating and masking a card needs (fields of `quiz.models.Card`)."""

    kind: str
    prompt_md: str
    answer_md: str
    term: str
    source_line: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _without_syntax(line: str, *, hide: bool) -> str:
    """`Q::A` and `Q:::A` as "Q — A" (answer hidden when `hide`); code spans left alone."""
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\x00{len(spans) - 1}\x00"

    masked = _CODE_SPAN.sub(keep, line)
    sep = ":::" if ":::" in masked else "::" if "::" in masked else None
    if sep is not None:
        question, _, answer = masked.partition(sep)
        masked = f"{question.rstrip()} — {HIDDEN if hide else answer.strip()}"
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], masked)


def _key(card: CardRef) -> str:
    """Text the card's first line certainly contains, to find it in its section."""
    # Short, so a sentence wrapped over two lines is still found by its first line.
    if card.term:
        return card.term
    if card.kind == "cloze":
        return card.answer_md.split("==")[0].strip()[:20] or card.prompt_md[:20]
    prompt = card.prompt_md
    if prompt.startswith("Recall: "):
        prompt = re.sub(r" \(\d+ items?\)$", "", prompt[len("Recall: ") :])
    return prompt.strip()[:24]


def _find_card_line(lines: list[str], card: CardRef, topic_line: int) -> int | None:
    """Index in `lines` of the card's first line, searched outwards from where its recorded
    source line puts it."""
    key = _key(card)
    if not key:
        return None
    # The section's Markdown starts two lines under its heading (the heading, a blank line).
    guess = card.source_line - topic_line - 2
    order = sorted(range(len(lines)), key=lambda i: abs(i - guess))
    for i in order:
        if key in lines[i] or key in lines[i].replace("**", ""):
            return i
    return None


def _block_end(lines: list[str], start: int) -> tuple[int, int]:
    """(end of the item's own text, end of the item) for the item starting at `start`.

    A bullet's own text runs on over unindented continuation lines (as people type them);
    the item ends at the next bullet at its level or shallower. A paragraph ends at a blank
    line.
    """
    base = _indent(lines[start])
    if not _BULLET.match(lines[start]):
        end = start + 1
        while end < len(lines) and lines[end].strip():
            end += 1
        return end, end
    head_end = start + 1
    while (
        head_end < len(lines)
        and lines[head_end].strip()
        and not _BULLET.match(lines[head_end])
        and _indent(lines[head_end]) <= base + 1
    ):
        head_end += 1
    end = head_end
    while end < len(lines):
        line = lines[end]
        if not line.strip():
            nxt = next((x for x in lines[end + 1 :] if x.strip()), None)
            if nxt is None or _indent(nxt) <= base:
                break
        elif _indent(line) <= base:
            break
        end += 1
    return head_end, end


def _mask_card(lines: list[str], start: int, card: CardRef) -> list[str]:
    """The card's lines with what its answer holds replaced by [`HIDDEN`]."""
    head_end, end = _block_end(lines, start)
    head = lines[start]
    pad = " " * (_indent(head) + 2)
    if card.kind == "cloze":
        hidden = [m.group(1) for m in _CLOZE.finditer(card.answer_md)]
        block = lines[start:end]
        for phrase in hidden:
            for pattern in (f"**{phrase}**", f"__{phrase}__", f"=={phrase}==", phrase):
                block = [line.replace(pattern, HIDDEN) for line in block]
        return [*lines[:start], *block, *lines[end:]]
    if "::" in head or any(_QUESTION_MARK_LINE.match(x) for x in lines[start:end]):
        qa_end = next((i for i in range(start, end) if _QUESTION_MARK_LINE.match(lines[i])), None)
        if qa_end is not None:  # multi-line card: question lines, "?", answer lines
            return [*lines[:qa_end], f"{pad[:-2]}{HIDDEN}", *lines[end:]]
        return [*lines[:start], _without_syntax(head, hide=True), *lines[end:]]
    if card.kind == "definition" and card.term:
        cut = head.find(card.term)
        colon = head.find(":", cut + len(card.term)) if cut >= 0 else -1
        if colon >= 0:
            return [*lines[:start], f"{head[: colon + 1]} {HIDDEN}", *lines[end:]]
        return [*lines[:head_end], *lines[end:]]
    # A question or a list heading: its nested lines are the answer.
    nested = end > head_end
    return [*lines[:head_end], *([f"{pad}- {HIDDEN}"] if nested else []), *lines[end:]]


def source_markdown(
    body_md: str, card: CardRef | None, *, topic_line: int, hide_answer: bool
) -> str | None:
    """The section's Markdown as shown: card syntax read as text and, when `hide_answer`,
    `card`'s answer masked. None when the whole section is the card's answer (a question
    heading whose notes answer it) and the answer is hidden."""
    lines = body_md.splitlines()
    if hide_answer and card is not None:
        if card.kind in ("qa", "list") and card.source_line == topic_line:
            return None  # a question or list heading: its section is the answer
        start = _find_card_line(lines, card, topic_line)
        if start is not None:
            lines = _mask_card(lines, start, card)
    out = []
    for line in lines:
        if _QUESTION_MARK_LINE.match(line):
            continue
        out.append(_without_syntax(line, hide=False) if "::" in line else line)
    return "\n".join(out)


def image_map(body_md: str, body_html: str) -> dict[str, str | None]:
    """Each image src as written in the notes → the URL the import served it at (the stored
    HTML has them in the same order), so re-rendering keeps the images."""
    written = [m.group(1) for m in _IMG_MD.finditer(body_md)]
    served = [m.group(1) for m in _IMG_HTML.finditer(body_html)]
    return dict(zip(written, served, strict=False)) if len(written) == len(served) else {}


def readable_body(*, body_md: str, body_html: str) -> str:
    """A section's HTML with card syntax read as text (the stored HTML when it has none)."""
    if "::" not in body_md and not any(_QUESTION_MARK_LINE.match(x) for x in body_md.splitlines()):
        return body_html
    return (
        source_html(
            body_md=body_md, body_html=body_html, card=None, topic_line=0, hide_answer=False
        )
        or ""
    )


def source_html(
    *, body_md: str, body_html: str, card: CardRef | None, topic_line: int, hide_answer: bool
) -> str | None:
    text = source_markdown(body_md, card, topic_line=topic_line, hide_answer=hide_answer)
    if text is None:
        return None
    if not text.strip():
        return ""
    return render_markdown(text, images=image_map(body_md, body_html))
