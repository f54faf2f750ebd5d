"""Markdown settings shared by the notes parser and the renderer.

The parser and the renderer must see the same tree, otherwise a card's answer would nest
differently on the page than it did when the card was cut. Both therefore use
`TAB_LENGTH` and run `normalize_lines` first.

Why `TAB_LENGTH = 2`: real notes (the sample included) nest bullets by two spaces. With
Python-Markdown's default of four, every such sub-bullet becomes a sibling of its parent.

`normalize_lines` only changes leading indentation, never the number of lines, so line
numbers stay valid. It:

* makes list nesting grow by at most one level per line (a bullet indented six spaces
  under a bullet indented two becomes a child, not a run of text), and keeps siblings
  siblings whatever the writer's indent unit (four-space outlines nest as two-space ones);
  a paragraph indented under a bullet after a blank line continues that bullet;
* reads a heading written as a block (`- # Title`, Roam and Logseq) as a heading, its
  children as the section's body;
* keeps a paragraph indented by one to three spaces outside a list from turning into a code
  block (with a two-space tab, Python-Markdown would read it as code);
* blanks YAML front matter (`---` ... `---` at the top, as Obsidian writes it), which
  Python-Markdown would otherwise read as a rule and a heading;
* reads `#tag` (no space after the hashes) as text, as CommonMark and Obsidian do, so an
  Obsidian `#flashcards` tag is not a heading (Python-Markdown would make it one);
* caps nesting (bullets and `>` quotes) at `MAX_DEPTH` levels, because Python-Markdown
  recurses once per level and 10,000 levels would exhaust Python's recursion limit;
* blanks HTML comments (`<!--SR:...-->` scheduling notes, commented-out cards), which are
  never content, and Logseq `key:: value` property lines, which are page data, as is an
  Obsidian Dataview run of `Key:: value` lines heading the page (see `page_properties`);
* reads Obsidian `[[Page]]` and `[[Page|alias]]` links as their text, and Roam's own syntax
  as `inline.roam_to_text` says (references and widgets out, `^^x^^` as `==x==`);
* reads `H<sub>2</sub>O` as H₂O, keeps a tab inside a line (an Anki export's field
  separator; only indentation is expanded), and blanks Anki's export header lines.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import Preprocessor

from quiz.notes.inline import roam_to_text, scripts_to_unicode

TAB_LENGTH = 2
MAX_DEPTH = 20  # levels of list or quote nesting kept; deeper lines are flattened to this

# Python-Markdown uses these two characters for its own placeholders.
STX = "\x02"
ETX = "\x03"

_BULLET_RE = re.compile(r"( *)(?:[*+-]|\d{1,9}\.)(?: +|$)")
_HR_RE = re.compile(r" {0,3}(?:(?:\* *){3,}|(?:- *){3,}|(?:_ *){3,})$")
# The container markers at the start of a line: quotes and list bullets ("> * 1. text").
_PREFIX_RE = re.compile(r"(?: {0,3}(?:>|[*+-](?= )|\d{1,9}\.(?= )) ?)+")
_MARKER_RE = re.compile(r">|[*+-]|\d{1,9}\.")
_TAG_RE = re.compile(r" {0,3}#{1,6}[^\s#]")
# An opening fence: indentation, the fence, the info string (backtick fences allow no
# backtick after them, so "```code``` text" is inline code, not a fence).
FENCE_OPEN_RE = re.compile(r"( *)(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")


# A Logseq block property: a lower-case key, two colons, a space ("id:: 64f0...", "tags:: x").
PROPERTY_RE = re.compile(r" *(?:[*+-] +)?([a-z][a-z0-9_-]*):: +(.*)$")
# A Dataview page property: a short key, two colons, a space, a value ("Status:: draft").
_TOP_PROPERTY_RE = re.compile(r" {0,3}(?:[*+-] +)?[A-Za-z][\w-]*(?: [\w-]+){0,2}:: +\S")
# Lines that may sit above a page's properties without being its content: the H1, a line of
# tags, a line of links ("Related: [[A]], [[B]]").
_HEAD_H1_RE = re.compile(r" {0,3}# ")
_ANKI_HEADER_RE = re.compile(
    r"#(?:separator|html|deck|notetype|tags|columns|guid column|notetype column|deck column|"
    r"tags column|if matches):",
    re.I,
)
_BLOCK_HEADING_RE = re.compile(r" *[*+-] +(#{1,6} +\S.*)$")
# A sentence, not code: a capital, four words or more, none of code's punctuation.
_PROSE_LINE_RE = re.compile(r"[A-Z][^=(){};<>\[\]`]*?(?:\s+\S+){3,}[^=(){};<>\[\]`]*")
_TAGS_LINE_RE = re.compile(r"(?:#[^\s#]\S*\s*)+$")
_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"
# Obsidian's own comments: "%% text %%", inline or over several lines.
_OBSIDIAN_COMMENT = "%%"
# An Obsidian block id closing a line ("... pyruvate ^gly01") or standing alone under a block.
_BLOCK_ID_RE = re.compile(r"(?:^|(?<=\s))\^(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{1,40}[ \t]*$")
# A footnote reference ("detriment.[^1]") and a footnote's own line ("[^1]: Prof. said ...").
_FOOTNOTE_REF_RE = re.compile(r"\[\^[^\]\s]{1,20}\]")
_FOOTNOTE_DEF_RE = re.compile(r" {0,3}\[\^[^\]\s]{1,20}\]:")
# "1) item": an ordered list written with a parenthesis, as CommonMark allows.
_PAREN_ITEM_RE = re.compile(r"( *(?:[*+-] +)*)(\d{1,9})\)(?= +\S)")
# An outline typed as plain text: Roman numerals at the left ("I.", "II."), letters and small
# Roman numerals indented under them ("A.", "a.", "i.").
OUTLINE_MARK_RE = re.compile(r"( *)([IVX]{1,5}|[A-Z]|[a-z]|[ivx]{1,5})\.[ \t]+(?=\S)")
_ROMAN_RE = re.compile(r"[IVX]{1,5}")


def _roman_outline(lines: list[str]) -> bool:
    """Whether the notes are an outline typed as text: "I." and then "II." at the left."""
    marks = {m.group(2) for x in lines if (m := OUTLINE_MARK_RE.match(x)) and not m.group(1)}
    return {"I", "II"} <= marks


# Bullets typed as glyphs (OneNote, Evernote, Word, a PDF): read as Markdown's "-".
_GLYPH_BULLETS = frozenset("•◦▪▫‣⁃●○■□➢►▸▹")
_GLYPH_BULLET_RE = re.compile(r"([ \t]*)[•◦▪▫‣⁃●○■□➢►▸▹][ \t]+(?=\S)")
# A non-breaking space, and the entities an HTML export writes for it and for "&".
_ENTITY_RE = re.compile(r"&(?:nbsp|#160|#xa0|amp);", re.I)


def _plain_spaces(line: str) -> str:
    """`line` with non-breaking spaces as spaces and `&nbsp;`/`&amp;` as what they stand for
    (an HTML export's), outside inline code; `&lt;` and the like stay, as Markdown shows them."""
    if "`" in line:
        return line
    line = line.replace("\u00a0", " ")
    return _ENTITY_RE.sub(lambda m: "&" if m.group().lower() == "&amp;" else " ", line)


# Notion's callout box, kept as its text.
_ASIDE_RE = re.compile(r"</?aside\s*>", re.I)


def strip_comment(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line without HTML comment text; and whether a comment is still open after it."""
    out = []
    pos = 0
    while pos <= len(line):
        if in_comment:
            end = line.find(_COMMENT_CLOSE, pos)
            if end == -1:
                return "".join(out).rstrip(), True
            pos = end + len(_COMMENT_CLOSE)
            in_comment = False
        else:
            start = line.find(_COMMENT_OPEN, pos)
            if start == -1:
                out.append(line[pos:])
                break
            out.append(line[pos:start])
            pos = start + len(_COMMENT_OPEN)
            in_comment = True
    text = "".join(out)
    return (text.rstrip() if text.strip() else ""), in_comment


def _strip_obsidian_comment(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line without Obsidian `%% ... %%` comment text; whether one is still open after it.
    A line with inline code keeps its `%%` (a format string, a shell's `%%`)."""
    if "`" in line and not in_comment:
        return line, False
    out = []
    parts = line.split(_OBSIDIAN_COMMENT)
    for n, part in enumerate(parts):
        if n:
            in_comment = not in_comment
        if not in_comment:
            out.append(part)
    text = "".join(out)
    return (text.rstrip() if text.strip() else ""), in_comment


def fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


_FRONT_KEY_RE = re.compile(r"[A-Za-z_][\w-]*\s*:(?:\s|$)|\s+-\s")


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line closing YAML front matter, or -1 when there is none.

    Front matter left open (no second `---`) ends at its last `key: value` line when a blank
    line or the end follows: its title and tags are still page data, never cards.
    """
    if not lines or lines[0].rstrip() != "---":
        return -1
    for index in range(1, min(len(lines), 200)):
        if lines[index].rstrip() in ("---", "..."):
            return index
        if not lines[index].strip() or not _FRONT_KEY_RE.match(lines[index]):
            return index - 1 if index > 1 and not lines[index].strip() else -1
    return -1


def front_matter_unclosed(lines: list[str]) -> bool:
    """True when the notes open front matter with `---` and never close it."""
    end = _front_matter_end(lines)
    return end > 0 and lines[end].rstrip() not in ("---", "...")


_DETAILS_RE = re.compile(r"\s*</?details[^>]*>\s*$", re.I)
_SUMMARY_RE = re.compile(r"(\s*)<summary[^>]*>(.*?)</summary>\s*$", re.I)


def _toggle(line: str) -> str:
    """A Notion toggle (`<details><summary>Title</summary> ... </details>`) as plain notes:
    the summary becomes a bold label line and the tags go (raw HTML would hide the text)."""
    if _DETAILS_RE.fullmatch(line):
        return ""
    m = _SUMMARY_RE.fullmatch(line)
    if m and m.group(2).strip():
        return f"{m.group(1)}**{m.group(2).strip()}**"
    return line


def _yaml_list(value: str, *, words: bool = True) -> list[str]:
    """The values of an inline list ("[a, b]", "a, b"); with `words`, a list of words too
    ("tags: a b", as Obsidian reads tags). An alias is a name of several words: not split."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    parts = re.split(r"[,\s]+" if "," not in value and words else r"\s*,\s*", value)
    # (An unclosed "[a, b" still gives "a" and "b".)
    parts = [p.strip().strip("[]").strip().strip("\"'") for p in parts]
    return [p.lstrip("#") for p in parts if p.strip("#")]


def front_matter(lines: list[str]) -> dict[str, list[str]]:
    """`title`, `tags` and `aliases` of YAML front matter or a Logseq page's `key:: value` head.

    A small reader for the few keys Notebank uses (inline lists, block lists, scalars), not a
    YAML parser: anything else in the front matter is ignored.
    """
    found: dict[str, list[str]] = {}
    end = _front_matter_end(lines)
    if end > 0:
        key = ""
        last = end + 1 if front_matter_unclosed(lines) else end
        for raw in lines[1:last]:
            item = re.match(r"\s+-\s+(.*)$", raw)
            if item and key:
                value = item.group(1).strip().strip("\"'")
                found.setdefault(key, []).append(value.lstrip("#") if key == "tags" else value)
                continue
            m = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
            if not m:
                continue
            key = {"tag": "tags", "alias": "aliases"}.get(m.group(1).lower(), m.group(1).lower())
            if key not in ("title", "tags", "aliases"):
                key = ""
                continue
            value = m.group(2).strip()
            if key == "title":
                found["title"] = [value.strip("\"'")] if value else []
            elif value:
                found.setdefault(key, []).extend(_yaml_list(value, words=key == "tags"))
        return found
    for key, value in notion_properties(lines).values():
        if key.casefold() == "tags":
            # One tag per comma-separated value, its words joined as a tag's are ("Exam-2").
            tags = ["-".join(v.split()) for v in _yaml_list(value, words=False)]
            found.setdefault("tags", []).extend(tags)
    # Logseq keeps page properties as the first lines: "tags:: a, b" / "alias:: x".
    for raw in lines[:20]:
        if not raw.strip():
            continue
        m = PROPERTY_RE.match(raw)
        if not m:
            break
        key = {"tag": "tags", "alias": "aliases"}.get(m.group(1), m.group(1))
        if key in ("title", "tags", "aliases"):
            if key == "title":
                values = [m.group(2).strip()]
            else:
                values = _yaml_list(m.group(2), words=key == "tags")
            found.setdefault(key, []).extend(v.strip("[]") for v in values)
    return found


def links_only(text: str) -> bool:
    """True when a value holds links and nothing else ("[[A]], [[B]]", "[doc](url)")."""
    if "[[" not in text and "](" not in text and "://" not in text:
        return False
    rest = re.sub(r"\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)|<[a-z]+://[^>]*>|[a-z]+://\S+", "", text)
    return not re.sub(r"[\s,;|/·•*_–—-]+|\band\b", "", rest)


def page_properties(lines: list[str], start: int) -> set[int]:
    """Indexes of the `Key:: value` lines heading a page (Obsidian Dataview properties).

    A run of them before any content is page metadata, not cards, when it sits under front
    matter or the H1, or when a heading follows it. `Term::definition` cards in the body, and
    a file that opens with cards and no heading, keep their `::` lines.
    """
    found: list[int] = []
    under_head = start > 0
    end = min(len(lines), start + 60)
    index = start
    while index < end:
        line = lines[index]
        stripped = line.strip()
        if "::" in line and _TOP_PROPERTY_RE.match(line):
            found.append(index)
        elif found:
            break  # the run is over (a blank line ends it too)
        elif not stripped:
            pass
        elif _HEAD_H1_RE.match(line):
            under_head = True
        elif not (_TAGS_LINE_RE.match(stripped) or links_only(stripped.split(":", 1)[-1])):
            return set()  # content first: any `::` below is a card
        index += 1
    if not found:
        return set()
    following = next((x for x in lines[index:end] if x.strip()), "")
    if under_head or following.lstrip().startswith("#"):
        return set(found)
    return set()


# The property block Notion writes under a page's title when it exports a database page:
# "Created: February 3, 2024 4:12 PM", "Tags: Exam 2, Revolutions", "Status: In progress".
_NOTION_PROPERTY_RE = re.compile(r"([A-Z][\w]*(?: [\w]+){0,3}): +\S.{0,200}$")
_NOTION_KEYS = frozenset(
    {"created", "created time", "created by", "created at", "last edited", "last edited time",
     "last edited by", "last updated", "updated", "date created", "status", "tags"}
)  # fmt: skip


# Every key such a block may hold: Notion's own and the usual columns of a notes database.
_NOTION_FIELDS = _NOTION_KEYS | frozenset(
    {"course", "class", "type", "category", "date", "priority", "assignee", "url", "author",
     "lecturer", "professor", "semester", "term", "module", "week", "source", "property",
     "reviewed", "next review", "files", "materials", "related"}
)  # fmt: skip


def notion_properties(lines: list[str]) -> dict[int, tuple[str, str]]:
    """The lines of Notion's property block ({index: (key, value)}): the run of `Key: value`
    lines right under the page's H1 whose keys a notes database has (Course, Type, Date ...),
    two of them keys Notion itself writes (Created, Last edited, Status, Tags). Page data,
    never cards; its Tags are the deck's tags."""
    start = next((n for n, x in enumerate(lines[:40]) if x.strip()), None)
    if start is None or not _HEAD_H1_RE.match(lines[start]):
        return {}
    found: dict[int, tuple[str, str]] = {}
    for index in range(start + 1, min(len(lines), start + 40)):
        line = lines[index].strip()
        if not line:
            if found:
                break
            continue
        m = _NOTION_PROPERTY_RE.fullmatch(line)
        if not m or m.group(1).casefold() not in _NOTION_FIELDS:
            break  # the first line that is not a page property ends the block
        found[index] = (m.group(1), line[m.end(1) + 1 :].strip())
    keys = {key.casefold() for key, _value in found.values()}
    # Two of the keys Notion itself writes: "Tags: bio" alone over "Term: ..." lines is notes.
    return found if len(keys & _NOTION_KEYS) >= 2 else {}


def normalize_lines(
    lines: list[str], dropped: list[int] | None = None
) -> tuple[list[str], list[int]]:
    """Return (normalised lines, 0-based indexes of lines whose nesting was capped).

    `dropped`, when given, collects the indexes of the block property lines blanked here
    (Logseq's `collapsed:: true`, `card-repeats:: 2`, `id:: ...` under a block): they are the
    block's metadata, and a reader that keeps its own line map (the parser) leaves them out
    altogether, since even a blank line in their place would split the block from its children.
    """
    out: list[str] = []
    capped: list[int] = []
    list_indent: int | None = None  # indentation of the last bullet while inside a list
    open_items: list[tuple[int, int]] = []  # (indent as written, as normalised) of open items
    list_unit = 2  # how far the writer nests one level in the current list
    # A heading written as a block ("- # Title"): (its indent, how far its children are shifted).
    block_heading: tuple[int, int | None] | None = None
    prev_blank = True
    fence: str | None = None
    in_comment = False
    in_obsidian_comment = False
    in_footnote = False
    front_matter_end = _front_matter_end(lines)
    head = "".join(lines[:80])
    properties = set(page_properties(lines, front_matter_end + 1) if "::" in head else ())
    outline = _roman_outline(lines)
    if front_matter_end < 0 and ": " in head:
        properties |= set(notion_properties(lines))
    for index, raw in enumerate(lines):
        if index <= front_matter_end:
            out.append("")
            continue
        line = raw.replace(STX, "").replace(ETX, "")
        if "\t" in line:
            # Indentation only: a tab inside a line separates an Anki export's fields.
            text = line.lstrip(" \t")
            line = line[: len(line) - len(text)].expandtabs(TAB_LENGTH) + text
        if line.startswith("#") and _ANKI_HEADER_RE.match(line):
            out.append("")  # Anki's export header ("#separator:tab"): file data, not tags
            continue
        if fence is not None:
            # Code is code: never re-indent inside a fenced block.
            out.append(line)
            if fence_closes(line, fence):
                fence = None
            continue
        if in_comment or _COMMENT_OPEN in line:
            had_text = bool(line.strip())
            line, in_comment = strip_comment(line, in_comment)
            if had_text and not line.strip():
                out.append("")  # a comment-only line is no line at all (not a paragraph break)
                continue
        if in_footnote:
            if line.startswith((" ", "\t")) and line.strip():
                out.append("")  # a footnote's own continuation line
                continue
            in_footnote = False
        if in_obsidian_comment or _OBSIDIAN_COMMENT in line:
            had_text = bool(line.strip())
            line, in_obsidian_comment = _strip_obsidian_comment(line, in_obsidian_comment)
            if had_text and not line.strip():
                out.append("")
                continue
        if "[^" in line and "`" not in line:
            if _FOOTNOTE_DEF_RE.match(line):
                # A footnote is an aside to the text, not a fact of its own (and its marker
                # would otherwise stay in the answer it was attached to).
                out.append("")
                in_footnote = True
                continue
            line = _FOOTNOTE_REF_RE.sub("", line)
        if "^" in line and _BLOCK_ID_RE.search(line):
            line = _BLOCK_ID_RE.sub("", line).rstrip()
            if not line.strip():
                out.append("")
                continue
        if "aside" in line and _ASIDE_RE.search(line):
            line = _ASIDE_RE.sub("", line)
            if not line.strip():
                out.append("")
                continue
        if "\u00a0" in line or "&" in line:
            line = _plain_spaces(line)
        if line.lstrip()[:1] in _GLYPH_BULLETS:
            # "• item", "◦ sub-item": bullets as a word processor or a notes app pastes them.
            glyph = _GLYPH_BULLET_RE.match(line)
            if glyph:
                line = glyph.group(1) + "- " + line[glyph.end() :]
        if outline and line.lstrip()[:1].isalpha() and "." in line[:12]:
            marked = OUTLINE_MARK_RE.match(line)
            if marked and (marked.group(1) or _ROMAN_RE.fullmatch(marked.group(2))):
                # "I. Electrolytes", "   A. Sodium", "      a. Causes": an outline typed as
                # text, read as the nested list it is (its marks kept as its text).
                line = f"{marked.group(1)}- {line[len(marked.group(1)) :]}"
        if ")" in line and _PAREN_ITEM_RE.match(line):
            line = _PAREN_ITEM_RE.sub(r"\1\2.", line, count=1)
        if "<su" in line:
            line = scripts_to_unicode(line)
        if "((" in line or "{{" in line or "^^" in line or "[[" in line:
            line = roam_to_text(line)
            if not line.strip(" \t-*+>"):
                out.append("")  # a block that was only a widget or a reference: no line at all
                continue
        if "<details" in line or "</details>" in line or "<summary" in line:
            line = _toggle(line)
        if index in properties or ("::" in line and PROPERTY_RE.match(line)):
            under_text = out and (out[-1].strip() or (dropped and dropped[-1] == index - 1))
            if dropped is not None and index not in properties and under_text:
                dropped.append(index)  # under a block's text: the block's own metadata
            out.append("")
            continue
        if not line.strip():
            out.append("")
            prev_blank = True
            continue

        prefix = _PREFIX_RE.match(line)
        if prefix and prefix.end() > MAX_DEPTH:
            markers = _MARKER_RE.findall(prefix.group())
            if len(markers) > MAX_DEPTH:
                indent = prefix.group()[: len(prefix.group()) - len(prefix.group().lstrip())]
                line = indent + " ".join(markers[:MAX_DEPTH]) + " " + line[prefix.end() :]
                capped.append(index)

        if _TAG_RE.match(line):
            line = "\\" + line.lstrip(" ")  # an escaped "#" stays literal text
        indent = len(line) - len(line.lstrip(" "))
        if block_heading is not None:
            if indent <= block_heading[0]:
                block_heading = None
            else:
                # Under a Roam or Logseq heading block: its children are the section's body.
                shift = block_heading[1] if block_heading[1] is not None else indent
                block_heading = (block_heading[0], shift)
                line = line[min(shift, indent) :]
                indent -= min(shift, indent)
        heading_block = _BLOCK_HEADING_RE.match(line) if "#" in line else None
        if heading_block:
            # "- # Hypersensitivity" (Roam, Logseq): a heading written as a block.
            out.append(heading_block.group(1))
            block_heading = (indent, None)
            list_indent = None
            prev_blank = True
            continue
        bullet = _BULLET_RE.match(line)
        if bullet and not _HR_RE.match(line) and (list_indent is not None or indent < 4):
            if list_indent is None:
                open_items = []
                list_unit = 2
            # Siblings stay siblings whatever the indent unit (2, 3 or 4 spaces, a tab): an
            # item is a child of the nearest open item indented less than it, one level
            # deeper, so four-space nesting reads as two-space nesting does.
            while open_items and open_items[-1][0] > indent:
                open_items.pop()
            if open_items and open_items[-1][0] == indent:
                new_indent = open_items.pop()[1]
            elif open_items:
                new_indent = open_items[-1][1] + TAB_LENGTH
                list_unit = indent - open_items[-1][0]  # the writer's nesting unit
            else:
                new_indent = 0
            open_items.append((indent, new_indent))
            if new_indent > MAX_DEPTH * TAB_LENGTH:
                new_indent = MAX_DEPTH * TAB_LENGTH
                capped.append(index)
            line = " " * new_indent + line[indent:]
            list_indent = new_indent
        else:
            fence_open = FENCE_OPEN_RE.match(line)
            if list_indent is not None and (line.startswith("#") or (prev_blank and indent == 0)):
                list_indent = None  # a heading or an unindented paragraph ends the list
            elif (
                list_indent is not None
                and prev_blank
                and not fence_open
                and (list_unit > 2 or _PROSE_LINE_RE.fullmatch(line.strip()))
            ):
                # In a list nested by four spaces, a paragraph indented one unit under an item
                # continues it; with a two-space tab it would read as code. In a list that
                # shows no unit, only a line of prose does ("x = (1, 2)" stays code).
                parent = next((x for x in reversed(open_items) if x[0] < indent), None)
                if parent is not None and indent - parent[0] <= max(list_unit, 4):
                    line = " " * (parent[1] + TAB_LENGTH) + line[indent:]
            elif list_indent is None and prev_blank and 0 < indent < 4:
                line = line.lstrip(" ")
            if fence_open:
                fence = fence_open.group(2)
        out.append(line)
        prev_blank = False
    return out, capped


# A line that starts a list under a line of text: a bullet, or an ordered list's first item.
_LIST_START_RE = re.compile(r" {0,3}(?:[*+-]|1\.)[ \t]+\S")


def _list_start(lines: list[str]) -> int:
    """Where a list starts inside a block of text lines (after its first line), or 0."""
    for at in range(1, len(lines)):
        if _LIST_START_RE.match(lines[at]) and not _HR_RE.match(lines[at]):
            return at
    return 0


class _ListUnderText(BlockProcessor):
    """A list written right under a line of text, with no blank line between ("Causes:" then
    "- anaemia"), is a list, as CommonMark and every notes app read it; Python-Markdown would
    make the bullets part of the paragraph, shown as text with dashes. The block is split where
    the list starts and each part is read again (the list by the list processors)."""

    def test(self, parent: object, block: str) -> bool:
        return "\n" in block and bool(_list_start(block.split("\n")))

    def run(self, parent: object, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n")
        at = _list_start(lines)
        blocks[:0] = ["\n".join(lines[:at]), "\n".join(lines[at:])]


class ListUnderTextExtension(Extension):
    """Registers `_ListUnderText` just above the paragraph processor (priority 10), so only a
    block no other processor claims (text, not a list, quote, table or heading) is split."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        md.parser.blockprocessors.register(_ListUnderText(md.parser), "list_under_text", 12)


class _NormalizePreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return normalize_lines(lines)[0]


class NotesSyntaxExtension(Extension):
    """Registers `normalize_lines` so `markdown.Markdown` renders notes as the parser reads them."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        # Before fenced_code (25) and html_block (20) so they see normalised lines.
        md.preprocessors.register(_NormalizePreprocessor(md), "notes_normalize", 29)
        ListUnderTextExtension().extendMarkdown(md)
