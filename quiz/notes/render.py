"""Notes Markdown to safe HTML.

One Python-Markdown configuration (the parser's `TAB_LENGTH` and line normalisation, so a
card nests on the page as it did when it was cut) and one nh3 allow-list for everything
Notebank shows from notes.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from html import escape

import nh3
from markdown import Extension, Markdown
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import Treeprocessor

from quiz.notes.syntax import TAB_LENGTH, NotesSyntaxExtension

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},  # fenced_code's language-xxx
    "img": {"alt", "height", "src", "title", "width"},
    "ol": {"start"},
    "span": {"class"},  # the image-missing placeholder
    "td": {"align"},
    "th": {"align"},
}
# Anything else (javascript:, data:, vbscript:) is dropped; relative URLs are kept.
ALLOWED_URL_SCHEMES = {"http", "https"}

# Obsidian callout types, each alias under the type whose look it shares (as Obsidian does);
# an unknown type looks like a note.
CALLOUT_TYPES = {
    "note": "note",
    "abstract": "abstract", "summary": "abstract", "tldr": "abstract",
    "info": "info",
    "todo": "todo",
    "tip": "tip", "hint": "tip", "important": "tip",
    "success": "success", "check": "success", "done": "success",
    "question": "question", "help": "question", "faq": "question",
    "warning": "warning", "caution": "warning", "attention": "warning",
    "failure": "failure", "fail": "failure", "missing": "failure",
    "danger": "danger", "error": "danger",
    "bug": "bug",
    "example": "example",
    "quote": "quote", "cite": "quote",
}  # fmt: skip
# Only the callout classes survive on these tags, whoever wrote them (notes may hold raw HTML).
ALLOWED_CLASSES = {
    "aside": {"callout", *(f"callout-{kind}" for kind in set(CALLOUT_TYPES.values()))},
    "p": {"callout-title"},
}

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    # Dropped with their content: script bodies and the like must not turn into text.
    clean_content_tags={"script", "style", "iframe", "svg", "math", "object", "template"},
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    # A callout is an aside to the text, not a landmark of the page.
    set_tag_attribute_values={"aside": {"role": "note"}},
    url_schemes=ALLOWED_URL_SCHEMES,
    strip_comments=True,
    link_rel="noopener noreferrer",
)

_MARK_RE = r"(==)(?=[^=\s])(.+?)(?<=[^=\s])=="
# Anki's cloze `{{c1::text}}` / `{{c1::text::hint}}` on a notes page: the text, marked.
_ANKI_MARK_RE = r"(\{\{c\d+::)((?:(?!::|\}\}).)+?)(?:::(?:(?!\}\}).)*)?\}\}"
# One line of words and harmless punctuation: no Markdown syntax, nothing to escape or clean.
# Many prompts and short answers look like this; they skip the Markdown pipeline entirely
# (tests/test_notes_render.py checks the shortcut gives the same HTML as the full render).
# (no "^", an Obsidian block id, and no "%%", an Obsidian comment: the full render drops them)
_PLAIN_RE = re.compile(r"(?!.*%%)[^\\`*_{}\[\]()#+\-.!<>&|=~:^\x00-\x1f\x7f-\xa0\u2028\u2029]+")
_local = threading.local()


def sanitize_html(html: str) -> str:
    """Clean HTML with Notebank's single allow-list (see ALLOWED_TAGS and friends)."""
    return _CLEANER.clean(html)


def render_markdown(source: str, *, images: Mapping[str, str | None] | None = None) -> str:
    """Render notes Markdown to sanitized HTML.

    `images` maps an image src exactly as written to the URL it is served at, or to None
    when the file is missing. A missing image, or a relative one not in the mapping, becomes
    a visible `<span class="image-missing">image missing: SRC</span>`; an http(s) image not
    in the mapping is left as it is.
    """
    if source == source.strip() and _PLAIN_RE.fullmatch(source):
        return f"<p>{source}</p>"
    return _render_full(source, images)


def _render_full(source: str, images: Mapping[str, str | None] | None) -> str:
    md = _markdown()
    md.reset()
    md.notes_images = images or {}  # read by _ImageTreeprocessor
    try:
        html = md.convert(source)
    except RecursionError:
        # Inline syntax nested thousands deep; show the text rather than fail the page.
        _local.md = None
        html = f"<pre>{escape(source)}</pre>"
    return sanitize_html(html)


def _markdown() -> Markdown:
    # Building a Markdown instance costs about a millisecond; the importer renders every
    # card, so each thread keeps one and resets it between documents.
    md = getattr(_local, "md", None)
    if md is None:
        md = Markdown(
            tab_length=TAB_LENGTH,
            extensions=[
                "fenced_code",
                "tables",
                "def_list",
                "sane_lists",
                NotesSyntaxExtension(),
                _NotesExtension(),
            ],
        )
        _local.md = md
    return md


class _ImageTreeprocessor(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        images: Mapping[str, str | None] = getattr(self.md, "notes_images", {})
        for el in root.iter("img"):
            src = el.get("src", "")
            url = images.get(src) if src in images else src
            if src not in images and not src.lower().startswith(("http://", "https://")):
                url = None
            if url:
                el.set("src", url)
                continue
            tail = el.tail
            el.clear()  # drops attributes and children
            el.tag = "span"
            el.set("class", "image-missing")
            el.text = f"image missing: {src}"
            el.tail = tail


# `[!type]`, then `+`/`-` (Obsidian's folding, which a printed page has no use for), then the title.
_CALLOUT_RE = re.compile(r"\[!([\w-]+)\][+-]?[ \t]*(.*)$")


class _CalloutTreeprocessor(Treeprocessor):
    """`> [!note] Title` quotes become `<aside class="callout callout-note">` with the title
    (the type's name when none is written) as their first paragraph, so no marker text shows.

    Runs before inline processing: the title and the body are still Markdown source here.
    """

    def run(self, root: etree.Element) -> None:
        # Collected first: nested quotes are turned over from the outside in.
        for quote in list(root.iter("blockquote")):
            if not len(quote) or quote[0].tag != "p":
                continue
            first = quote[0]
            head, _, rest = (first.text or "").partition("\n")
            match = _CALLOUT_RE.match(head.strip())
            if match is None:
                continue
            kind = match.group(1).lower()
            quote.tag = "aside"
            quote.set("class", f"callout callout-{CALLOUT_TYPES.get(kind, 'note')}")
            first.set("class", "callout-title")
            first.text = match.group(2).strip() or kind.replace("-", " ").capitalize()
            if rest.strip():
                # Read again as blocks: a list right under the title line is still a list.
                holder = etree.Element("div")
                self.md.parser.parseChunk(holder, rest)
                for offset, block in enumerate(holder, start=1):
                    quote.insert(offset, block)


class _NotesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        # ==mark== as in Obsidian; before emphasis (60) so **bold** inside it still works.
        md.inlinePatterns.register(SimpleTagInlineProcessor(_MARK_RE, "mark"), "notes_mark", 65)
        md.inlinePatterns.register(
            SimpleTagInlineProcessor(_ANKI_MARK_RE, "mark"), "notes_anki_mark", 66
        )
        # After inline processing (priority 20), when <img> elements exist.
        md.treeprocessors.register(_ImageTreeprocessor(md), "notes_images", 5)
        # Before inline processing (priority 20), while titles are still Markdown.
        md.treeprocessors.register(_CalloutTreeprocessor(md), "notes_callouts", 25)
