"""Practice questions with lettered options: find them in the notes' lines and read them whole.

Pure Python. A multiple-choice question is a stem, then two or more options lettered in order
from A (`A.`, `A)`, `(A)`, lower case too; as lines, as bullets, or all on one line), then an
answer line that names the right letter (`Answer: B`, `**Answer:** C because ...`,
`Correct answer: b`, `Ans: (D)`), blank lines allowed before it. A "True or false:" statement
followed by `Answer: False ...` is read the same way.

Such a question has to be read before anything else reads its lines: a line `A. Propranolol`
right under `Q: ...` otherwise looks like an answer label (`A.`), and the options look like a
list to recall. The parser therefore swaps each question found here for one placeholder line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MARKUP_RE = re.compile(r"\*\*|__")
_LEAD_RE = re.compile(r"(?P<lead> *(?:[*+-] +|\d{1,9}[.)] +)?)(?P<rest>.*)$")
# One option on its own line: "A. text", "a) text", "(A) text", as a bullet or not.
_OPTION_RE = re.compile(
    r" *(?:[*+-] +)?(?:\((?P<p>[A-Ha-h])\)|(?P<l>[A-Ha-h])[.)])\s+(?P<text>\S.*)$"
)
# Options run together on one line: "(A) Propranolol (B) Metoprolol ..." or "a) x b) y".
_INLINE_OPTION_RE = re.compile(r"(?:(?<=\s)|^)(?:\((?P<p>[A-Ha-h])\)|(?P<l>[A-Ha-h])\))\s+")
_ANSWER_RE = re.compile(
    r" *(?:[*+-] +)?(?:correct answer|right answer|answer|ans)\s*(?:is)?\s*[:.=–—-]\s*"
    r"(?P<value>.+)$",
    re.I,
)
# The letter(s), then the end, punctuation or "because": "Answer: A queue ..." names no option.
_LETTERS_RE = re.compile(
    r"\(?(?P<letters>[A-Ha-h](?:\s*(?:,|/|&|and)\s*[A-Ha-h])*)\)?(?![\w])"
    r"(?:[.):;,]\s*|\s*[-–—]\s*|\s*(?=\()|\s+(?=because\b|since\b|as\b)|\s*$)(?P<rest>.*)$",
)
_ARTICLE_RE = re.compile(r"^(?:a|an|the)\s+(?=\w)", re.I)
_TRUTH_RE = re.compile(r"(?P<value>true|false)\b[.!]?\s*(?P<rest>.*)$", re.I)
_INLINE_TRUTH_RE = re.compile(
    r"(?P<text>.+?[.!?])\s*(?:[(\[]\s*(?P<value>true|false)\b\s*[—–:,.-]*\s*(?P<rest>[^()\[\]]*)"
    r"[)\]]|(?:→|->|=>)\s*(?P<value2>true|false)\b[.!]?\s*(?P<rest2>.*))\.?",
    re.I,
)
_TRUE_FALSE_RE = re.compile(r"(?:true or false|true/false|t/f)\s*[:?.-]?\s+(?P<text>\S.*)$", re.I)
_STEM_LABEL_RE = re.compile(
    r"(?:Q|Question)\s?\d{0,3}(?:\s?\([^)]{1,30}\))?\s?[:.]\s+(?P<text>\S.*)$", re.I
)
_LABEL_BOLD_RE = re.compile(r"^(\*\*|__)((?:Q|Question)\s?\d{0,3}\s?[:.])\1")
_EXPLANATION_LEAD_RE = re.compile(r"^[-–—:;,]\s*")
_GAP = 2  # blank lines allowed between the options and the answer line


@dataclass
class Question:
    """One practice question: lines `start`..`end` (0-based, inclusive) of the lines given."""

    start: int
    end: int
    lead: str  # the stem line's indentation and list marker, kept for the placeholder
    stem: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)
    correct: list[str] = field(default_factory=list)  # letters, upper case
    explanation: str = ""
    truth: str = ""  # "True" or "False" for a true-or-false question
    problem: str = ""  # why no card can be made (said as a warning), or ""

    @property
    def prompt(self) -> str:
        if self.truth:
            return f"{_TRUE_OR_FALSE}{self.stem}"
        options = "\n".join(f"- **{letter}.** {text}" for letter, text in self.options)
        return f"{self.stem}\n\n{options}"

    @property
    def answer(self) -> str:
        if self.truth:
            head = self.truth
        else:
            texts = dict(self.options)
            head = "; ".join(f"**{x}.** {texts[x]}" for x in self.correct)
        return f"{head}\n\n{self.explanation}" if self.explanation else head


# A card's prompt and answer as `Question` writes them, read back (by the exam generator).
_CARD_OPTION_RE = re.compile(r"^- \*\*([A-H])\.\*\* (.+)$", re.MULTILINE)
_CARD_RIGHT_RE = re.compile(r"\*\*([A-H])\.\*\*")
_CARD_TRUTH_RE = re.compile(r"(True|False)(?:\n\n|$)")
_TRUE_OR_FALSE = "True or false: "


@dataclass(frozen=True)
class Written:
    """A practice question read back from its card's Markdown."""

    stem: str
    options: tuple[tuple[str, str], ...]  # (letter, text)
    right: frozenset[str]  # letters
    explanation: str


def read_card(prompt: str, answer: str) -> Written | None:
    """The question a card's prompt and answer hold when `Question` wrote them, else None."""
    head, _, explanation = answer.partition("\n\n")
    truth = _CARD_TRUTH_RE.match(answer)
    if prompt.startswith(_TRUE_OR_FALSE) and truth:
        right = "A" if truth.group(1) == "True" else "B"
        return Written(prompt, (("A", "True"), ("B", "False")), frozenset(right), explanation)
    if "- **" not in prompt:
        return None
    found = list(_CARD_OPTION_RE.finditer(prompt))
    if len(found) < 2 or not _sequential([(m.group(1), "") for m in found]):
        return None
    right = frozenset(_CARD_RIGHT_RE.findall(head))
    if not right or not right <= {m.group(1) for m in found}:
        return None
    options = tuple((m.group(1), m.group(2)) for m in found)
    return Written(prompt[: found[0].start()], options, right, explanation)


def _plain(line: str) -> str:
    return _MARKUP_RE.sub("", line).strip()


def _option(line: str) -> tuple[str, str] | None:
    m = _OPTION_RE.match(_plain(line))
    if not m:
        return None
    return (m.group("p") or m.group("l")).upper(), m.group("text").strip()


def _inline_options(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split "stem (A) x (B) y" into the stem and its options; no options unless A, B, ..."""
    marks = list(_INLINE_OPTION_RE.finditer(text))
    letters = [(m.group("p") or m.group("l")).upper() for m in marks]
    if len(marks) < 2 or letters != [chr(ord("A") + i) for i in range(len(marks))]:
        return text, []
    # One style throughout: "(A) ... (B)" or "a) ... b)", never a mix.
    if len({m.group("p") is None for m in marks}) != 1:
        return text, []
    options = []
    for n, m in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        options.append((letters[n], text[m.end() : end].strip()))
    if not all(t for _, t in options):
        return text, []
    return text[: marks[0].start()].strip(), options


def _answer(line: str) -> str | None:
    m = _ANSWER_RE.match(_plain(line))
    return m.group("value").strip() if m else None


def _stem_text(text: str) -> str:
    text = _STEM_LABEL_RE.sub(r"\g<text>", text.strip(), count=1)
    return text.strip()


def _sequential(options: list[tuple[str, str]]) -> bool:
    return [x for x, _ in options] == [chr(ord("A") + i) for i in range(len(options))]


def find_questions(lines: list[str], skip: set[int] | None = None) -> list[Question]:
    """Every lettered or true-or-false practice question in `lines`, in order.

    `skip` holds indexes of lines that are not notes text (code placeholders): a question
    never spans one.
    """
    skip = skip or set()
    found: list[Question] = []
    i = 0
    floor = 0
    while i < len(lines):
        q = _question_at(lines, i, skip)
        if q is None:
            i += 1
            continue
        if not q.lead:
            # A stem written as a paragraph ("A 55-year-old with asthma ... Which is safest?")
            # starts at its paragraph's first line.
            b = i
            while b > max(floor, i - 6) and _paragraph_line(lines[b - 1]) and b - 1 not in skip:
                b -= 1
            if b < i:
                q.stem = " ".join([*(x.strip() for x in lines[b:i]), q.stem])
                q.start = b
        found.append(q)
        i = floor = q.end + 1
    return found


def _continues(line: str) -> bool:
    """A line that carries on the paragraph above it (not a new block, option or answer)."""
    text = line.strip()
    if not text or text.startswith(("#", ">", "|", "```", "~~~")) or _option(line):
        return False
    lead = _LEAD_RE.match(text)
    return not (lead and lead.group("lead")) and _answer(line) is None


def _paragraph_line(line: str) -> bool:
    """A line of plain paragraph text: not blank, a heading, a list item, a quote or a table."""
    if not line.strip() or line.startswith((" ", "#", ">", "|")):
        return False
    lead = _LEAD_RE.match(line)
    return not (lead and lead.group("lead")) and not _option(line) and _answer(line) is None


def _question_at(lines: list[str], i: int, skip: set[int]) -> Question | None:
    line = lines[i]
    if i in skip or not line.strip() or line.lstrip().startswith(("#", ">", "|")):
        return None
    if _option(line) or _answer(line) is not None:
        return None
    lead_m = _LEAD_RE.match(line)
    assert lead_m is not None
    lead, first = lead_m.group("lead"), lead_m.group("rest")
    stem, options = _inline_options(first)
    j = i + 1
    if not options and j < len(lines) and j not in skip:
        # "Which is safest?" then "(A) x (B) y" all on the next line.
        rest, inline = _inline_options(_plain(lines[j]))
        if inline and not rest:
            options = inline
            j += 1
    if not options:
        # Options on the lines below, lettered from A with nothing between them; a question
        # ("...?" or "...:") may have one blank line before its options.
        if (
            j + 1 < len(lines)
            and not lines[j].strip()
            and _plain(stem).endswith(("?", ":"))
            and _option(lines[j + 1])
        ):
            j += 1
        while j < len(lines) and j not in skip and (opt := _option(lines[j])):
            if opt[0] != chr(ord("A") + len(options)):
                break
            options.append(opt)
            j += 1
        if len(options) < 2:
            options = []
            j = i + 1
    truth_stem = _TRUE_FALSE_RE.match(_stem_text(_plain(stem)))
    if not options and not truth_stem:
        return None
    # The answer line: right after the options, or after at most `_GAP` blank lines.
    k = j
    while k < len(lines) and k - j < _GAP and not lines[k].strip() and k not in skip:
        k += 1
    value = _answer(lines[k]) if k < len(lines) and k not in skip else None
    if value is not None:
        # The answer's explanation may run on over the lines of its paragraph.
        while k + 1 < len(lines) and k + 1 not in skip and _continues(lines[k + 1]):
            k += 1
            value = f"{value} {lines[k].strip()}"
    stem_text = _stem_text(_LABEL_BOLD_RE.sub(r"\2", stem.strip(), count=1))
    labelled = stem_text != stem.strip()
    if truth_stem and not options and value is None:
        # "True or false: Mutations are always harmful. (False — most are neutral)": the
        # verdict in brackets (or after an arrow) on the statement's own line.
        inline = _INLINE_TRUTH_RE.fullmatch(truth_stem.group("text").strip())
        if inline:
            # (the bracketed form fills "value"/"rest", the arrow form "value2"/"rest2")
            verdict = inline.group("value") or inline.group("value2")
            rest = inline.group("rest") or inline.group("rest2") or ""
            return Question(
                i,
                i,
                lead,
                inline.group("text").strip(),
                truth=verdict.capitalize(),
                explanation=_explanation(rest),
            )
    if truth_stem:
        if options or value is None:
            return None
        tm = _TRUTH_RE.match(value)
        if not tm:
            return None
        return Question(
            i,
            k,
            lead,
            truth_stem.group("text").strip(),
            truth=tm.group("value").capitalize(),
            explanation=_explanation(tm.group("rest")),
        )
    if not _sequential(options) or not stem_text:
        return None
    q = Question(i, j - 1, lead, stem_text, options)
    if value is None:
        if not labelled:
            # Lettered lines under a plain line may be an outline or a list to recall.
            return None
        q.problem = "multiple-choice question has no answer line (such as `Answer: B`); skipped"
        return q
    q.end = k
    lm = _LETTERS_RE.match(value)
    if not lm:
        # "Answer: Atropine" or "Answer: A queue is FIFO": the option named by its text.
        for said in dict.fromkeys((_plain(value), _ARTICLE_RE.sub("", _plain(value), count=1))):
            named = [x for x, t in options if _says(said, _plain(t))]
            if len(named) == 1:
                q.correct = named
                q.explanation = _explanation(said[len(_plain(dict(options)[named[0]])) :])
                return q
        if not labelled:
            return None  # "a) factor it  b) solve  Answer: x = 2": steps and a result
        q.problem = f"multiple-choice answer {value[:30]!r} names no option letter; skipped"
        return q
    named = re.sub(r"\band\b", ",", lm.group("letters"))
    letters = [x.upper() for x in re.findall(r"[A-Ha-h]", named)]
    known = {x for x, _ in options}
    unknown = [x for x in letters if x not in known]
    if unknown:
        q.problem = (
            f"multiple-choice answer names option {unknown[0]}, but the options are "
            f"{options[0][0]}–{options[-1][0]}; skipped"
        )
        return q
    q.correct = letters
    q.explanation = _explanation(lm.group("rest"))
    return q


def _says(said: str, option: str) -> bool:
    """The answer opens with the option's whole text ("Queue is FIFO" names "Queue"; "and b"
    does not name "a")."""
    head = said[: len(option)]
    rest = said[len(option) : len(option) + 1]
    return head.casefold() == option.casefold() and not rest.isalnum()


def _explanation(rest: str) -> str:
    rest = rest.strip()
    return _EXPLANATION_LEAD_RE.sub("", rest, count=1).strip() if rest else ""
