"""Turn Markdown study notes into topics and cards.

`parse_notes` reads the block tree that Python-Markdown's own block parser builds (headings,
paragraphs, lists, quotes) and walks it once. Inline Markdown is not processed here: the
text of each block is still its Markdown source, which is exactly what cards store (the
importer renders it once). Nothing here imports Django and nothing here raises on any text.

Card rules, in priority order; an item (a heading, a bullet or a paragraph) gives at most
one card, from the first rule that matches:

1. Explicit cards, Obsidian Spaced Repetition syntax: `Question::Answer` (one line),
   `Question:::Answer` (two cards, one each way), a line holding only `?` (or `??` for
   both ways) between question lines and answer lines, and cloze `==hidden text==`.
2. `qa`: a bullet ending in `?` with sub-items or paragraphs (they are the answer); a
   heading ending in `?` whose section is at most `SECTION_CAP_LINES` lines and
   `SECTION_CAP_CHARS` characters (the section is the answer); in a practice-question
   section (its heading says exam, quiz, practice, test or questions), every top-level
   bullet with sub-items (they are the answers).
3. `list`: a bullet or heading ending in `:` that introduces a list ("AWS IoT Components:");
   the items are the list's items. At most `LIST_CAP_ITEMS` items and `SECTION_CAP_CHARS`
   characters, otherwise skipped with a warning. A single word with a colon and sub-items
   ("Tumbling:") is a term being defined, so rule 4 takes it.
4. `definition`: a bullet `Term: definition` where the term has at most `TERM_MAX_WORDS`
   words and is not a URL, a time or a label such as "Important"; nested bullets join the
   answer.
5. `cloze`: a bullet or paragraph with an emphasised key phrase (`**DON'T DELETE**`): the
   sentence holding it, with the phrase hidden.

A bullet ending in `?` without anything under it is not a question on its own: inside a
list card or a question heading it is one of the parent's items ("Is this email spam or
not?" under "Binary Classification Model:"); elsewhere it is skipped with a warning.

Cloze representation: the prompt is the text with each hidden part replaced by `[...]`; the
answer is the same text with each hidden part marked `==like this==` (rendered as <mark>).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, replace
from pathlib import PurePath

from markdown import Markdown
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
)

from quiz.notes.syntax import ETX, FENCE_OPEN_RE, STX, TAB_LENGTH, fence_closes, normalize_lines
from quiz.notes.types import (
    ImageRef,
    NoteWarning,
    ParsedCard,
    ParsedDeck,
    ParsedSim,
    ParsedTopic,
)

SECTION_CAP_LINES = 40  # a `?` heading's section longer than this is notes, not an answer
SECTION_CAP_CHARS = 4000
LIST_CAP_ITEMS = 20  # more items than this is a catalogue, not something to recall
TERM_MAX_WORDS = 6
_SEARCH_WINDOW = 5000  # how far ahead a block's source line is looked for

_FLAT_RE = re.compile(r"^(?:\s*(?:>|[*+-]\s|\d+\.\s))*\s*")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PLACEHOLDER_RE = re.compile(STX + r"fence:(\d+)" + ETX)
_CONTENT_PREFIX_RE = re.compile(r"[ >]*(?:(?:[*+-]|\d{1,9}\.)[ ]+)*#*[ ]*")
_CLOZE_RE = re.compile(r"==(?=[^=\s])(.+?)(?<=[^=\s])==")
_BOLD_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_CODE_SPAN_RE = re.compile(r"`+[^`]*`+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*_])")
_TERM_RE = re.compile(r"([^:]{1,80}?):(?:\s+(.*))?$", re.DOTALL)
_TIME_RE = re.compile(r"\d{1,2}$")
_PRACTICE_RE = re.compile(r"\b(exams?|quiz(?:zes)?|practice|tests?|questions)\b", re.IGNORECASE)
_HTML_IMG_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_SIM_LINE_RE = re.compile(r"([A-Za-z_][\w.-]*)\s*:\s*(.*)$")
_QUESTION_WORDS = {"why", "what", "how", "when", "where", "which", "who", "is", "are", "does", "do"}
# Words that open a remark rather than name a term ("Important: ...").
_LABELS = {
    "answer",
    "basically",
    "caution",
    "e.g",
    "edit",
    "eg",
    "example",
    "examples",
    "hint",
    "i.e",
    "important",
    "nb",
    "note",
    "notes",
    "question",
    "read the question",
    "remember",
    "see",
    "source",
    "summary",
    "tip",
    "todo",
    "update",
    "warning",
}


@dataclass
class _Fence:
    info: str
    lines: list[str]  # the block as written, fences included, dedented
    line: int  # 1-based source line of the opening fence


@dataclass
class _Ctx:
    """Where an item sits: its topic, the item above it, and whether a card already holds it."""

    topic: tuple[str, ...]
    parent_label: str = ""
    covered: bool = False
    practice: bool = False
    depth: int = 0
    topic_label: str = ""  # the heading as context for prompts; empty before any heading


@dataclass
class _Section:
    topic: ParsedTopic
    card_slot: int | None = None  # index in cards reserved for a `?` heading's card
    first_block: bool = True
    intro: bool = False  # the text before the first heading


def parse_notes(text: str, *, source_name: str = "") -> ParsedDeck:
    """Parse notes text into a deck. Never raises: odd input gives warnings instead."""
    try:
        return _Parser(text, source_name).parse()
    except RecursionError:
        pass
    # normalize_lines caps nesting, so this is a last resort: reading every line without
    # its quote and list markers keeps the text and its line numbers.
    flat = "\n".join(_FLAT_RE.sub("", line) for line in text.split("\n"))
    try:
        deck = _Parser(flat, source_name).parse()
    except RecursionError:
        deck = ParsedDeck(_title_from_name(source_name), [], [], [], [], [])
    deck.warnings.insert(0, NoteWarning(1, "nesting too deep: the notes were read flat"))
    return deck


class _Parser:
    def __init__(self, text: str, source_name: str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.source_name = source_name
        self.source = text.split("\n")
        self.cards: list[ParsedCard | None] = []
        self.topics: list[ParsedTopic] = []
        self.images: list[ImageRef] = []
        self.sims: list[ParsedSim] = []
        self.warnings: list[NoteWarning] = []
        self.fences: list[_Fence] = []
        self.cursor = 0
        self.md = Markdown(tab_length=TAB_LENGTH)
        # The image processors below read stashed nodes from the inline tree processor,
        # which only sets them up while rendering.
        self.md.treeprocessors["inline"].stashed_nodes = {}
        self.image_link = ImageInlineProcessor(IMAGE_LINK_RE, self.md)
        self.image_ref = ImageReferenceInlineProcessor(IMAGE_REFERENCE_RE, self.md)

    # ---- preparing lines -------------------------------------------------------------

    def _prepare(self) -> list[str]:
        """Normalise lines and swap each fenced block for one placeholder line.

        Returns the lines for Python-Markdown; `self.line_of[i]` is the 1-based source line
        of prepared line i. Fenced blocks are replaced because their content is not Markdown
        (a `#` in a code block is not a heading) and their source must survive verbatim.
        """
        lines, capped = normalize_lines(self.source)
        for n, index in enumerate(capped):
            if n and capped[n - 1] == index - 1:
                continue  # one warning per run of flattened lines
            self.warnings.append(
                NoteWarning(index + 1, "nesting deeper than the supported depth was flattened")
            )
        # Text before the first heading starts after any front matter (blanked above).
        self.body_start = next((i for i, x in enumerate(lines) if x.strip()), 0)
        prepared: list[str] = []
        self.line_of: list[int] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            opening = FENCE_OPEN_RE.match(line)
            if not opening:
                prepared.append(line)
                self.line_of.append(i + 1)
                i += 1
                continue
            indent, fence, info = opening.group(1), opening.group(2), opening.group(3)
            end = i + 1
            while end < len(lines) and not fence_closes(lines[end], fence):
                end += 1
            if end >= len(lines):
                self.warnings.append(NoteWarning(i + 1, "code block is never closed"))
            block = [_dedent(x, len(indent)) for x in lines[i : end + 1]]
            if end >= len(lines):
                block.append(fence)
            self.fences.append(_Fence(info.lower(), block, i + 1))
            prepared.append(f"{indent}{STX}fence:{len(self.fences) - 1}{ETX}")
            self.line_of.append(i + 1)
            i = end + 1
        return prepared

    # ---- mapping tree text back to source lines -----------------------------------------

    def _locate(self, text: str | None) -> int:
        """Return the index in prepared lines where a block's text starts.

        Blocks come in document order, so a cursor moves forward and each search is short.
        A line matches when its content (after quote, bullet and heading markers) starts
        with the block's first line.
        """
        probe = ""
        nlines = 1
        if text:
            lines = text.split("\n")
            nlines = len(lines)
            for line in lines:
                if line.strip():
                    probe = line.strip()[:60]
                    break
        if not probe:
            return min(self.cursor, max(len(self.prepared) - 1, 0))
        end = min(len(self.prepared), self.cursor + _SEARCH_WINDOW)
        for k in range(self.cursor, end):
            line = self.prepared[k]
            if probe in line:
                start = _CONTENT_PREFIX_RE.match(line)
                content = line[start.end() :] if start else line
                if content.startswith(probe) or line.strip().startswith(probe):
                    self.cursor = k + nlines
                    return k
        return min(self.cursor, max(len(self.prepared) - 1, 0))

    def _line(self, index: int) -> int:
        if not self.line_of:
            return 1
        return self.line_of[min(index, len(self.line_of) - 1)]

    # ---- the walk ------------------------------------------------------------------

    def parse(self) -> ParsedDeck:
        self.prepared = self._prepare()
        root = self.md.parser.parseDocument(self.prepared).getroot()
        title = ""
        for el in root:
            if el.tag == "h1" and _one_line(el.text):
                title = _one_line(el.text)
                break
        if not title:
            title = _title_from_name(self.source_name)
        self.title = title
        self.has_h1 = any(el.tag == "h1" for el in root)

        stack: list[ParsedTopic] = []
        section: _Section | None = None
        for el in root:
            if el.tag in _HEADINGS:
                index = self._locate(el.text)
                level = _HEADINGS[el.tag]
                heading = _one_line(el.text)
                self._scan_text(el.text or "", index, ())
                if section is not None:
                    self._close_section(section, self._line(index) - 1)
                if not heading:
                    heading = "Untitled"
                    self.warnings.append(NoteWarning(self._line(index), "heading has no text"))
                while stack and stack[-1].level >= level:
                    stack.pop()
                path = tuple(t.title for t in stack) + (heading,)
                topic = ParsedTopic(path, heading, level, len(self.topics), self._line(index), "")
                self.topics.append(topic)
                stack.append(topic)
                section = _Section(topic)
                if heading.endswith("?"):
                    section.card_slot = len(self.cards)
                    self.cards.append(None)
                continue
            if section is None:
                if not _has_content(el):
                    continue
                # Text before the first heading still needs a topic to belong to.
                intro = self.title if not self.has_h1 else "Introduction"
                topic = ParsedTopic((intro,), intro, 1, len(self.topics), 1, "")
                self.topics.append(topic)
                section = _Section(topic, first_block=False, intro=True)
            ctx = _Ctx(
                section.topic.path,
                covered=section.card_slot is not None,
                practice=any(_PRACTICE_RE.search(t) for t in section.topic.path),
                topic_label="" if section.intro else section.topic.title.rstrip(":?").strip(),
            )
            if section.first_block and el.tag in ("ul", "ol") and section.topic.title.endswith(":"):
                ctx.covered = self._heading_list_card(section.topic, el)
            section.first_block = False
            self._block(el, ctx)
        if section is not None:
            self._close_section(section, len(self.source))

        cards: list[ParsedCard] = []
        for card in self.cards:
            if card is None:
                continue
            if not card.prompt.strip() or not card.answer.strip():
                self.warnings.append(NoteWarning(card.line, "card with an empty side skipped"))
                continue
            cards.append(card)
        self.warnings.sort(key=lambda w: w.line)
        return ParsedDeck(title, self.topics, cards, self.images, self.sims, self.warnings)

    def _close_section(self, section: _Section, last_line: int) -> None:
        """Fill in a topic's body (source lines up to `last_line`) and its `?` card."""
        topic = section.topic
        # A heading's body starts below it; text before the first heading starts at line 1.
        start = self.body_start if section.intro else topic.line
        body_lines = self.source[start : max(last_line, 0)]
        if body_lines and re.fullmatch(r"\s*(=+|-+)\s*", body_lines[0]):
            body_lines = body_lines[1:]  # a setext heading's underline
        body = "\n".join(body_lines).strip("\n")
        body = body if body.strip() else ""
        topic.body = body
        if section.card_slot is None:
            return
        nlines = len([x for x in body.split("\n") if x.strip()])
        if not body:
            self.warnings.append(NoteWarning(topic.line, "question heading has no answer below"))
        elif nlines > SECTION_CAP_LINES or len(body) > SECTION_CAP_CHARS:
            self.warnings.append(
                NoteWarning(topic.line, "question heading's section is too long for an answer")
            )
        else:
            self.cards[section.card_slot] = ParsedCard(
                "qa", topic.path, topic.title, body, topic.line
            )

    def _heading_list_card(self, topic: ParsedTopic, el: etree.Element) -> bool:
        items = [self._li_markdown(li) for li in el if li.tag == "li"]
        answer = "\n".join(self._block_md(el, ""))
        label = topic.title.rstrip(":").strip()
        return self._list_card(topic.path, label, items, answer, topic.line)

    def _list_card(
        self, path: tuple[str, ...], label: str, items: list[str], answer: str, line: int
    ) -> bool:
        items = [i for i in items if i.strip()]
        if not items or not label:
            return False
        if len(items) > LIST_CAP_ITEMS or len(answer) > SECTION_CAP_CHARS:
            self.warnings.append(NoteWarning(line, "list is too long for a card; skipped"))
            return False
        prompt = f"Recall: {label} ({len(items)} item{'s' if len(items) != 1 else ''})"
        self.cards.append(ParsedCard("list", path, prompt, answer, line, items=items))
        return True

    def _block(self, el: etree.Element, ctx: _Ctx) -> None:
        if ctx.depth > 200:
            return  # normalize_lines keeps real nesting far below this
        tag = el.tag
        if tag in ("ul", "ol"):
            for li in el:
                if li.tag == "li":
                    self._item(li, ctx)
        elif tag == "p" or tag in _HEADINGS:
            index = self._locate(el.text)
            self._scan_text(el.text or "", index, ctx.topic)
            if not self._explicit(el.text or "", index, ctx):
                self._cloze_bold(el.text or "", index, ctx)
        elif tag == "pre":
            code = el[0] if len(el) else el
            index = self._locate(code.text)
            self._scan_text(code.text or "", index, ctx.topic, images=False)
        else:
            # blockquote and anything else: walk the blocks inside.
            for child in el:
                self._block(child, replace(ctx, depth=ctx.depth + 1))

    def _item(self, li: etree.Element, ctx: _Ctx) -> None:
        head_text, children = _li_parts(li)
        index = self._locate(head_text)
        line = self._line(index)
        self._scan_text(head_text, index, ctx.topic)
        head_lines, extra = _split_head(head_text)
        head = " ".join(x.strip() for x in head_lines if x.strip())
        sublists = [c for c in children if c.tag in ("ul", "ol")]

        made = self._explicit("\n".join(head_lines), index, ctx)
        term = _term(head)
        label = head.rstrip(":").strip()
        # In a practice-question section the top-level bullets are the questions even when
        # the writer left out the question mark.
        asks = head.endswith("?") or (ctx.practice and ctx.depth == 0)
        answer = ""
        if not made and (asks or term or head.endswith(":")) and (children or extra):
            # Only serialised when a card may need it: each ancestor would otherwise
            # serialise the same sub-items again.
            parts = ["\n".join(self._text_md(extra, ""))] if extra else []
            parts.extend("\n".join(self._block_md(c, "")) for c in children)
            answer = "\n\n".join(p for p in parts if p.strip()).strip("\n")
        if not made and asks and answer:
            made = self._add("qa", ctx, head, answer, line)
        elif not made and head.endswith(":") and sublists and len(label.split()) > 1:
            items = [self._li_markdown(x) for s in sublists for x in s if x.tag == "li"]
            made = self._list_card(ctx.topic, label, items, answer, line)
        if not made and term is not None:
            name, definition = term
            full = "\n\n".join(p for p in (definition, answer) if p.strip())
            if full and (definition or children):
                made = self._add(
                    "definition", ctx, _definition_prompt(name, ctx), full, line, term=name
                )
        if not made:
            made = self._cloze_bold(head, index, ctx)
        # A bare question under another bullet is one of its parent's items (examples of a
        # model type, say); only a bare question standing on its own is worth a warning.
        if not made and head.endswith("?") and not answer and not ctx.covered and not ctx.depth:
            self.warnings.append(NoteWarning(line, "question has no answer under it; skipped"))

        child_label = term[0] if term else _short(label)
        child_ctx = replace(ctx, parent_label=child_label, covered=made, depth=ctx.depth + 1)
        for child in children:
            self._block(child, child_ctx)

    def _add(
        self, kind: str, ctx: _Ctx, prompt: str, answer: str, line: int, *, term: str = ""
    ) -> bool:
        if not prompt.strip() or not answer.strip():
            return False
        self.cards.append(ParsedCard(kind, ctx.topic, prompt, answer, line, term=term))
        return True

    # ---- explicit syntax -----------------------------------------------------------

    def _explicit(self, text: str, index: int, ctx: _Ctx) -> bool:
        """Obsidian Spaced Repetition cards in one block of text. True if any was made."""
        lines = text.split("\n")
        stripped = [x.strip() for x in lines]
        for sep in ("?", "??"):
            if sep in stripped:
                at = stripped.index(sep)
                question = "\n".join(x for x in stripped[:at] if x)
                answer = "\n".join(x for x in stripped[at + 1 :] if x)
                line = self._line(index)
                if not question or not answer:
                    self.warnings.append(
                        NoteWarning(line, f"'{sep}' card needs text on both sides")
                    )
                    return False
                self._add("qa", ctx, question, answer, line)
                if sep == "??":
                    self._add("qa", ctx, answer, question, line)
                return True
        made = False
        for offset, raw in enumerate(stripped):
            if "::" not in _CODE_SPAN_RE.sub("", raw):
                continue
            line = self._line(index + offset)
            both = ":::" in raw
            question, _, answer = raw.partition(":::" if both else "::")
            question, answer = question.strip(), answer.strip()
            if not question or not answer or "::" in answer:
                self.warnings.append(NoteWarning(line, "'::' card needs text on both sides"))
                continue
            made = self._add("qa", ctx, question, answer, line) or made
            if both:
                self._add("qa", ctx, answer, question, line)
        if made:
            return True
        joined = " ".join(x for x in stripped if x)
        if _CLOZE_RE.search(_CODE_SPAN_RE.sub("", joined)):
            prompt = _CLOZE_RE.sub("[...]", joined)
            if prompt.replace("[...]", "").strip():
                return self._add("cloze", ctx, prompt, joined, self._line(index))
        return False

    def _cloze_bold(self, text: str, index: int, ctx: _Ctx) -> bool:
        """Cloze over the sentence(s) holding an emphasised key phrase."""
        joined = " ".join(x.strip() for x in text.split("\n") if x.strip())
        if "**" not in joined and "__" not in joined:
            return False
        sentences = _SENTENCE_END_RE.split(joined)
        chosen = [s for s in sentences if _BOLD_RE.search(s)]
        if not chosen:
            return False
        sentence = " ".join(chosen)
        prompt = _BOLD_RE.sub("[...]", sentence)
        if len(prompt.replace("[...]", "").split()) < 3:
            return False  # the phrase is the whole sentence: nothing to recall it from
        answer = _BOLD_RE.sub(lambda m: f"=={m.group(2)}==", sentence)
        return self._add("cloze", ctx, prompt, answer, self._line(index))

    # ---- images and sims -----------------------------------------------------------

    def _scan_text(
        self, text: str, index: int, topic: tuple[str, ...], *, images: bool = True
    ) -> None:
        if STX in text:
            for m in _PLACEHOLDER_RE.finditer(text):
                self._fence_seen(int(m.group(1)), topic)
        if not images or ("![" not in text and "<img" not in text.lower()):
            return
        found: list[tuple[int, str]] = []
        for proc in (self.image_link, self.image_ref):
            pos = 0
            while True:
                m = proc.compiled_re.search(text, pos)
                if not m:
                    break
                el, _start, end = proc.handleMatch(m, text)
                if el is not None and el.get("src"):
                    found.append((m.start(), el.get("src")))
                pos = end if el is not None and end else m.end()
        for m in _HTML_IMG_RE.finditer(text):
            found.append((m.start(), m.group(1)))
        for start, src in sorted(found):
            self.images.append(ImageRef(src, self._line(index + text.count("\n", 0, start))))

    def _fence_seen(self, number: int, topic: tuple[str, ...]) -> None:
        fence = self.fences[number]
        if fence.info != "sim":
            return
        params: dict[str, str] = {}
        for offset, raw in enumerate(fence.lines[1:-1], start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            m = _SIM_LINE_RE.match(raw.strip())
            line = fence.line + offset
            if not m:
                self.warnings.append(
                    NoteWarning(line, f"sim line is not 'key: value': {raw.strip()}")
                )
                continue
            if m.group(1) in params:
                self.warnings.append(NoteWarning(line, f"sim key repeated: {m.group(1)}"))
            params[m.group(1)] = m.group(2).strip()
        if not params:
            self.warnings.append(NoteWarning(fence.line, "sim block has no parameters; skipped"))
            return
        self.sims.append(ParsedSim(topic, fence.line, params))

    # ---- back to Markdown ----------------------------------------------------------

    def _text_md(self, text: str, indent: str) -> list[str]:
        """A block's text as Markdown lines: soft-wrapped lines dedented, fences restored."""
        out: list[str] = []
        for raw in text.split("\n"):
            m = _PLACEHOLDER_RE.search(raw)
            if m:
                out.extend(indent + x if x else "" for x in self.fences[int(m.group(1))].lines)
            elif raw.strip():
                out.append(indent + raw.strip())
        return out

    def _block_md(self, el: etree.Element, indent: str) -> list[str]:
        tag = el.tag
        if tag == "p":
            return self._text_md(el.text or "", indent)
        if tag in _HEADINGS:
            return [f"{indent}{'#' * _HEADINGS[tag]} {_one_line(el.text)}"]
        if tag in ("ul", "ol"):
            out: list[str] = []
            number = 1
            for li in el:
                if li.tag != "li":
                    continue
                marker = f"{number}. " if tag == "ol" else "- "
                number += 1
                out.extend(self._li_md(li, marker, indent))
            return out
        if tag == "pre":
            code = (el[0].text if len(el) else el.text) or ""
            if _PLACEHOLDER_RE.fullmatch(code.strip()):
                return self._text_md(code.strip(), indent)
            body = code.rstrip("\n").split("\n")
            fence = "```" if "```" not in code else "~~~~"
            return [indent + fence] + [indent + x if x else "" for x in body] + [indent + fence]
        if tag == "hr":
            return [indent + "---"]
        if tag == "blockquote":
            inner: list[str] = []
            for child in el:
                if inner:
                    inner.append("")
                inner.extend(self._block_md(child, ""))
            return [f"{indent}> {x}".rstrip() for x in inner]
        lines = self._text_md(el.text or "", indent)
        for child in el:
            lines.extend(self._block_md(child, indent))
        return lines

    def _li_md(self, li: etree.Element, marker: str, indent: str) -> list[str]:
        head_text, children = _li_parts(li)
        inner = indent + " " * TAB_LENGTH
        head = self._text_md(head_text, "")
        out = [indent + marker + (head[0] if head else "")]
        out.extend(inner + x if x else "" for x in head[1:])
        for child in children:
            if child.tag not in ("ul", "ol"):
                out.append("")  # a paragraph after a list item's text needs a blank line
            out.extend(self._block_md(child, inner))
        return out

    def _li_markdown(self, li: etree.Element) -> str:
        """One list item as Markdown without its bullet, sub-items dedented."""
        lines = self._li_md(li, "", "")
        return "\n".join(x[TAB_LENGTH:] if x.startswith("  ") else x for x in lines).strip("\n")


# ---- small helpers ---------------------------------------------------------------------


def _dedent(line: str, width: int) -> str:
    return line[width:] if line[:width].strip() == "" else line.lstrip()


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _has_content(el: etree.Element) -> bool:
    return any((x.text or "").strip() for x in el.iter()) or el.tag in ("hr",)


def _li_parts(li: etree.Element) -> tuple[str, list[etree.Element]]:
    """A list item's own text and the blocks under it (tight and loose lists differ)."""
    if li.text and li.text.strip():
        return li.text, list(li)
    if len(li) and li[0].tag == "p":
        return li[0].text or "", list(li)[1:]
    return "", list(li)


def _split_head(text: str) -> tuple[list[str], str]:
    """Split an item's text at its first fenced block: the part before is the item's own."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if STX in line and _PLACEHOLDER_RE.search(line):
            return lines[:i], "\n".join(lines[i:])
    return lines, ""


def _term(head: str) -> tuple[str, str] | None:
    """(term, definition) when the text reads `Term: definition`, else None."""
    m = _TERM_RE.match(head)
    if not m:
        return None
    raw_term, definition = m.group(1).strip(), (m.group(2) or "").strip()
    term = raw_term.strip("*_` ").strip()
    words = term.split()
    if not term or len(words) > TERM_MAX_WORDS or term.lower() in _LABELS:
        return None
    if (
        _TIME_RE.search(term)
        or "://" in head[: m.end(1) + 3]
        or "(" in raw_term
        and ")" not in raw_term
    ):
        return None
    if any(ch in term for ch in '?!"[]{}=<>') or ". " in term or term.endswith("."):
        return None
    if words[0].lower() in _QUESTION_WORDS:
        return None  # "Why is it: ..." is a sentence, not a term
    if not definition and len(words) > 1:
        return None  # "AWS IoT Components:" introduces a list, "Tumbling:" defines a term
    return term, definition


def _definition_prompt(term: str, ctx: _Ctx) -> str:
    context = ctx.parent_label or ctx.topic_label
    last = term.split()[-1].lower()
    verb = "are" if last.endswith("s") and not last.endswith(("ss", "us", "is")) else "is"
    if context and context.lower() != term.lower():
        return f"What {verb} **{term}** ({context})?"
    return f"What {verb} **{term}**?"


def _short(label: str) -> str:
    """A parent bullet as context for its children's prompts, if it is short enough to read."""
    return label if len(label.split()) <= TERM_MAX_WORDS else ""


def _title_from_name(name: str) -> str:
    stem = PurePath(name).stem if name else ""
    words = re.split(r"[-_\s]+", stem)
    title = " ".join(w[:1].upper() + w[1:] for w in words if w)
    return title or "Untitled notes"
