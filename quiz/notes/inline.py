"""Markup-aware reading of one block's text: where a separator may split it, and what is tags.

Pure Python. Splitting a line at `:`, ` - `, `=` or `::` is only right outside inline code,
TeX math, bold, links, URLs, IPv6 addresses and times; `mask` blanks those spans (same length, so an
index in the mask is an index in the text) and every split searches the mask.
"""

from __future__ import annotations

import re

_FILL = "\x01"
# Inline code first: nothing inside it is markup.
_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_LINK_RE = re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)|<https?://[^>\s]*>")
_URL_RE = re.compile(r"\b(?:https?|ftp)://[^\s<>)\]]+|\bwww\.[^\s<>)\]]+")
# `**x**` anywhere; `__x__` only as a whole word (`window.__pwned` is not bold).
_BOLD_RE = re.compile(r"(\*\*|(?<!\w)__)(?=\S)(.+?)(?<=\S)\1(?!(?<=__)\w)")
_HIGHLIGHT_RE = re.compile(r"==(?=[^=\s])(.+?)(?<=[^=\s])==")
# An IPv6 address, or a time such as 10:30 or 10:30:15.
_IPV6_RE = re.compile(
    r"(?<![^\s(\[])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?(?![^\s)\],.;])"
)
# TeX math, `$$...$$` or `$...$` (not a price: "$5 and $10" has no closing `$` before a
# non-digit, and `$` inside a word or after a backslash is not a delimiter).
_MATH_RE = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\$])\$(?![\w$])")
_TIME_RE = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")

# `#tag` as Obsidian reads it: after a line start or a space, a letter first, then letters,
# digits, `_`, `-` and `/` (nested tags).
TAG_RE = re.compile(r"(?:(?<=\s)|^)#([A-Za-z_][\w/-]*)(?=$|[\s,.;:!?)])")
_ESCAPED_TAG_RE = re.compile(r"(^|\s)\\#(?=[A-Za-z_])")
WIKI_RE = re.compile(r"(!?)\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")
# Separators of `Term <sep> definition`, in the order they are tried at one position.
DEFINITION_SEPARATORS = (": ", " - ", " – ", " — ", " -> ", " => ", " → ", " = ", " :: ")


def _blank(text: str, regex: re.Pattern[str], inner_only: bool = False) -> str:
    def fill(m: re.Match[str]) -> str:
        if inner_only and m.lastindex:
            # Keep the delimiters (so `**` still reads as bold), blank what is inside.
            start, end = m.span(m.lastindex)
            s = m.group()
            a, b = start - m.start(), end - m.start()
            return s[:a] + _FILL * (b - a) + s[b:]
        return _FILL * len(m.group())

    return regex.sub(fill, text)


def mask(text: str) -> str:
    """`text` with code, math, links, URLs, bold and highlight contents, IPv6 and times blanked."""
    # Each pass only runs when its syntax can be there: most lines have none of it.
    out = text
    if "`" in out:
        out = _blank(out, _CODE_RE)
    if "$" in out:
        out = _blank(out, _MATH_RE)
    if "[" in out or "<" in out:
        out = _blank(out, _LINK_RE)
    if "://" in out or "www." in out:
        out = _blank(out, _URL_RE)
    if "**" in out or "__" in out:
        out = _blank(out, _BOLD_RE, inner_only=True)
    if "==" in out:
        out = _blank(out, _HIGHLIGHT_RE, inner_only=True)
    if "::" in out or out.count(":") >= 2:
        out = _IPV6_RE.sub(lambda m: _FILL * len(m.group()) if _ipv6(m.group()) else m.group(), out)
    if ":" in out:
        out = _blank(out, _TIME_RE)
    return out


def _ipv6(token: str) -> bool:
    """An IPv6 address rather than `Q::A`: "::1", "fe80::1", "2001:db8::7"; not "A::1"."""
    groups = [g for g in token.split("/")[0].split(":") if g]
    if not groups:
        return False  # a bare "::" is a separator
    return (
        token.startswith("::")
        or token.count(":") >= 3
        or any(len(g) >= 3 and any(ch.isdigit() for ch in g) for g in groups)
    )


def mask_code(text: str) -> str:
    """`text` with only inline code blanked (for finding `==highlights==` outside code)."""
    return _blank(text, _CODE_RE) if "`" in text else text


def find_outside(text: str, needle: str, masked: str | None = None) -> int:
    """Index of the first `needle` outside code, links, URLs, bold, IPv6 and times; -1 if none."""
    return (mask(text) if masked is None else masked).find(needle)


# Tags closing a line ("What is the law of demand? #card", "Price floor #econ/micro").
_TRAILING_TAGS_RE = re.compile(r"(?:\s+#[A-Za-z_][\w/-]*)+\s*$")


_HEX_COLOUR_RE = re.compile(
    r"#(?=[0-9A-Fa-f]*\d)(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})\b"
)


def trailing_tags(text: str) -> tuple[str, list[str]]:
    """`text` without the `#tags` that close it, and those tags: a Logseq `#card` or an
    Obsidian `#flashcard` marks the block as a card, and a topic tag classifies it; neither is
    part of the question. Tags inside the text are words of it and stay."""
    if "#" not in text:
        return text, []
    m = _TRAILING_TAGS_RE.search(text)
    if m is None or not text[: m.start()].strip() or "`" in m.group():
        return text, []
    if _HEX_COLOUR_RE.search(m.group()):
        return text, []  # "pure red is #FF0000": a colour, not a tag
    if any(tag.lstrip("#") in _DIRECTIVES for tag in m.group().split()):
        return text, []  # "lines starting with #include": C, not a tag
    return text[: m.start()].rstrip(), [t.lstrip("#") for t in m.group().split()]


def split_definition(text: str) -> tuple[str, str, str] | None:
    """(term, separator, definition) at the first definition separator outside markup."""
    masked = mask(text)
    best: tuple[int, str] | None = None
    for sep in DEFINITION_SEPARATORS:
        at = masked.find(sep)
        if at == -1 and sep == ": " and masked.endswith(":"):
            at = len(masked) - 1
        if at != -1 and (best is None or at < best[0]):
            best = (at, sep)
    if best is None:
        return None
    at, sep = best
    term = text[:at].strip()
    definition = text[at + len(sep) :].strip() if sep != ": " or at < len(text) - 1 else ""
    if sep in (" -> ", " => ", " → ", " = ", " - ") and sep in masked[at + len(sep) :]:
        return None  # a chain ("Data -> Store -> Process") is a flow, not a definition
    return term, sep.strip(), definition


def balanced(text: str) -> bool:
    """No `**` or inline-code backtick left open."""
    without_code = _CODE_RE.sub("", text)
    if "`" in without_code:
        return False
    return without_code.count("**") % 2 == 0


# C preprocessor directives written in prose ("lines starting with #include").
_DIRECTIVES = frozenset(
    {"include", "define", "undef", "ifdef", "ifndef", "endif", "pragma", "elif", "error"}
)


def extract_tags(text: str) -> tuple[str, list[str]]:
    """Remove `#tags` outside code and links; return (text without them, the tags in order)."""
    if "#" not in text:
        return text, []
    # A tag opening a line reaches here escaped (`\#tag`: the notes syntax keeps it from
    # reading as a heading).
    text = _ESCAPED_TAG_RE.sub(r"\1#", text)
    masked = _blank(_blank(_blank(text, _CODE_RE), _LINK_RE), _URL_RE)
    tags: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in TAG_RE.finditer(masked):
        if m.group(1).isdigit() or m.group(1) in _DIRECTIVES:
            continue  # "#12" is a number; "#include" is C, not a tag
        tags.append(m.group(1))
        spans.append(m.span())
    if not spans:
        return text, []
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    cleaned = re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()
    return cleaned, tags


def wiki_to_text(text: str) -> str:
    """`[[Page]]` → Page, `[[Page|alias]]` → alias, `![[img.png]]` → an image (outside code)."""
    if "[[" not in text:
        return text

    def swap(m: re.Match[str]) -> str:
        if m.group(1):
            target = m.group(2).strip()
            return f"![{target}]({target.replace(' ', '%20')})"
        shown = (m.group(3) or m.group(2)).strip()
        # `[[Page#Heading]]` reads as "Page > Heading" in Obsidian; the page is what matters.
        return shown if m.group(3) else shown.split("#", 1)[0].strip() or shown

    masked = _blank(text, _CODE_RE)
    out, last = [], 0
    for m in WIKI_RE.finditer(masked):
        out.append(text[last : m.start()])
        out.append(swap(WIKI_RE.match(text, m.start()) or m))  # type: ignore[arg-type]
        last = m.end()
    out.append(text[last:])
    return "".join(out)


# Roam's own inline syntax. A block reference `((uid))` points into another page and cannot
# be read from this one; `{{embed: ...}}`, `{{query: ...}}` and the like are widgets, not text
# (Anki's `{{c1::...}}` is a cloze and stays); `^^x^^` is Roam's highlight; `#[[two words]]` is
# one tag.
# (a Roam uid is nine characters with a digit, "_" or "-" among them: "((powerhouse))" is text)
# Logseq's block references are UUIDs: "((65cd1a2e-77b1-4c1e-9f34-1a2b3c4d5e6f))".
_ROAM_REF_RE = re.compile(
    r"\s?\(\((?:(?=[\w-]{0,8}[\d_-])[\w-]{9}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})\)\)"
)
# Logseq's cloze: "{{cloze movement along}}" hides its text as a `==x==` cloze does.
_LOGSEQ_CLOZE_RE = re.compile(r"\{\{cloze\s+([^{}]+?)\s*\}\}")
_ROAM_MACRO_RE = re.compile(
    r"\s?\{\{(?:\[\[)?(?:embed|query|table|kanban|mentions|word-count|calc|video|youtube|pdf|"
    r"iframe|attr-table|diagram|roam/[\w-]+|slider|encrypt|orphans|pomo|or|and)(?:\]\])?"
    r"(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}\}"
)
# (a highlight opens after a space or the line's start: "2^^3" is Knuth's arrow)
_ROAM_HIGHLIGHT_RE = re.compile(r"(?:(?<=\s)|^)\^\^(?=[^\s^])([^^]*?[A-Za-z][^^]*?)(?<=\S)\^\^")
_ROAM_TAG_RE = re.compile(r"#\[\[([^\[\]\n]+)\]\]")


def roam_to_text(text: str) -> str:
    """`text` without Roam's references and widgets, its highlights as `==x==`, its multi-word
    tags as one tag, and nested page links read as their words (outside inline code)."""
    if "`" in text:
        return text  # rare in Roam blocks; code must stay as written
    if "((" in text:
        text = _ROAM_REF_RE.sub("", text)
    if "{{" in text:
        text = _ROAM_MACRO_RE.sub("", text)
        text = _LOGSEQ_CLOZE_RE.sub(r"==\1==", text)
    if "^^" in text:
        text = _ROAM_HIGHLIGHT_RE.sub(r"==\1==", text)
    if "#[[" in text:
        text = _ROAM_TAG_RE.sub(lambda m: "#" + "-".join(m.group(1).split()), text)
    for _ in range(3):  # "[[[[CD4]] T cells]]": the inner link first, then the outer
        if "[[" not in text:
            break
        text = wiki_to_text(text)
    return text


_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SCRIPT_RE = re.compile(r"<(sub|sup)>([0-9+\-=()n]{1,8})</\1>", re.I)


def scripts_to_unicode(text: str) -> str:
    """`H<sub>2</sub>O` → H₂O, `NH<sub>4</sub><sup>+</sup>` → NH₄⁺: digits and signs as
    Unicode, so a formula written in HTML reads as one word (a term, a cloze's answer)."""
    return _SCRIPT_RE.sub(
        lambda m: m.group(2).translate(_SUB if m.group(1).lower() == "sub" else _SUP), text
    )
