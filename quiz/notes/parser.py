"""Turn Markdown study notes into topics and cards.

`parse_notes` reads the block tree that Python-Markdown's own block parser builds (headings,
paragraphs, lists, quotes) and walks it once. Inline Markdown is not processed here: the
text of each block is still its Markdown source, which is exactly what cards store (the
importer renders it once). Nothing here imports Django and nothing here raises on any text.

Card rules, in priority order (docs/cards.md is the user's account of them); explicit
syntax always wins over inference:

1. Explicit cards: Obsidian Spaced Repetition syntax (`Question::Answer`, `Q:::A` both
   ways, `?`/`??` between question and answer lines, one cloze per `==deletion==`) and
   `Q:`/`A:` pairs. Markup-aware: a separator in code, bold, a link, a URL, an IPv6 address
   or a time never splits (see `quiz.notes.inline`).
2. `qa`: a bullet ending in `?` with sub-items; a heading ending in `?` over a short
   section; top-level bullets of a practice-question section.
3. `list`: a heading, bullet, paragraph or bold cue line over a short list ("Name the 4 ...");
   nested categories give a card for the categories and one per category; a few numbered
   rules or steps are also asked one by one.
4. `definition`: `Term: definition` and `Term - / — / = / -> definition` (bullets or lines
   of a paragraph), definition sentences ("X is a ...", "A **term** ..."), Markdown
   definition lists, table rows, and a label over a single sub-item.
5. Remarks (`Important:`, `Note:` ...), then `cloze`: a sentence's emphasised phrase, else
   (in prose no card already holds) its fact: named subject, quantity or technical name.

Obsidian/Logseq idioms (callouts, tags to card tags, tasks never cards, front matter as deck
metadata) are read here too; `quiz.notes.syntax` normalises lines first (comments, wiki
links, properties, toggles). Every card then passes `quiz.notes.gate`, which drops broken
ones with a warning.

A bullet ending in `?` without anything under it is not a question on its own: inside a
list card or a question heading it is one of the parent's items ("Is this email spam or
not?" under "Binary Classification Model:"); elsewhere it is skipped with a warning.

Cloze representation: the prompt is the text with each hidden part replaced by `[...]`; the
answer is the same text with each hidden part marked `==like this==` (rendered as <mark>).
"""

from __future__ import annotations

import csv
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

from markdown import Markdown
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
)

from quiz.notes import choices, gate
from quiz.notes.inline import (
    balanced,
    extract_tags,
    mask,
    mask_code,
    split_definition,
    trailing_tags,
    wiki_to_text,
)
from quiz.notes.syntax import (
    ETX,
    FENCE_OPEN_RE,
    OUTLINE_MARK_RE,
    STX,
    TAB_LENGTH,
    fence_closes,
    front_matter,
    front_matter_unclosed,
    links_only,
    normalize_lines,
)
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
# Anki's cloze: `{{c1::hidden}}` or `{{c1::hidden::hint}}`.
_ANKI_CLOZE_RE = re.compile(r"\{\{c(\d+)::((?:(?!::|\}\}).)+?)(?:::((?:(?!\}\}).)*))?\}\}")
_ANKI_OPEN_RE = re.compile(r"\{\{c\d+::")
_INLINE_FORMULA_RE = re.compile(r"\$(?!\$)([^$=]+)=[^$]+\$\.?")
_DISPLAY_MATH_RE = re.compile(r"\$\$(?!\$)([^$]+)\$\$")
_LABELLED_Q_RE = re.compile(r"(?:Q|Question)\s*::\s*(\S.*)$", re.I | re.S)
# Left sides of `key:: value` lines that describe the page (Roam, Logseq, Dataview).
_ATTRIBUTE_KEYS = {"source", "sources", "author", "authors", "type", "tags", "tag", "date",
                   "created", "updated", "status", "url", "link", "links", "related", "aliases",
                   "alias", "title", "category", "categories"}  # fmt: skip
# A statute's provision: "s. 9(1)", "ss. 2-4", "art. 6", "reg. 3", "para. 12".
_SECTION_RE = re.compile(r"\b(?:s|ss|art|arts|reg|regs|para|paras|r|rr|sch)\.\s?\d")
_BOLD_ITALIC_RE = re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*")
_EMPTY_HEADING_RE = re.compile(r" {0,3}#{1,6}(?:\s+#*)?\s*")
_CHOICE_RE = re.compile(STX + r"choice:(\d+)" + ETX)
# Cheap test for text that may hold a lettered option or a true-or-false statement.
_CHOICE_HINT_RE = re.compile(r"(?:^|\s)\(?[A-Ba-b][.)]\s|true or false|true/false|t/f", re.I)
_CONTENT_PREFIX_RE = re.compile(r"[ >]*(?:(?:[*+-]|\d{1,9}\.)[ ]+)*#*[ ]*")
_CLOZE_RE = re.compile(r"==(?=[^=\s])(.+?)(?<=[^=\s])==")
# "Q:", "Q1:", "**Q:**", "Q (inline):": a question label.
_QA_RE = re.compile(
    r"(?:\*\*)?(?:Q|Question)\d{0,3}(?:\s?\([^)]{1,30}\))?(?:\*\*)?\s?[:.](?![:.])(?:\*\*)?\s+(.*)$",
    re.I | re.S,
)
# "why is X inelastic? -> no substitutes": a question and its answer on one line.
_INLINE_QA_RE = re.compile(r"(?P<q>[^?`]{3,200}\?)\s*(?:->|=>|→|—)\s*(?P<a>\S.*)$", re.S)
# A student's open question to self: "??? is this on the exam", "ask TA - ...".
_SELF_NOTE_RE = re.compile(
    r"\?{3}|ask\s+(?:the\s+|my\s+)?(?:TA|prof\w*|teacher|tutor|lecturer|instructor|supervisor)\b",
    re.I,
)
# A word a number labels rather than measures ("Case 1", "Figure 3", "Q4"), right before it.
_NUMBERED_LABEL_RE = re.compile(
    r"\b(?:case|patient|example|question|q|problem|exercise|section|slide|lecture|week|wk|"
    r"chapter|ch|figure|fig|table|step|part|unit|module|block|lab|hw|homework|pg|page|pp|p)"
    r"\.?\s*#?$",
    re.I,
)
# A blank to fill ("____") and a line that has one, its answer in brackets after it.
_BLANK_RE = re.compile(r"_{3,}")
_BLANK_LINE_RE = re.compile(r"(.*_{3,}.*?)\s*[\[(]([^()\[\]]{1,80})[\])]\.?")
# A short case or scenario line a question may sit under ("Case 1: 58M, chest pain").
_CASE_LINE_RE = re.compile(r"(?:case|patient|scenario|vignette|example|problem)\s*\d*\s*[:.]", re.I)
# A heading that names a session of a course rather than a subject.
_SESSION_RE = re.compile(
    r"(?:week|wk|lecture|lec|unit|chapter|ch|part|section|slide|session|class|day|module)"
    r"\.?\s*\d+[a-z]?",
    re.I,
)
# What brackets after a blank say when they do not fill it: marks, a word class.
_BLANK_HINT_RE = re.compile(
    r"\d+\s*(?:marks?|pts?|points?)|(?:noun|verb|adjective|adverb|pronoun|preposition|"
    r"conjunction|plural|singular|past tense|infinitive|participle|number|one word|two words)",
    re.I,
)
# A question and its short answer on one line: "Most likely diagnosis? Hypokalemia".
_QUESTION_THEN_ANSWER_RE = re.compile(r"([^?]{3,200}\?)\s+([^?\s][^?]{0,80}?)\.?")
# Tags that make a block a card in the app that wrote it (Logseq, Obsidian plugins).
_CARD_TAGS = frozenset({"card", "flashcard", "flashcards"})
# Blocks that can be the answer to a question standing alone above them.
_ANSWER_BLOCKS = frozenset({"p", "ul", "ol", "pre", "table", "blockquote", "dl"})
_A_RE = re.compile(
    r"(?:\*\*)?(?:A|Answer)\d{0,3}(?:\*\*)?\s?[:.](?![:.])(?:\*\*)?\s+(.*)$", re.I | re.S
)
_REMARK_RE = re.compile(
    # (a Notion callout or a writer's own marker may open the line with an emoji: "💡 Tip:")
    r"(?:[\u2190-\u2bff\U0001f000-\U0001faff\ufe0f\u200d]+\s*)?"
    r"(\*\*|__)?(important|note|nb|remember|key point|key trick|trick|rule of thumb|tip|"
    r"warning|caution|takeaway|key takeaway|mnemonic|hint|summary|in summary|pitfall|gotcha|"
    r"caveat|common mistake|common misreading|misconception|common misconception|exam tip|"
    r"watch out|rule|intuition|in practice|significance|exception|why it matters)\s*"
    # "**Important:**" and "**Important**:" close the bold they opened; "Tip: **x**" does not.
    r"(?(1)(?:[:!]\s*(?:\*\*|__)|(?:\*\*|__)\s*[:!])|[:!])\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)
# Words written in capitals for emphasis, never a cloze's hidden name.
_SHOUTED = frozenset(
    {"only", "not", "never", "always", "must", "no", "all", "none", "do", "dont", "don't",
     "important", "before", "after", "first", "last", "both", "either", "neither", "and",
     "or", "but", "very", "most", "least", "more", "less", "high", "low", "same", "different"}
)  # fmt: skip
# Labels that say what kind of thing a remark tells about its subject, asked as such.
_REMARK_QUESTIONS = {
    "intuition": "What is the intuition behind **{about}**?",
    "in practice": "How is **{about}** handled in practice?",
    "significance": "What is the significance of **{about}**?",
    "why it matters": "Why does **{about}** matter?",
    "exception": "What is the exception to **{about}**?",
}
# Remarks that state a fact, which a cloze can ask (not a warning about a misreading).
_FACT_REMARKS = frozenset(
    {"important", "note", "nb", "remember", "key point", "key trick", "trick", "tip", "hint",
     "takeaway", "key takeaway", "rule of thumb", "rule"}
)  # fmt: skip
# A labelled field of a case brief or a clinical or textbook entry: "**Facts:** ...",
# "Mechanism: ...". Its subject is the heading or item it sits under, not the label.
_FIELD_RE = re.compile(
    r"(\*\*|__)?(facts|issues?|holding|ratio(?: decidendi)?|reasoning|rationale|judgment|"
    r"judgement|mechanism|treatment|management|causes|symptoms|signs(?: and symptoms)?|"
    r"diagnosis|complications|risk factors|pathophysiology|epidemiology|indications|"
    r"contraindications|side effects|adverse effects|advantages|disadvantages|pros|cons)"
    r"(?(1)(?:\s*[:.]\s*(?:\*\*|__)|(?:\*\*|__)\s*[:.])|\s*:)\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
_GLOSSARY_RE = re.compile(r"glossary|definitions|terms|terminology|vocabulary|key words", re.I)
# "**Definition 3.2 (Bias).**", "**Theorem 3.7 (CLT).**", "**Example 3.5.**": a numbered block.
_BLOCK_LABEL_RE = re.compile(
    r"(\*\*|__|\*|_)(?P<kind>definition|def\.|theorem|thm\.|lemma|proposition|prop\.|corollary|"
    r"example|remark|proof|exercise)\s*(?:\d+(?:\.\d+)*)?\s*(?:\((?P<name>[^)]{1,60})\))?\s*[.:]?"
    r"\s*\1\s*[.:]?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TASK_RE = re.compile(
    r"\[[ xX/-]\]\s|(?:\{\{(?:\[\[)?)?(?:TODO|DONE|LATER|NOW|DOING|WAITING|CANCELED|CANCELLED)\b"
)
# A list item that is a remark about the course rather than a fact: all in parentheses, or
# flagged with "!!".
_ASIDE_ITEM_RE = re.compile(
    r"\((?=[^()]*\b(?:prof\w*|lecturer|teacher|tutor|TA|exam|skipped|not on|said|class|"
    r"lecture|check|ask|todo|revise|review)\b)(?:[^()]|\([^()]*\))+\)|!!\s*.+",
    re.I,
)
_ASIDE_HINT_RE = re.compile(r"^\s*(?:[*+-]|\d+\.)\s+(?:\(|!!)", re.M)
_CALLOUT_RE = re.compile(r"\[!([\w-]+)\][+-]?[ \t]*(.*)$")
# A plain-text outline's number in front of a term ("2.1 ", "1.2.3. "), and a line with one.
# (a capital or markup follows it: "9.81 m/s^2" and "0.05 is ..." are numbers, not outline)
_OUTLINE_NUMBER_RE = re.compile(
    r"^(?!\d+\.0\b)\d{1,3}(?:\.\d{1,3}){1,4}\.?\s+"
    # a capital or markup follows, but not a unit or an acronym ("2.5 Mya", "4.0 GPA")
    r"(?=[A-Z*_`\"“(\[])(?![A-Z]{2,}\b|[A-Z][a-z]{0,2}\b)"
)
_OUTLINE_LINE_RE = re.compile(r"\n\s*\d{1,3}(?:\.\d{1,3}){1,4}\.?\s+[A-Z*_`\"“(\[]")
_NUMBERING_RE = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+"
    # "Slide 6: Targeting", "Lecture 4 – Positioning": where it was said, not what it is.
    r"|^(?:slide|lecture|lec|part|section|chapter|ch\.?|week|unit)\s*\d+[a-z]?\s*[:.–—-]\s*",
    re.I,
)
_DEF_SENTENCE_RE = re.compile(
    r"(?:(?P<article>A|An|The)\s+)?(?P<term>[^\s,;:()\[\]]+(?:\s+[^\s,;:()\[\]]+){0,5}?"
    # "End-diastolic volume (EDV) is ...": the abbreviation belongs to the term.
    r"(?:\s+\([A-Za-z][\w./-]{0,11}\))?)"
    # ... and an aside naming it otherwise is not: "Hedonic adaptation (the "hedonic treadmill")".
    r"(?:\s+\((?:the\s+|also\s+)?(?:called\s+|known as\s+)?[\"“'][^()\"”]{1,40}[\"”']\))?\s+"
    r"(?P<verb>is|are|was|were|refers to|refer to|means|mean|denotes|describes|"
    r"occurs when|occur when|happens when|happen when|is defined as|are defined as)\s+"
    r"(?P<rest>.+)$",
    re.DOTALL,
)
_BOLD_FIRST_RE = re.compile(
    r"(?:(?:A|An|The)\s+)?(\*\*|__)(?P<term>[^*_]{1,80}?)\1[\s,]+(?P<rest>.+)$", re.DOTALL
)
_ARTICLE_RE = re.compile(
    r"(?:a|an|the|one of|any|used to|used for|called|when|where|how|something|someone|"
    r"somebody|anything|anyone|any one|our|your|their|one's)\s",
    re.I,
)
# A concept's name rather than an agent's ("The central bank is raising rates" narrates):
# the nouns a gerund definition is written for ("Self-justification is explaining ...").
_CONCEPT_RE = re.compile(
    r"(?:ion|ism|ity|ness|ance|ence|ment|ing|cy|ship|hood|fallacy|error|effect|bias|theory|"
    r"principle|law|paradox|heuristic|syndrome|disorder|dilemma|problem|illusion|rule|"
    r"strategy|technique|method|process|approach)s?\b[^\w]*$",
    re.I,
)
_GERUND_RE = re.compile(r"[a-z]{3,}ing\s+(?!(?:to|on|at|in|late|now|slowly|fast|well)\b)\S")
# "X is motion in which ...", "X is energy that ...": a bare noun defined by its clause.
_RELATIVE_RE = re.compile(
    r"[a-z]+(?:[\s-][a-z]+)?\s+(?:in which|by which|that|which|where|whose)\s"
)
# An aside between commas that says nothing about the subject: ", however," / ", in general,".
_INTERJECTION_RE = re.compile(
    r",\s*(?:however|therefore|thus|hence|in general|generally|by contrast|in contrast|though|"
    r"moreover|furthermore|in practice|in principle|of course|as a rule|in turn|too),(?=\s)",
    re.I,
)
_NOT_TERMS = {
    "this", "that", "it", "there", "these", "those", "he", "she", "they", "we", "you", "i",
    "which", "what", "who", "where", "when", "how", "why", "here", "each", "every", "all",
    "some", "most", "any", "no", "such", "if", "but", "and", "or", "so", "then", "also",
    "its", "their", "our", "my", "your", "his", "her", "one", "other", "another", "both",
    "in", "on", "at", "for", "with", "by", "from", "to", "of", "as", "after", "before",
    "during", "since", "because", "while", "unlike", "like", "not", "only", "just", "even",
    "more", "less", "many", "much", "few", "several", "however", "instead", "e.g", "i.e",
}  # fmt: skip
# Verbs that open an instruction ("Use S3 as ...", "Be cost-conscious"): a principle, not a term.
_IMPERATIVES = {
    "use", "build", "leverage", "be", "think", "avoid", "keep", "make", "pick", "choose",
    "prefer", "store", "run", "add", "consider", "do", "don't", "never", "always", "try",
    "set", "check", "enable", "disable", "decouple", "design", "plan", "start", "stop",
    "write", "read", "test", "measure", "monitor", "separate", "minimise", "minimize",
    "maximise", "maximize", "reduce", "increase", "limit", "remember", "learn", "follow",
}  # fmt: skip
# Headings that only gather leftovers: they say nothing about what a card is about.
CATCH_ALL = {
    "notes", "note", "misc", "miscellaneous", "other", "others", "other notes",
    "some other notes", "more notes", "more", "extra", "extras", "additional notes", "general",
    "random", "stuff", "various", "assorted", "scratch", "scratchpad", "inbox", "todo",
    "to do", "other stuff", "odds and ends", "leftovers", "loose ends", "unsorted", "etc",
}  # fmt: skip
# Words that name what a list holds: "Name the 4 components of ...".
_COLLECTIVE = {
    "types", "kinds", "components", "properties", "rules", "steps", "principles", "benefits",
    "advantages", "disadvantages", "features", "characteristics", "stages", "phases",
    "layers", "categories", "services", "reasons", "parts", "elements", "factors", "methods",
    "approaches", "options", "tools", "levels", "states", "modes", "classes", "forms",
    "goals", "causes", "effects", "symptoms", "examples", "uses", "pros", "cons", "limits",
    "limitations", "requirements", "challenges", "tiers", "models", "patterns",
    "strategies", "techniques", "algorithms", "metrics", "functions", "operations", "laws",
}  # fmt: skip
# What a fact cloze may hide: a quantity ("two weeks", "1 MB/s", "24hr"), else a technical
# name (an acronym, a CamelCase name, inline code).
_QUANTITY_RE = re.compile(
    # "40–60 bpm", "0.1-0.2 s": a range is one quantity, never half of one.
    r"(?<![\w.+-])(?:\d(?:[\d,.]*\d)?(?:\s?[–-]\s?\d(?:[\d,.]*\d)?)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
    r"hundred|thousand)(?:\s?(?:%|ms|milliseconds?|s|secs?|seconds?|minutes?|mins?|hours?|hrs?|hr|"
    r"days?|weeks?|months?|years?|[KMGTP]i?B(?:/s(?:ec)?)?|[KMGT]bps|rows?|records?|shards?|"
    r"times|x|calls?|requests?|items?|attributes?|partitions?|nodes?|replicas?|copies))?"
    # ("2015 s. 10": a statute's section sign follows the year, not a unit of seconds)
    r"(?![\w-])(?<!\ss(?=\.\s?\d))",
    re.I,
)
# Names too common to be the fact ("[...] ML uses ..." tests nothing).
# A "subject" holding one of these is a clause, not a name ("If it is", "When it runs").
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|will|would|should|"
    r"may|might|must|not|when|if|that|which|who|it|you|we|they|there)\b",
    re.I,
)
_GENERIC_NAMES = {
    "AWS", "ML", "AI", "API", "APIs", "HTTP", "HTTPS", "URL", "ID", "IDs", "OK", "UI", "IT",
    "TODO", "FAQ", "NB", "TL", "DR", "PDF", "USA", "UK", "EU", "US",
}  # fmt: skip
_NAME_RE = re.compile(
    # (a formula's charge or index belongs to it: "OH⁻", "SO₄²⁻")
    r"`[^`\n]+`|(?<![\w-])(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)"
    r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻₀₁₂₃₄₅₆₇₈₉]*(?![\w-])"
)
# A condition and its result: "0 < YED < 1 -> necessity".
_ARROW_RE = re.compile(r"\s(?:->|=>|→)\s")
# A condition and its result on one line: "|PED| = 1 => unit elastic", "YED < 0 -> inferior".
_COMPARISON_RE = re.compile(r"\s(?:=|<|>|≤|≥|≠|<=|>=)\s")
_CONDITION_RE = re.compile(
    r"([^:]{1,60}?\s(?:=|<|>|≤|≥|≠|<=|>=)\s[^:]{1,40}?)\s(->|=>|→)\s(\S.*)$", re.DOTALL
)
# "The main exception is ...", "One key difference ...": a generic noun with a qualifier
# names no term (a bare "exception" may be one: "An exception is an event ...").
_GENERIC_HEADS = {
    "exception", "exceptions", "example", "examples", "reason", "reasons", "difference",
    "differences", "problem", "problems", "advantage", "advantages", "disadvantage",
    "disadvantages", "point", "idea", "issue", "issues", "thing", "things", "catch",
    "downside", "upside", "takeaway", "benefit", "drawback", "question", "answer",
}  # fmt: skip
_QUALIFIERS = {
    "main", "key", "only", "big", "biggest", "other", "first", "second", "third", "last",
    "major", "important", "general", "basic", "usual", "common", "real", "whole", "one",
    "same", "next", "final", "chief", "principal", "obvious",
}  # fmt: skip
# "Goods displayed on a shop shelf": a participle and a preposition make a clause, not a term.
_CLAUSE_TERM_RE = re.compile(
    r"\b\w{3,}(?:ed|ing)\s+(?:on|in|at|by|from|with|into|to|for|under|over|through)\b"
)
# Words that point back to an earlier sentence: "The same reasoning applies ..." has no
# subject a learner could name from this sentence alone.
_ANAPHORA = {"same", "former", "latter", "above", "following", "previous", "aforementioned"}
# An italic case name: "*Carlill v Carbolic Smoke Ball Co*".
_CASE_NAME_RE = re.compile(r"(\*|_)([A-Z][^*_\n]{0,60}? v\.? [A-Z][^*_\n]{0,60}?)\1")
# A citation in brackets: "(Felthouse v Bindley, 1862)", "(Smith 2004)", "([1893] 1 QB 256)".
_CITATION_RE = re.compile(
    r"\((?=[^()]*\b1[5-9]\d\d|[^()]*\b20\d\d)(?:[^()]*\sv\.?\s|[*_]?[A-Z][\w'*_.-]*"
    r"(?: (?:&|and|et al\.?) [A-Z][\w'*_.-]*)?,? \[?\d{4}\b|\[\d{4}\])[^()]*\)"
)
_BULLET_LINE_RE = re.compile(r"(?:[*+-]|\d{1,9}[.)])\s")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^>]*)?>")
# A definition's later sentences that make no card of their own ride along in its answer
# only while it stays this short: a paragraph-long answer is not a focused card.
_FOCUSED_CHARS = 300
_PROSE_MAX_CARDS = 6  # cards from one block of prose: more would bury the block's point
# "... when four elements are present: a, b, c and d": a sentence that counts what it lists.
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_ENUMERATION_RE = re.compile(
    r"(?P<lead>[^:]*\b(?P<num>two|three|four|five|six|seven|eight|[2-8])\s+[a-z][^:]{2,80}):"
    r"\s+(?P<items>[^:]+)$",
    re.I,
)
_RULES_MAX = 7  # a numbered list this short also asks for each item by its number
# Labels of lists whose numbers mean something: "Rules of the MLFQ", "Steps", "Laws".
_RULES_RE = re.compile(
    r"\b(?:rules?|steps?|laws?|principles?|stages?|phases?|axioms?|commandments?|order)\b", re.I
)
LIST_SHORT_WORDS = 16  # a colon-less list is a list card when its items average at most this
# `**x**` anywhere; `__x__` only as a whole word (`window.__pwned` is not bold).
_BOLD_RE = re.compile(r"(\*\*|(?<!\w)__)(?=\S)(.+?)(?<=\S)\1(?!(?<=__)\w)")
_CODE_SPAN_RE = re.compile(r"`+[^`]*`+")
# Bold letters inside a word: "**S**ome **A**nts" (a mnemonic's initials).
_INTRAWORD_BOLD_RE = re.compile(
    r"\w(?:\*\*|__)[^*_\s]{1,3}(?:\*\*|__)|(?:\*\*|__)[^*_\s]{1,3}(?:\*\*|__)\w"
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*_])")
_TERM_RE = re.compile(r"([^:]{1,80}?):(?:\s+(.*))?$", re.DOTALL)
_TIME_RE = re.compile(r"(?:^|\s)\d{1,2}$")  # "at 10" of "at 10: 30" (not "G1", "S1")
_PRACTICE_RE = re.compile(r"\b(exams?|quiz(?:zes)?|practice|tests?|questions)\b", re.IGNORECASE)
_HTML_IMG_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_SIM_LINE_RE = re.compile(r"([A-Za-z_][\w.-]*)\s*:\s*(.*)$")
_QUESTION_WORDS = {"why", "what", "how", "when", "where", "which", "who", "is", "are", "does", "do"}
# Words a question opens with.
_QUESTION_OPENERS = frozenset(_QUESTION_WORDS) | {
    "whom", "whose", "was", "were", "did", "can", "could", "should", "would", "will", "has",
    "have", "name", "list", "give", "state", "in", "on", "for",
}  # fmt: skip
# Words that open a remark rather than name a term ("Important: ...").
_LABELS = {
    "answer",
    "rule",
    "memory trick",
    "to do",
    "ex",
    "for example",
    "for instance",
    "key point",
    "key takeaway",
    "key trick",
    "mnemonic",
    "rule of thumb",
    "takeaway",
    "trick",
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
    tags: tuple[str, ...] = ()  # the section's tags (heading, front matter, tag-only lines)
    heading: str = ""  # the section's heading as written (for "Which data store ..." nouns)
    lone: bool = False  # the only item under its parent (a chain of single bullets is a flow)


@dataclass
class _Section:
    topic: ParsedTopic
    card_slot: int | None = None  # index in cards reserved for a `?` heading's card
    first_block: bool = True
    intro: bool = False  # the text before the first heading


_local = threading.local()


def _block_markdown(*, tables: bool) -> Markdown:
    """This thread's Markdown for block parsing, reset for a new document.

    Building one with its extensions costs several milliseconds, as much as parsing a small
    file, so each thread keeps one (as the renderer does). Tables and definition lists are
    block syntax: their extensions add block processors; the table one tests every block, so
    it is only used for text with a `|` in it.
    """
    key = ("md", tables)
    md = getattr(_local, "md", {}).get(key)
    if md is None:
        extensions = ["tables", "def_list"] if tables else ["def_list"]
        md = Markdown(tab_length=TAB_LENGTH, extensions=extensions)
        _local.md = {**getattr(_local, "md", {}), key: md}
    md.reset()
    return md


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
        deck = ParsedDeck(title_from_name(source_name), [], [], [], [], [])
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
        self.questions: list[choices.Question] = []
        self.asked: set[tuple[tuple[str, ...], str]] = set()  # (topic path, prompt) of each card
        # The last prose paragraph (text, topic, index after it): a display equation's lead-in.
        self.lead_in: tuple[str, tuple[str, ...], int] | None = None
        self.cursor = 0
        self.pending_q: tuple[str, int] | None = None
        # The last term defined in the block being read, with its topic and definition: a
        # mnemonic right after it that spells its definition is for it.
        self.last_term: tuple[ParsedTopic, str, str] | None = None
        # The last statement (theorem, lemma ...) read, with its topic: what a proof proves.
        self.statement: tuple[ParsedTopic, str] | None = None
        # A label ("Rules:" or a bold cue line) waiting for the block under it.
        self.intro: tuple[str, int] | None = None
        self.md = _block_markdown(tables="|" in text)
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
        dropped: list[int] = []
        lines, capped = normalize_lines(self.source, dropped)
        if front_matter_unclosed(self.source):
            message = "front matter is never closed (no second `---`); read to a blank line"
            self.warnings.append(NoteWarning(1, message))
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
        skip = set(dropped)
        i = 0
        while i < len(lines):
            line = lines[i]
            if i in skip:
                i += 1
                continue
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
        return self._swap_questions(prepared)

    def _swap_questions(self, prepared: list[str]) -> list[str]:
        """Swap each lettered or true-or-false practice question for one placeholder line.

        Its lines must be read together, before any other rule reads them (see `choices`).
        """
        if not _CHOICE_HINT_RE.search("\n".join(prepared)):
            return prepared
        skip = {i for i, x in enumerate(prepared) if STX in x}
        found = choices.find_questions(prepared, skip)
        if not found:
            return prepared
        out: list[str] = []
        line_of: list[int] = []
        at = 0
        for q in found:
            out.extend(prepared[at : q.start])
            line_of.extend(self.line_of[at : q.start])
            if q.problem:
                self.warnings.append(NoteWarning(self.line_of[q.start], q.problem))
            else:
                self.questions.append(q)
                out.append(f"{q.lead}{STX}choice:{len(self.questions) - 1}{ETX}")
                line_of.append(self.line_of[q.start])
            at = q.end + 1
        out.extend(prepared[at:])
        line_of.extend(self.line_of[at:])
        self.line_of = line_of
        return out

    def _choice(self, text: str, index: int, ctx: _Ctx) -> bool:
        """Placeholder lines `_swap_questions` left (one, or several in a row: true-or-false
        statements one per line): each practice question's card."""
        found = [_CHOICE_RE.fullmatch(x.strip()) for x in text.strip().split("\n")]
        if not found or any(m is None for m in found):
            return False
        for offset, m in enumerate(found):
            q = self.questions[int(m.group(1))]
            self._add("qa", ctx, q.prompt, q.answer, self._line(index + offset), explicit=True)
        return True

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

    def _empty_heading(self) -> int:
        """Where the next heading with no text (`##`) is: `_locate` has no text to look for."""
        for k in range(self.cursor, min(len(self.prepared), self.cursor + _SEARCH_WINDOW)):
            if _EMPTY_HEADING_RE.fullmatch(self.prepared[k]):
                self.cursor = k + 1
                return k
        return min(self.cursor, max(len(self.prepared) - 1, 0))

    def _line(self, index: int) -> int:
        if not self.line_of:
            return 1
        return self.line_of[min(index, len(self.line_of) - 1)]

    # ---- the walk ------------------------------------------------------------------

    def parse(self) -> ParsedDeck:
        self.prepared = self._prepare()
        self.nav = _navigation_lines(self.source)
        self.meta = front_matter(self.source)
        root = self.md.parser.parseDocument(self.prepared).getroot()
        joined = "\n".join(self.prepared)
        if self.nav or _TASK_RE.search(joined) or _ASIDE_HINT_RE.search(joined):
            _drop_items(root, self.nav)
        title = (self.meta.get("title") or [""])[0]
        for el in root:
            if title:
                break
            if el.tag == "h1" and _one_line(el.text):
                title = extract_tags(_one_line(el.text))[0]
        if not title:
            title = title_from_name(self.source_name)
        self.title = title
        self.has_h1 = any(el.tag == "h1" for el in root)
        deck_tags = tuple(self.meta.get("tags", ()))

        stack: list[ParsedTopic] = []
        tag_stack: list[tuple[str, ...]] = []
        section: _Section | None = None
        section_tags: tuple[str, ...] = deck_tags
        for el in root:
            if el.tag in _HEADINGS:
                index = self._locate(el.text) if _one_line(el.text) else self._empty_heading()
                level = _HEADINGS[el.tag]
                heading, heading_tags = extract_tags(_one_line(el.text))
                self._scan_text(el.text or "", index, ())
                if section is not None:
                    self._close_section(section, self._line(index) - 1)
                if not heading:
                    heading = "Untitled"
                    self.warnings.append(NoteWarning(self._line(index), "heading has no text"))
                while stack and stack[-1].level >= level:
                    stack.pop()
                    tag_stack.pop()
                path = tuple(t.title for t in stack) + (heading,)
                topic = ParsedTopic(path, heading, level, len(self.topics), self._line(index), "")
                self.topics.append(topic)
                stack.append(topic)
                inherited = tag_stack[-1] if tag_stack else deck_tags
                tag_stack.append(_merge_tags(inherited, heading_tags))
                section_tags = tag_stack[-1]
                section = _Section(topic)
                self.pending_q = None
                self.intro = None
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
            if self.nav and el.tag == "p" and el.text:
                el.text = "\n".join(x for x in el.text.split("\n") if x.strip() not in self.nav)
                if not el.text.strip():
                    continue
            if el.tag == "p" and _tags_only(el.text or ""):
                # A line of tags alone tags the cards that follow it in the section.
                section_tags = _merge_tags(section_tags, extract_tags(_one_line(el.text))[1])
                continue
            ctx = _Ctx(
                section.topic.path,
                covered=section.card_slot is not None,
                practice=any(_PRACTICE_RE.search(t) for t in section.topic.path),
                topic_label="" if section.intro else self._context_of(section.topic.path),
                tags=section_tags,
                heading=section.topic.title,
            )
            if section.first_block and el.tag in ("ul", "ol") and section.card_slot is None:
                ctx.covered = self._heading_list_card(section.topic, el, ctx)
            section.first_block = False
            self._block(el, ctx)
        if section is not None:
            self._close_section(section, len(self.source))

        kept = [c for c in self.cards if c is not None]
        cards = gate.apply(kept, self.warnings)
        self.warnings.sort(key=lambda w: w.line)
        deck = ParsedDeck(title, self.topics, cards, self.images, self.sims, self.warnings)
        deck.tags = list(deck_tags)
        deck.aliases = list(self.meta.get("aliases", ()))
        return deck

    def _context_of(self, path: tuple[str, ...]) -> str:
        """The heading that says what its cards are about (catch-alls say nothing)."""
        # Only the section's own heading: under a catch-all ("Some other notes") the notes
        # are about whatever their bullets say, not about the heading above the catch-all.
        label = _context_label(path[-1]) if path else ""
        key = label.casefold().rstrip(":. ")
        if key in _GENERIC_SECTIONS and len(path) > 1:
            # "Key takeaways" under "1. Membranes" and again under "2. Respiration": the
            # section above says what they are about, so two such cards never read the same.
            # (Directly under the page's title, that is the deck's name: no context at all.)
            if len(path) == 2 and self.has_h1:
                return ""
            parent = _context_label(path[-2])
            return "" if parent.casefold().rstrip(":. ") in CATCH_ALL else parent
        return "" if key in CATCH_ALL else label

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

    def _heading_list_card(self, topic: ParsedTopic, el: etree.Element, ctx: _Ctx) -> bool:
        """A heading whose section opens with a list: recall the list (and its categories)."""
        lis = [li for li in el if li.tag == "li"]
        heads = [_one_line(_li_parts(li)[0]) for li in lis]
        label = topic.title.rstrip(":").strip()
        if any(h.endswith("?") for h in heads) and not topic.title.endswith(":"):
            return False  # a list of questions is not something to recall as one
        nested = [li for li in lis if any(c.tag in ("ul", "ol") for c in _li_parts(li)[1])]
        if not topic.title.endswith(":"):
            words = [len(h.split()) for h in heads if h]
            if not words or sum(words) / len(words) > LIST_SHORT_WORDS:
                return False  # paragraphs in bullets: each gets its own card instead
        if len(nested) >= 2 and len(nested) == len(lis):
            # Categories, each with members: recall the categories; each category is a card.
            items = [_strip_colon(h) for h in heads]
            answer = "\n".join(f"- {x}" for x in items)
            sizes = [sum(len(c) for c in _li_parts(li)[1] if c.tag in ("ul", "ol")) for li in lis]
            kind = "categories" if min(sizes) >= 2 else "kinds"
            prompt = f"Name the {len(items)} {kind} of **{_context_label(label)}**."
            return self._list_card(ctx, label, items, answer, topic.line, prompt=prompt)
        if _GRAB_BAG_RE.search(label) and all(_defines(li) for li in lis):
            return False  # "Clinical bits": each item is a card; together they are no list
        said = _COUNT_WORD_RE.match(label)
        if said and _NUMBER_WORDS.get(said.group(1).lower(), 0) not in (0, len(lis)):
            return False  # "Two kinds of batching" over three bullets: they are not the two
        items = [self._li_markdown(li) for li in lis]
        answer = "\n".join(self._block_md(el, ""))
        return self._list_card(
            ctx, label, items, answer, topic.line, prompt=_order_prompt(label, el, len(items), ctx)
        )

    def _list_card(
        self,
        ctx: _Ctx,
        label: str,
        items: list[str],
        answer: str,
        line: int,
        *,
        prompt: str = "",
    ) -> bool:
        items = [i for i in items if i.strip()]
        if not items or not label or any(STX in i for i in items):
            return False  # (practice questions are cards of their own, not a list's items)
        if sum(map(_explicit_syntax, items)) * 2 > len(items):
            return False  # mostly cards written out: each is a card, together they are no list
        timeline = replace(ctx, parent_label=label)
        if sum(_dated(x, timeline) for x in items) * 3 >= len(items) * 2:
            return False  # a timeline: each entry asks for its date; a run of them is no list
        if len(items) > LIST_CAP_ITEMS or len(answer) > SECTION_CAP_CHARS:
            self.warnings.append(NoteWarning(line, "list is too long for a card; skipped"))
            return False
        if len(items) == 1:
            return False  # one item is a definition, not a list (the caller may make one)
        prompt = prompt or _fields_prompt(label, items, ctx) or _list_prompt(label, len(items), ctx)
        card = ParsedCard("list", ctx.topic, prompt, answer, line, items=items)
        return self._push(card, ctx)

    def _block(self, el: etree.Element, ctx: _Ctx) -> None:
        if ctx.depth > 200:
            return  # normalize_lines keeps real nesting far below this
        tag = el.tag
        intro, self.intro = self.intro, None
        self.last_term = None  # a mnemonic names the term of its own block only
        if self.pending_q is not None and tag in _ANSWER_BLOCKS and not _answer_label(el):
            # A question standing alone ("Q: ...", a bold "**...?**" cue line, a Notion
            # toggle's summary) over a block with no "A:": that block is its answer, and is
            # read on as an answer is (no cloze or list card repeating it).
            (question, line), self.pending_q = self.pending_q, None
            answer = "\n".join(self._block_md(el, "")).strip()
            if answer and not ctx.covered:
                made = self._add("qa", ctx, question, answer, line, explicit=True)
                if made and tag == "p":
                    self._locate(el.text)  # read: the paragraph is that answer, nothing more
                    return
                ctx = replace(ctx, covered=True, depth=ctx.depth + 1)
        if tag in ("ul", "ol") and intro is not None and not ctx.covered:
            self._labelled_list(intro[0], intro[1], el, ctx)
        elif tag in ("ul", "ol") and intro is None and self._question_list(el, ctx):
            pass
        elif tag in ("ul", "ol"):
            for li in el:
                if li.tag == "li":
                    self._item(li, ctx if intro is None else replace(ctx, parent_label=intro[0]))
        elif tag == "p" or tag in _HEADINGS:
            index = self._locate(el.text)
            self._scan_text(el.text or "", index, ctx.topic)
            self._paragraph(el.text or "", index, ctx)
        elif tag == "pre":
            code = el[0] if len(el) else el
            index = self._locate(code.text)
            self._scan_text(code.text or "", index, ctx.topic, images=False)
        elif tag == "table":
            self._table(el, ctx)
        elif tag == "dl":
            self._definition_list(el, ctx)
        elif tag == "blockquote" and len(el) and el[0].tag == "p" and _callout(el[0].text):
            self._callout(el, ctx)
        else:
            # blockquote and anything else: walk the blocks inside.
            for child in el:
                self._block(child, replace(ctx, depth=ctx.depth + 1))

    def _paragraph(self, text: str, index: int, ctx: _Ctx) -> None:
        if self.pending_q is not None and not _A_RE.match(text.lstrip()):
            self.pending_q = None  # answered above, or followed by no answer at all
        if STX in text and self._choice(text, index, ctx):
            return
        if text.lstrip().startswith("$$") and self._display_math(text, index, ctx):
            return
        # Lines about the course, not its subject ("HW3 due Friday", "Date: Feb 12"): no cards
        # (blanked, not removed, so the other lines keep their line numbers).
        lines = ["" if _ADMIN_RE.match(x) else x for x in (y.strip() for y in text.split("\n"))]
        if "___" in text:
            self._blanks(lines, index, ctx)  # fill-in-the-blank lines, blanked once read
        if text.count(",") >= 6 and self._csv(lines, ctx):
            return
        if not any(lines):
            return
        found = _strip_trailing_tags(lines) if "#" in text else []
        if found:
            ctx = replace(ctx, tags=_merge_tags(ctx.tags, found))
        if (
            lines
            and _FIELD_RE.match(lines[0])
            and self._field_paragraph(lines)
            and (self._fields(lines, index, ctx))
        ):
            return
        if lines and _BLOCK_LABEL_RE.match(lines[0]):
            text = self._numbered_block(" ".join(x for x in lines if x), index, ctx)
            if not text:
                return
            lines = [text]
        first = lines[0] if lines else ""
        if _TASK_RE.match(first):
            return  # a task or TODO is a note to self, never a card
        if _SELF_NOTE_RE.match(first):
            self.warnings.append(NoteWarning(self._line(index), "note to self; skipped"))
            return
        if self._inline_qa(lines, index, ctx):
            return
        if self._question_answer(lines, index, ctx):
            return
        if self._question_line(lines, index, ctx):
            return
        if self._explicit(text, index, ctx):
            return
        joined = " ".join(x for x in lines if x)
        written = [(n, x) for n, x in enumerate(lines) if x]
        if len(written) > 1 and all(_REMARK_RE.match(x) for _, x in written):
            # "Rule: ..." on each line: remarks of their own, not one run together.
            for n, x in written:
                self._remark(x, index + n, ctx)
            return
        if self._remark(joined, index, ctx):
            return
        if self._cue(lines, index, ctx):
            return
        lettered = _lettered_items(lines)
        if lettered:
            # "Elements:" over "(a) ...", "(b) ...": a labelled list, lettered as written.
            written = [x for x in lines if x]
            at = len(written) - len(lettered)
            label = " ".join(written[:at]).rstrip(":").strip()
            if _is_label(label):
                self._inline_list(label, lettered, index + at, ctx, line=self._line(index))
                return
        at = next((i for i, x in enumerate(lines) if i and _BULLET_LINE_RE.match(x)), 0)
        if (
            at
            and not _BULLET_LINE_RE.match(lines[0])
            and self._over_bullets(text, lines, at, index, ctx)
        ):
            return
        if self._pasted_cards(lines, index, ctx):
            return
        if self._definition_lines(lines, index, ctx):
            return
        rest = [x for x in lines[1:] if x]
        head_label = first[:-1].rstrip() if first.endswith(":") else first
        if (
            len(rest) >= 2
            and _is_label(head_label)
            and len(head_label.split()) <= 8
            and ":" not in head_label
        ):
            # "Definitions" (or "Types of LTM:", "working memory model (1974)") over
            # "Term: definition" or "term -> what" lines: their label.
            label = _NUMBERING_RE.sub("", head_label)  # "2.1 Definitions" is "Definitions"
            sub = replace(ctx, parent_label=_short(label) or ctx.parent_label)
            if self._definition_lines(lines[1:], index + 1, sub):
                return
        # Under a `?` heading the section is the answer: a cloze would repeat it.
        self._prose(joined, index, ctx, whole=True, facts=not ctx.covered)
        self.lead_in = (joined, ctx.topic, index + len(lines))
        if joined.endswith(":") and len(joined.split()) <= 12:
            # "Rules of the MLFQ:" then a list: the list's label.
            self.intro = (joined.rstrip(":").strip(), self._line(index))

    def _item(self, li: etree.Element, ctx: _Ctx) -> None:
        head_text, children = _li_parts(li)
        if "\n" in head_text and _OUTLINE_LINE_RE.search(head_text):
            head_text, children = self._outline_under(head_text, children)
        index = self._locate(head_text)
        line = self._line(index)
        self._scan_text(head_text, index, ctx.topic)
        if STX in head_text and self._choice(head_text, index, ctx):
            for child in children:
                self._block(child, replace(ctx, depth=ctx.depth + 1, covered=True))
            return
        head_lines, extra = _split_head(head_text)
        # "- What is X? #card": tags classify the card, they do not ask it.
        found = _strip_trailing_tags(head_lines) if "#" in head_text else []
        if found:
            ctx = replace(ctx, tags=_merge_tags(ctx.tags, found))
        written = [x.strip() for x in head_lines if x.strip()]
        if len(written) > 1 and not children and _asks(written[0]):
            # "1. Why is replication semi-conservative?" with its answer on the lines under it
            # (indented in the item): the item is the question, those lines its answer.
            answer_text = " ".join(written[1:])
            if self._add("qa", ctx, written[0], answer_text, line, explicit=True):
                return
        head = " ".join(written)
        if head[:1].isdigit():
            head = _OUTLINE_NUMBER_RE.sub("", head)  # "2.1 Mirror image rule: ..." (an outline)
        elif (mark := OUTLINE_MARK_RE.match(head)) is not None:
            head = head[mark.end() :]  # "A. Sodium", "II. Acid-base" (an outline)
        if head and children and _CARD_TAGS.intersection(found):
            # Logseq's "#card" (Obsidian's "#flashcard"): the block is the front, the blocks
            # under it the back, as those apps show it.
            back = "\n\n".join("\n".join(self._block_md(c, "")) for c in children).strip()
            # A term's front ("Price floor #card") is asked as a term is.
            term_like = not head.endswith("?") and len(head.split()) <= 4 and _term(head) is None
            front = _definition_prompt(_plain_term(head), ctx) if term_like else head
            kind = "definition" if term_like else "qa"
            if back and self._add(kind, ctx, front, back, line, explicit=True):
                covered = replace(ctx, covered=True, depth=ctx.depth + 1)
                for child in children:
                    self._block(child, covered)
                return
        if _TASK_RE.match(head) or (self.nav and head in self.nav) or _ADMIN_RE.match(head):
            return  # tasks are plans, "Related: [[A]]" is navigation, "HW3 due": admin
        if _SELF_NOTE_RE.match(head):
            self.warnings.append(NoteWarning(line, "note to self; skipped"))
            return
        sublists = [c for c in children if c.tag in ("ul", "ol")]

        labelled = _LABELLED_Q_RE.match(head) if "::" in head else None
        if labelled and children:
            # Roam's "Q:: question" with its answer in the blocks under it.
            answer_md = "\n\n".join("\n".join(self._block_md(c, "")) for c in children)
            self._add("qa", ctx, labelled.group(1).strip(), answer_md.strip(), line, explicit=True)
            return
        made = "?" in head and self._inline_qa([head], index, ctx)
        if not made and head[:1] in "QqAa*_":
            made = self._question_answer([head], index, ctx, children=children)
        made = made or self._explicit("\n".join(head_lines), index, ctx)
        if not made and _FIELD_RE.match(head):
            more = self._answer_md(extra, children) if (children or extra) else ""
            made = self._field(head, more, index, ctx)
        term = _term(head)
        label = _strip_colon(head)
        # In a practice-question section the top-level bullets are the questions even when
        # the writer left out the question mark (but a bare label is a category, not one).
        asks = head.endswith("?") or (
            ctx.practice and ctx.depth == 0 and len(head.split()) > 5 and not term
        )
        # The sub-items as Markdown are only built when a card needs them: each ancestor
        # would otherwise serialise the same sub-items again.
        lis = [x for sub in sublists for x in sub if x.tag == "li"]
        cache: dict[str, Any] = {}

        def answer() -> str:
            if "answer" not in cache:
                parts = ["\n".join(self._text_md(extra, ""))] if extra else []
                parts.extend("\n".join(self._block_md(c, "")) for c in children)
                cache["answer"] = "\n\n".join(p for p in parts if p.strip()).strip("\n")
            return cache["answer"]

        def items() -> list[str]:
            if "items" not in cache:
                cache["items"] = [self._li_markdown(x) for x in lis]
            return cache["items"]

        has_answer = bool(children or extra)
        if not made and asks and has_answer and answer():
            made = self._add("qa", ctx, head, answer(), line)
        elif not made and head.endswith(":") and len(lis) > 1 and len(label.split()) > 1:
            made = self._list_card(ctx, label, items(), answer(), line)
        if not made and term is not None:
            name, definition, sep = term
            # Sub-items that define something themselves ("YED > 0 -> normal good") are
            # cards of their own: they do not ride along in this definition's answer.
            sub = (
                (self._answer_md(extra, children) if definition else answer()) if has_answer else ""
            )
            own = definition and len(definition) + len(sub) > 700
            full = "\n\n".join(p for p in (definition, "" if own else sub) if p.strip())
            if full and (definition or children):
                made = self._definition(ctx, name, definition, full, line, sep=sep)
        if not made:
            made = self._remark(head, index, ctx)
        # Under a question bullet the sub-items are its answer; elsewhere a label with
        # sub-items is a list (or, with one sub-item, a definition) of its own.
        answered = ctx.covered and ctx.depth > 0
        if not made and lis and not answered and not head.endswith("?") and _is_label(label):
            heads = [_one_line(_li_parts(x)[0]) for x in lis]
            nested = any(c.tag in ("ul", "ol") for c in _li_parts(lis[0])[1])
            if len(lis) == 1 and not extra and not nested and not ctx.lone and _term_like(label):
                made = self._definition(ctx, label, items()[0], items()[0], line)
            elif len(lis) > 1 and not any(h.endswith("?") for h in heads):
                words = [len(h.split()) for h in heads if h]
                if words and sum(words) / len(words) <= LIST_SHORT_WORDS:
                    made = self._list_card(ctx, label, items(), answer(), line)
        does = _CODE_DOES_RE.fullmatch(head) if not made and head.startswith("`") else None
        if does and len(does.group(2)) > 3:
            # "`-Wall` turns on most warnings": what the command or flag does.
            answer_text = f"{does.group(2)} {does.group(3)}".strip().rstrip(".")
            made = self._add("qa", ctx, f"What does {does.group(1)} do?", answer_text, line)
        if not made and not head.endswith(("?", ":")):
            # Under a card that already holds this item, only a definition is worth adding:
            # a cloze on a fragment of a list would lose the list's context.
            made = self._prose(head, index, ctx, whole=not children, facts=not ctx.covered)
        # A bare question under another bullet is one of its parent's items (examples of a
        # model type, say); only a bare question standing on its own is worth a warning.
        if not made and head.endswith("?") and not has_answer and not ctx.covered and not ctx.depth:
            self.warnings.append(NoteWarning(line, "question has no answer under it; skipped"))

        child_label = term[0] if term else _short(label)
        if not child_label:
            child_label = ctx.parent_label
        lone = len(lis) == 1
        # Built directly: dataclasses.replace costs several times more, once per bullet.
        child_ctx = _Ctx(
            ctx.topic,
            child_label,
            made,
            ctx.practice,
            ctx.depth + 1,
            ctx.topic_label,
            ctx.tags,
            ctx.heading,
            lone,
        )
        for child in children:
            self._block(child, child_ctx)

    def _over_bullets(self, text: str, lines: list[str], at: int, index: int, ctx: _Ctx) -> bool:
        """A paragraph whose lines run on into bullets from line `at` (no blank line between):
        a question they answer, a label they are listed under, or lines of their own over
        them. True when read."""
        label = " ".join(lines[:at]).rstrip(":").strip()
        bullets = text.split("\n")[at:]
        question = _NUMBERING_RE.sub("", label)
        if question.endswith("?") and at == 1 and len(question.split()) > 1:
            # "Slide 2: What is STP?" over bullets: the question they answer.
            holder = self._parse_chunk(bullets)
            answer = "\n".join(line for el in holder for line in self._block_md(el, ""))
            line = self._line(index)
            if answer.strip() and self._add("qa", ctx, question, answer.strip(), line):
                covered = replace(ctx, covered=True, depth=ctx.depth + 1)
                for el in holder:
                    self._block(el, covered)
                return True
        # "Statins: inhibit HMG-CoA reductase" defines something: it is no label.
        defined = _term(lines[at - 1])
        labelled = False if defined and defined[1] else _is_label(label)
        if not labelled and all(x for x in lines[:at]):
            self._lines_over_bullets(text, lines, at, defined, index, ctx)
            return True
        if not labelled:
            return False
        # The bullets as written, each nested as indented (`lines` are stripped).
        if STX in label:
            # Code right over the bullets (explained by them): the code is no label.
            for el in self._parse_chunk(bullets):
                self._block(el, ctx)
            return True
        self._inline_list(label, bullets, index + at, ctx, line=self._line(index))
        return True

    def _lines_over_bullets(
        self,
        text: str,
        lines: list[str],
        at: int,
        defined: tuple[str, str, str] | None,
        index: int,
        ctx: _Ctx,
    ) -> None:
        """Lines of their own over bullets ("`Vec<T>` — ..." then "- `HashMap` ..."): each
        part read as what it is, not the bullets as the lines' wrapped text. An unindented
        `Term: definition` line after the bullets is a line of its own again (any other
        unindented line continues the bullet it is wrapped from)."""
        raw = text.split("\n")
        end = next(
            (
                i
                for i in range(at + 1, len(raw))
                if raw[i].strip()
                and not raw[i].startswith((" ", "\t"))
                and not _BULLET_LINE_RE.match(raw[i])
                and _term(raw[i].strip()) is not None
            ),
            len(raw),
        )
        chunk = self._parse_chunk(raw[at:end])
        heads = [_one_line(_li_parts(li)[0]) for el in chunk for li in el if li.tag == "li"]
        short = len(heads) >= 2 and all(len(h.split()) <= 8 for h in heads)
        examples = any(h.lower().startswith(("e.g", "eg ", "ex:", "for example")) for h in heads)
        if defined and defined[1] and short:
            # "Mitosis: division of a somatic cell" over "- prophase", "- metaphase": the
            # bullets belong to that definition's answer.
            if at > 1:
                self._paragraph("\n".join(raw[: at - 1]), index, ctx)
            bullets_md = "\n".join(x for el in chunk for x in self._block_md(el, ""))
            answer = f"{defined[1]}\n\n{bullets_md}"
            line = self._line(index + at - 1)
            self._definition(ctx, defined[0], defined[1], answer, line, sep=defined[2])
            under: _Ctx | None = replace(ctx, parent_label=defined[0], covered=True)
        elif (
            not defined
            and at == 1
            and short
            and not lines[0].endswith("?")
            and _definition_sentence(lines[0]) is None
            and not examples
            # a sentence with a fact of its own ("The war began in 1914 ...") is asked as
            # that fact, not made the label of the bullets
            and _pick_hidden(lines[0], mask(lines[0]), ctx) is None
        ):
            # "Glycolysis happens in the cytoplasm." over short bullets: what it does.
            label = lines[0].rstrip(".:").strip()
            self._inline_list(label, raw[at:end], index + at, ctx, line=self._line(index))
            under = None  # the list card read the bullets
        else:
            self._paragraph("\n".join(raw[:at]), index, ctx)
            # Bullets indented under "Statins: inhibit HMG-CoA reductase" are about statins
            # (the source's indentation: normalising took it off).
            source_line = self.source[self._line(index + at) - 1]
            indented = source_line[:1] in (" ", "\t")
            under = replace(ctx, parent_label=defined[0]) if defined and indented else ctx
        if under is not None:
            for el in chunk:
                self._block(el, under)
        if end < len(raw):
            self._paragraph("\n".join(raw[end:]), index + end, ctx)

    def _question_list(self, el: etree.Element, ctx: _Ctx) -> bool:
        """A list that opens with a question and goes on with its answer, each as a bullet of
        the same level ("- The team deleted a dataset. What happens next?" then "- You get a
        warning", "- ..."): one question card, the later bullets its answer."""
        lis = [li for li in el if li.tag == "li"]
        if len(lis) < 2 or ctx.covered:
            return False
        head, children = _li_parts(lis[0])
        question = _one_line(head)
        heads = [_one_line(_li_parts(li)[0]) for li in lis[1:]]
        if not question.endswith("?") or children or any(h.endswith("?") for h in heads):
            return False
        if any(h.split()[:1] and h.split()[0].lower() in _STUDY_VERBS for h in heads):
            return False  # "Explain ...", "Describe ...": more study questions, not answers
        if _TASK_RE.match(question) or len(question.split()) < 4:
            return False
        answer = "\n".join(x for li in lis[1:] for x in self._li_md(li, "- ", "")).strip()
        line = self._line(self._locate(head))
        if not answer or not self._add("qa", ctx, question, answer, line):
            return False
        covered = replace(ctx, covered=True, depth=ctx.depth + 1)
        for li in lis[1:]:
            self._item(li, covered)
        return True

    def _parse_chunk(self, lines: list[str]) -> etree.Element:
        """Lines read as Markdown blocks of their own (bullets that one paragraph held), nested
        as indented relative to the first line."""
        width = len(lines[0]) - len(lines[0].lstrip(" ")) if lines else 0
        holder = etree.Element("div")
        self.md.parser.parseChunk(holder, "\n".join(_dedent(x, width) for x in lines))
        _drop_items(holder, self.nav)
        return holder

    def _outline_under(
        self, head_text: str, children: list[etree.Element]
    ) -> tuple[str, list[etree.Element]]:
        """An item whose text runs on into numbered lines of a plain-text outline ("1. Offer"
        then "1.1 Definition: ..."), which Markdown reads as the item's own wrapped text: the
        numbered lines as the sub-items they are, each with its number kept."""
        lines = head_text.split("\n")
        at = next((i for i, x in enumerate(lines) if i and _OUTLINE_NUMBER_RE.match(x.strip())), 0)
        rest = [x.strip() for x in lines[at:] if x.strip()]
        if not at or not all(_OUTLINE_NUMBER_RE.match(x) for x in rest):
            return head_text, children
        holder = etree.Element("div")
        self.md.parser.parseChunk(holder, "\n".join(f"- {x}" for x in rest))
        return "\n".join(lines[:at]), [*holder, *children]

    def _answer_md(self, extra: str, children: list[etree.Element]) -> str:
        """An item's sub-blocks as Markdown, leaving out sub-items that are definitions."""
        parts = ["\n".join(self._text_md(extra, ""))] if extra else []
        for child in children:
            if child.tag in ("ul", "ol"):
                lis = [li for li in child if li.tag == "li"]
                kept = [li for li in lis if not _defines(li)]
                if len(kept) != len(lis):
                    child = etree.Element(child.tag)
                    child.extend(kept)
            parts.append("\n".join(self._block_md(child, "")))
        return "\n\n".join(p for p in parts if p.strip()).strip("\n")

    def _definition(
        self,
        ctx: _Ctx,
        term: str,
        definition: str,
        answer: str,
        line: int,
        *,
        sep: str = ":",
        article: str = "",
    ) -> bool:
        prompt = _members_prompt(term, definition, ctx) if _are_members(definition) else ""
        if not prompt and sep in ("=", "->", "=>", "→"):
            # "Stagger = Staffel", "Input -> output": an equivalence, not always a definition.
            context = ctx.parent_label or ctx.topic_label
            prompt = f"**{term}** {sep} ?" + (f" ({context})" if context else "")
        if not prompt and _imperative(term):
            context = ctx.parent_label or ctx.topic_label
            prompt = f"Explain **{term}**" + (f" ({context})." if context else ".")
        if not prompt and definition and _DATE_RE.fullmatch(term) and _dated_context(term, ctx):
            # A timeline entry ("14 Oct 1066 – Battle of Hastings"): the event is known, its
            # date is what to recall.
            context = ctx.parent_label or ctx.topic_label
            prompt = f"When: **{definition.rstrip('.')}**" + (f" ({context})?" if context else "?")
            answer = term
        if not prompt and _statute(term):
            # "CRA 2015 s. 10: goods must be fit for ...": what the provision lays down.
            prompt = f"What does **{term}** provide?"
        parent = ctx.parent_label
        if not prompt and parent and term.split()[0] in _QUALIFIER_TERMS:
            prompt = f"**{_unbolded(parent)}**, {term}?"
        named = ctx.parent_label or ctx.topic_label
        if named and _SESSION_RE.fullmatch(named):
            named = ""  # "## Week 4": where the notes were taken, not what is defined
        if term.lower() in ("definition", "def", "meaning") and named:
            # "## Buffers" then "Definition: a solution that resists ...": what a buffer is.
            term = named
            ctx = replace(ctx, parent_label="", topic_label="")
        versus = _VERSUS_RE.fullmatch(term)
        if not prompt and versus:
            # "`String` vs `&str` — ...", "Mitosis vs meiosis: ...": how the two differ.
            context = ctx.parent_label or ctx.topic_label
            first, second = versus.group(1).strip(), versus.group(2).strip()
            prompt = f"How do {_bolded(first)} and {_bolded(second)} differ?"
            if context:
                prompt = f"{prompt[:-1]} ({context})?"
        kind = term.lower()
        if not prompt and kind in _STATEMENTS and definition:
            # "Theorem: If the net force is zero, ...": stated, not defined; the proof that
            # follows proves it.
            context = ctx.parent_label or ctx.topic_label
            prompt = f"State the {kind}" + (f" ({context})." if context else ".")
            self.statement = (ctx.topic, definition)
            return self._add("qa", ctx, prompt, answer, line)
        if not prompt and kind == "proof":
            stated = self.statement if self.statement and self.statement[0] is ctx.topic else None
            if stated is None or not definition:
                return False  # a proof of nothing named is no card
            return self._add("qa", ctx, f"Prove: {stated[1]}", answer, line)
        prompt = prompt or _definition_prompt(term, ctx, article)
        self.last_term = (ctx.topic, term, definition)
        return self._add("definition", ctx, prompt, answer, line, term=term)

    def _add(
        self,
        kind: str,
        ctx: _Ctx,
        prompt: str,
        answer: str,
        line: int,
        *,
        term: str = "",
        explicit: bool = False,
    ) -> bool:
        if not prompt.strip() or not answer.strip():
            return False
        card = ParsedCard(kind, ctx.topic, prompt, answer, line, term=term, explicit=explicit)
        return self._push(card, ctx)

    def _push(self, card: ParsedCard, ctx: _Ctx) -> bool:
        """Keep a card: its `#tags` leave its text for its tags."""
        card.prompt, prompt_tags = extract_tags(card.prompt)
        card.answer, answer_tags = _answer_tags(card.answer)
        if card.items:
            card.items = [_answer_tags(x)[0] for x in card.items]
        card.tags = list(_merge_tags(ctx.tags, prompt_tags, answer_tags))
        if not card.prompt.strip() or not card.answer.strip():
            return False
        self.cards.append(card)
        self.asked.add((card.topic_path, card.prompt))
        return True

    # ---- inferred cards ------------------------------------------------------------

    def _question_answer(
        self,
        lines: list[str],
        index: int,
        ctx: _Ctx,
        *,
        children: list[etree.Element] | None = None,
    ) -> bool:
        """`Q: ...` / `A: ...` pairs: in one block, or a `Q:` block then an `A:` block."""
        made = False
        question: list[str] = []
        answer: list[str] | None = None
        q_line = self._line(index)
        pending = self.pending_q
        self.pending_q = None

        def flush() -> None:
            nonlocal made, question, answer
            if question and answer:
                q_text, a_text = " ".join(question), "\n".join(answer)
                made = self._add("qa", ctx, q_text, a_text, q_line, explicit=True) or made
            question, answer = [], None

        for offset, raw in enumerate(lines):
            if not raw:
                continue
            q = _QA_RE.match(raw)
            a = _A_RE.match(raw)
            if q and q.group(1).strip():
                flush()
                question, q_line = [q.group(1).strip()], self._line(index + offset)
            elif a and (question or (pending and offset == 0)):
                if not question and pending:
                    question, q_line = [pending[0]], pending[1]
                answer = [a.group(1).strip()]
            elif answer is not None:
                answer.append(raw)
            elif question:
                question.append(raw)
            else:
                return made
        if question and answer is None and children:
            answer = ["\n".join(line for c in children for line in self._block_md(c, ""))]
        if question and answer is None:
            # The answer may be the next block ("Q: ..." then "A: ...").
            self.pending_q = (" ".join(question), q_line)
            return True
        flush()
        return made

    def _csv(self, lines: list[str], ctx: _Ctx) -> bool:
        """A block pasted from a spreadsheet ("composer,born,died,period" then a row a line):
        read as the table it is, a card a row (`_table`)."""
        rows = [x for x in lines if x]
        if len(rows) < 3 or not all(x.count(",") >= 2 for x in rows):
            return False
        try:
            cells = list(csv.reader(rows))
        except csv.Error:
            return False
        width = len(cells[0])
        if width < 3 or any(len(row) != width for row in cells):
            return False
        if any(any(ch.isdigit() for ch in cell) for cell in cells[0]):
            return False  # no header row: numbers, not a table to ask from
        table = etree.Element("table")
        head, body = etree.SubElement(table, "thead"), etree.SubElement(table, "tbody")
        header = etree.SubElement(head, "tr")
        for name in cells[0]:
            etree.SubElement(header, "th").text = name.strip()
        for row in cells[1:]:
            tr = etree.SubElement(body, "tr")
            for value in row:
                etree.SubElement(tr, "td").text = value.strip()
        self._table(table, ctx)
        return True

    def _blanks(self, lines: list[str], index: int, ctx: _Ctx) -> None:
        """Fill-in-the-blank lines ("The basic unit of heredity is the ____. (gene)"): a cloze
        each, hiding the answer in brackets where the blank is. Every line with a blank is
        blanked in `lines`, so no other rule reads it again (one with no answer gives none)."""
        for offset, raw in enumerate(lines):
            if not raw or not _BLANK_RE.search(raw):
                continue
            # Read here whatever comes of it: a line with a blank left open is an exercise.
            lines[offset] = ""
            m = _BLANK_LINE_RE.fullmatch(raw)
            if m is None:
                continue
            sentence, answer = m.group(1).strip(), m.group(2).strip()
            if _BLANK_HINT_RE.fullmatch(answer):
                continue  # "(2 marks)", "(noun)": a hint about the blank, not what fills it
            if len(_BLANK_RE.sub("", sentence).strip(" :.").split()) < 3:
                continue  # "Name: ____ (print)": a form to fill in, not a fact
            prompt = _BLANK_RE.sub("[...]", sentence, count=1)
            filled = _BLANK_RE.sub(f"=={answer}==", sentence, count=1)
            self._add("cloze", ctx, prompt, filled, self._line(index + offset), explicit=True)

    def _question_line(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """A question on a line of its own with its answer on the lines right under it
        ("Most likely diagnosis?" then "Inferior STEMI"), no Q:/A: labels: a question card.
        Lines above the question (a case, a scenario) are its context and go with it."""
        written = [x for x in lines if x]
        if written and len(written) <= 3:
            same = _QUESTION_THEN_ANSWER_RE.fullmatch(written[-1])
            if same and len(same.group(2).split()) > 8:
                same = None  # a long "answer" after a question mark is prose
            if same and not any(x.endswith("?") for x in written[:-1]):
                # "Most likely diagnosis? Hypokalemia": the short answer on the question's line.
                written = [*written[:-1], same.group(1), same.group(2)]
                lines = written
        # (A line that is only "?" or "??" separates an Obsidian card's sides: `_explicit`'s.)
        at = next((i for i, x in enumerate(written) if x.endswith("?") and len(x.split()) >= 2), -1)
        if at == -1 or at == len(written) - 1 or len(written[at].split()) > 25:
            return False
        if any(x.strip("? ") == "" for x in written):
            return False
        answer = written[at + 1 :]
        if any(x.endswith("?") or _BULLET_LINE_RE.match(x) for x in answer):
            return False
        if at > 1 or (at == 1 and not _CASE_LINE_RE.match(written[0])):
            return False  # under anything but a short case line: prose, a poem, a dialogue
        if not _asked_alone(written[at]) or not _answer_start(answer[0]):
            return False
        if _definition_sentence(answer[0]) is not None:
            return False  # "What do you give up?" over "Opportunity cost is ...": a definition
        question = " ".join([*written[:at], written[at]]) if at else written[at]
        line = self._line(index + lines.index(written[at]))
        answer = [re.sub(r"^(?:→|->|=>)\s*", "", answer[0]), *answer[1:]]  # "→ HF"
        return self._add("qa", ctx, question, "\n".join(answer), line, explicit=True)

    def _inline_qa(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """Lines of `question? -> answer` (an optional `Q:` label in front): one card each."""
        found: list[tuple[str, str, int]] = []
        for offset, raw in enumerate(lines):
            if not raw:
                continue
            labelled = _QA_RE.match(raw)
            text = labelled.group(1).strip() if labelled else raw
            m = _INLINE_QA_RE.match(text) if "?" in text else None
            if m is None or "://" in m.group("q") or not balanced(m.group("q")):
                return False
            question, answer = m.group("q").strip(), m.group("a").strip()
            found.append((question[0].upper() + question[1:], answer, offset))
        made = False
        for question, answer, offset in found:
            line = self._line(index + offset)
            made = self._add("qa", ctx, question, answer, line, explicit=True) or made
        return made

    def _remark(self, text: str, index: int, ctx: _Ctx) -> bool:
        """`Important:` / `Note:` / `Remember:` lines: a cloze on a bold phrase, else a question."""
        m = _REMARK_RE.match(text)
        if not m or len(m.group(3).split()) < 4:
            return False
        body = m.group(3).strip()
        if self._cloze_bold(body, index, ctx):
            return True
        label = m.group(2).lower()
        # A tip or a note of one sentence is a fact: asked as that fact (a cloze) where it has
        # a term to hide, since "What should you keep in mind about X?" cannot tell the learner
        # which point is meant. A pitfall or a misreading stays a question: its point is the
        # contrast, which a blank on one of its words would miss; so does a summary, and a
        # remark of several sentences (a cloze would ask one and drop the rest).
        one_fact = label in _FACT_REMARKS and len(_sentences(body)) == 1
        if one_fact and self._fact_cloze(body, index, ctx):
            return True
        about = ctx.parent_label or ctx.topic_label
        verb = {"note": "note", "nb": "note", "remember": "remember"}.get(label, "keep in mind")
        prompt = f"What should you {verb} about **{about}**?" if about else ""
        if label == "mnemonic":
            # A mnemonic is for the fact just above it ("Order of sharps: F C G ..."), else
            # for its section.
            last = self.last_term
            mine = last is not None and last[0] is ctx.topic and _spells(body, last[2])
            subject = last[1] if mine else about
            prompt = f"What is the mnemonic for **{subject}**?" if subject else ""
        if label in ("summary", "in summary"):
            prompt = f"Sum up **{about}**." if about else ""
        if label == "rule":
            prompt = f"What is the rule for **{about}**?" if about else ""
        asks = _REMARK_QUESTIONS.get(label)
        if asks:
            prompt = asks.format(about=about) if about else ""
        if not prompt:
            return False
        if (ctx.topic, prompt) in self.asked:
            # A second remark on the same subject would ask the same question with another
            # answer: the learner could not tell which is wanted. Its fact as a cloze, else
            # the question with the remark's first words as its cue.
            if self._prose(body, index, ctx, whole=True):
                return True
            cue = " ".join(body.split()[:2]).rstrip(",.;:")
            prompt = f"{prompt[:-1]} (“{cue} …”)?"
        return self._add("qa", ctx, prompt, body, self._line(index))

    @staticmethod
    def _field_paragraph(lines: list[str]) -> bool:
        """Fields, not a glossary: the label in bold, or every labelled line a field."""
        if lines[0].startswith(("**", "__")):
            return True
        labelled = [x for x in lines if x and _term(x) is not None]
        return len(labelled) >= 2 and all(_FIELD_RE.match(x) for x in labelled)

    def _fields(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """A paragraph of labelled fields ("Issue: ...?" then "Holding: ..."): a card each; a
        line with no label of its own continues the field above it."""
        groups: list[tuple[int, list[str]]] = []
        for offset, raw in enumerate(lines):
            if raw and (_FIELD_RE.match(raw) or not groups):
                groups.append((offset, [raw]))
            elif raw:
                groups[-1][1].append(raw)
        made = False
        for offset, parts in groups:
            made = self._field(" ".join(parts), "", index + offset, ctx) or made
        return made

    def _field(self, text: str, more: str, index: int, ctx: _Ctx) -> bool:
        """A labelled field ("**Facts:** ...", "Mechanism: ..."): asked of its subject, the
        heading or item above it ("Facts of **Donoghue v Stevenson**?"), with the whole field,
        and what is under it, as the answer."""
        m = _FIELD_RE.match(text)
        subject = ctx.parent_label or ctx.topic_label
        if m is None or not subject or _GLOSSARY_RE.search(subject):
            return False  # (under "Glossary" a field's name is a term like any other)
        label = m.group(2).strip()
        answer = "\n\n".join(x for x in (m.group("rest").strip(), more) if x)
        prompt = f"{label[0].upper()}{label[1:].lower()} of **{subject}**?"
        return self._add("qa", ctx, prompt, answer, self._line(index))

    def _numbered_block(self, text: str, index: int, ctx: _Ctx) -> str:
        """A numbered textbook block. A named definition asks its name, a named theorem asks
        to state it; otherwise the label goes and the text is read as prose (returned)."""
        m = _BLOCK_LABEL_RE.match(text)
        if m is None:
            return text
        kind = m.group("kind").lower().rstrip(".")
        name, rest = (m.group("name") or "").strip(), m.group("rest").strip()
        if not rest:
            return ""
        if name and kind in ("definition", "def"):
            return "" if self._definition(ctx, name, rest, rest, self._line(index)) else rest
        if name and kind in ("theorem", "thm", "lemma", "proposition", "prop", "corollary"):
            where = ctx.topic_label if ctx.topic_label.casefold() != name.casefold() else ""
            prompt = f"State **{name}**" + (f" ({where})." if where else ".")
            return "" if self._add("qa", ctx, prompt, rest, self._line(index)) else rest
        formula = _INLINE_FORMULA_RE.fullmatch(rest)
        if formula and kind not in ("example", "proof", "exercise"):
            # "**Proposition 3.4.** $MSE = Var + Bias^2$.": its left side asks for the rest.
            lead = f"**{ctx.topic_label}**: " if ctx.topic_label else ""
            prompt = f"{lead}${formula.group(1).strip()} = \\;?$"
            return "" if self._add("definition", ctx, prompt, rest, self._line(index)) else rest
        return rest

    def _pasted_cards(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """Cards pasted from another app, one a line: `front | back` or `front ; back` on every
        line of the paragraph (two lines or more), or `front <-> back` (both ways) anywhere."""
        rows = [(offset, raw) for offset, raw in enumerate(lines) if raw]
        for sep in (" <-> ", "\t", " | ", " ; "):
            if sep != " <-> " and len(rows) < 2:
                continue
            pairs = []
            for offset, raw in rows:
                masked = mask(raw)
                at = masked.find(sep)
                if at == -1 or sep in masked[at + len(sep) :]:
                    break
                front, back = raw[:at].strip(), raw[at + len(sep) :].strip()
                if not front or not back:
                    break
                if sep in (" | ", " ; ") and not _pasted_sides(front, back, raw):
                    break  # prose or a shell pipeline, not a card
                pairs.append((front, back, offset))
            else:
                made = False
                for front, back, offset in pairs:
                    line = self._line(index + offset)
                    made = self._add("qa", ctx, front, back, line, explicit=True) or made
                    if sep == " <-> ":
                        self._add("qa", ctx, back, front, line, explicit=True)
                return made
        return False

    def _definition_lines(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """A paragraph of `Term: definition` (or `Term - definition`) lines: one card a line.

        A line whose left side is too long for a term ("Boundary where plates slide past each
        other: transform") is never a wrapped part of the card above: with a short right side
        it asks its left side, else it is left to itself. Only a line with no separator of its
        own continues the definition above it."""
        found: list[tuple[str, list[str], int, str]] = []
        asks: list[tuple[str, str, int]] = []
        remarks: list[tuple[str, int]] = []
        many = sum(1 for x in lines if x) > 1
        pairs: list[tuple[str, str, int]] = []
        for offset, raw in enumerate(lines):
            if not raw:
                continue
            question = _QA_RE.match(raw)
            # (a question mark: "Q: charge on each plate" under a formula is a variable)
            asked = question is not None and question.group(1).rstrip().endswith("?")
            if asked and offset + 1 < len(lines) and _A_RE.match(lines[offset + 1] or ""):
                # "Q: ..." then "A: ..." among the definitions: the card they say they are.
                answer = _A_RE.match(lines[offset + 1]).group(1).strip()
                pairs.append((question.group(1).strip(), answer, offset))
                continue
            if _A_RE.match(raw) and pairs and pairs[-1][2] == offset - 1:
                continue  # that question's answer
            term = _term(raw)
            own = split_definition(raw) if term is None and many else None
            if (
                own is not None
                and own[1] in (":", "-", "–", "—")
                and len(own[0].split()) > TERM_MAX_WORDS
                and own[0][:1].isupper()
                and not any(ch in own[0] for ch in '"“”()')
            ):
                # A left side too long for a term ("Boundary where plates slide past each
                # other: transform"); a wrapped line with a dash in it is not one.
                term = (own[0].strip("*_ "), own[2], own[1])
            named = (raw.startswith(("**", "__")) and own is None) or (
                term is not None and _statute(term[0])
            )
            if term is not None and len(term[0].split()) > 3 and len(lines) > 1 and not named:
                # In running text a long "term" is a clause: "X usually has: ..." (a term the
                # writer set in bold, or a statute's provision, is a term).
                if len(term[1].split()) <= 4 and term[1] and len(term[0].split()) <= 12:
                    asks.append((term[0], term[1], offset))
                elif not found:
                    return False
                continue
            if term is None and found and _REMARK_RE.match(raw):
                remarks.append((raw, offset))  # "Tip: ..." under definitions: a remark of its own
            elif term is not None and term[1]:
                found.append((term[0], [term[1]], offset, term[2]))
            elif found and offset > 0:
                found[-1][1].append(raw)  # a wrapped line continues the definition above
            else:
                return False
        if not found or len(asks) > len(found):
            return False
        made = False
        for question, answer, offset in pairs:
            made = self._add("qa", ctx, question, answer, self._line(index + offset), explicit=True)
        for name, parts, offset, sep in found:
            definition = " ".join(parts)
            line = self._line(index + offset)
            made = self._definition(ctx, name, definition, definition, line, sep=sep) or made
        for raw, offset in remarks:
            made = self._remark(raw, index + offset, ctx) or made
        for question, answer, offset in asks:
            prompt, line = f"{question.rstrip(' .')}?", self._line(index + offset)
            made = self._add("qa", ctx, prompt, answer.rstrip("."), line) or made
        return made

    def _prose(self, text: str, index: int, ctx: _Ctx, *, whole: bool, facts: bool = True) -> bool:
        """Sentences no other rule read: each gives at most one card.

        A sentence with an emphasised phrase gives a cloze on it; one that defines something
        ("X is a ...", "X refers to ...", "A **term** does ...") asks what X is (holding the
        whole text when it is short, and then the other sentences give nothing more); any
        other gives a cloze on its fact: its named subject, its quantity or its technical name.
        """
        text = " ".join(text.split())
        if not text or text.endswith("?"):
            return False
        sentences = [x for x in _sentences(text) if x.strip()]
        made = 0
        lead: tuple[str, str, str, int, int] | None = None
        rest: list[str] = []
        subject = ""  # what the paragraph's definition sentence defined: what "It" refers to
        for n, sentence in enumerate(sentences):
            if made >= _PROSE_MAX_CARDS:
                break
            said = sentence  # as written: what rides along with a definition
            if _META_RE.match(sentence):
                continue  # "Source: lectures 17-18", "These are my notes ...": about the notes
            if _SHELL_RE.search(mask_code(sentence)):
                continue  # a command written as text ("ps aux | grep x", "2>&1"): not prose
            if ", " in sentence:
                sentence = _INTERJECTION_RE.sub("", sentence)
            emphasis = "**" in sentence or "__" in sentence
            bold_term = emphasis and _BOLD_FIRST_RE.match(sentence) is not None
            cued = emphasis and not bold_term and _BOLD_RE.search(mask_code(sentence))
            if cued and self._cloze_bold(sentence, index, ctx):
                made += 1
                continue
            found = _definition_sentence(sentence)
            if found is not None:
                term, answer, article = found
                line = self._line(index)
                if n + 1 < len(sentences):
                    subject = f"{article} {term}" if article.lower() == "the" else term
                if n == 0 and whole and len(sentences) > 1:
                    # The definition's answer is its first sentence: each later sentence is
                    # read on its own, and only those that make no card ride along.
                    lead = (term, answer, article, line, len(self.cards))
                    self.cards.append(None)
                    continue
                if self._definition(ctx, term, answer, answer, line, article=article):
                    made += 1
                    continue
            if subject and _PRONOUN_START_RE.match(sentence):
                # "It recorded who held each manor ...": asked of what "it" is, named (only
                # right after the sentence that defined it: later, "it" may be another thing).
                sentence = _named_subject(sentence, subject)
            subject = ""
            if facts and (
                self._enumeration(sentence, index, ctx) or self._fact_cloze(sentence, index, ctx)
            ):
                made += 1
            elif lead is not None:
                rest.append(said)
        if lead is not None:
            term, answer, article, line, slot = lead
            if len(answer) + sum(len(x) + 1 for x in rest) <= _FOCUSED_CHARS:
                answer = " ".join([answer, *rest])
            if self._definition(ctx, term, answer, answer, line, article=article):
                self.cards[slot] = self.cards.pop()
                made += 1
        return made > 0

    def _enumeration(self, sentence: str, index: int, ctx: _Ctx) -> bool:
        """ "... when four elements are present: an offer, an acceptance, ... and ...": the
        sentence announces how many things it lists, so it is a list card."""
        if ":" not in sentence:
            return False
        m = _ENUMERATION_RE.match(sentence)
        if not m:
            return False
        count = _NUMBER_WORDS.get(m.group("num").lower()) or int(m.group("num"))
        body = m.group("items").rstrip(" .")
        items = [x.strip() for x in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", body)]
        items = [x for x in items if x]
        if len(items) != count or count < 2 or any(len(x.split()) > 8 for x in items):
            return False
        prompt = f"{m.group('lead').strip()}: name the {count}."
        card = ParsedCard("list", ctx.topic, prompt, body + ".", self._line(index), items=items)
        return self._push(card, ctx)

    def _fact_cloze(self, sentence: str, index: int, ctx: _Ctx) -> bool:
        """A statement: a cloze on its fact. Short sentences and questions give none."""
        if len(sentence.split()) < 6 or sentence.endswith("?") or not balanced(sentence):
            return False
        if _HTML_TAG_RE.search(sentence):
            return False  # markup, not a statement: hiding part of a tag teaches nothing
        if len(_CODE_SPAN_RE.sub("", sentence).split()) < 6:
            return False  # mostly code: "Written as `STEP(...)`" has no fact around the code
        hidden = _pick_hidden(sentence, mask(sentence), ctx)
        if hidden is None:
            return False
        start, end = hidden
        prompt = sentence[:start] + "[...]" + sentence[end:]
        answer = sentence[:start] + f"=={sentence[start:end]}==" + sentence[end:]
        return self._add("cloze", ctx, prompt, answer, self._line(index))

    def _cue(self, lines: list[str], index: int, ctx: _Ctx) -> bool:
        """A bold line over its notes (a Cornell cue): a question, a term or a list label."""
        first = lines[0] if lines else ""
        m = re.fullmatch(r"(\*\*|__)([^*_]{2,120}?)\1:?", first)
        if not m:
            return False
        cue = m.group(2).strip().rstrip(":")
        rest = [x for x in lines[1:] if x]
        line = self._line(index)
        if not rest:
            if cue.endswith("?"):
                self.pending_q = (cue, line)  # a question: the block that follows answers it
            else:
                self.intro = (cue, line)  # a label for the block that follows
            return True
        if any(_BULLET_LINE_RE.match(x) for x in rest):
            return self._inline_list(cue, rest, index + 1, ctx, line=line)
        answer = "\n".join(rest)
        if cue.endswith("?"):
            return self._add("qa", ctx, cue, answer, line)
        sub = replace(ctx, parent_label=_short(cue) or ctx.parent_label)
        if self._definition(ctx, cue, answer, answer, line):
            if len(rest) > 1:  # later lines may hold facts of their own
                self._prose(" ".join(rest[1:]), index + 2, sub, whole=False)
            return True
        return self._prose(answer, index + 1, sub, whole=True)

    def _inline_list(
        self, label: str, lines: list[str], index: int, ctx: _Ctx, *, line: int
    ) -> bool:
        """A label line with bullets right under it, no blank line between (one paragraph to
        Python-Markdown): the bullets are read as the list they are."""
        at = next(i for i, x in enumerate(lines) if _BULLET_LINE_RE.match(x.lstrip()))
        if at:
            self._prose(" ".join(x.strip() for x in lines[:at]), index, ctx, whole=True)
        # The paragraph was located as one block; its bullets are found again line by line,
        # so each card reports its own line rather than the paragraph's last.
        self.cursor = min(self.cursor, index + at)
        holder = etree.Element("div")
        # Nested bullets keep their indentation (relative to the first), so sub-items nest.
        width = len(lines[at]) - len(lines[at].lstrip(" "))
        self.md.parser.parseChunk(holder, "\n".join(_dedent(x, width) for x in lines[at:]))
        _drop_items(holder, self.nav)
        made = False
        for el in holder:
            if el.tag in ("ul", "ol"):
                made = self._labelled_list(label, line, el, ctx) or made
            else:
                self._block(el, ctx)
        return True

    def _labelled_list(self, label: str, line: int, el: etree.Element, ctx: _Ctx) -> bool:
        """A list under a label ("Rules of the MLFQ:"): a list card, then its items, each
        with the label as context; a short numbered list also asks for each item by number."""
        lis = [li for li in el if li.tag == "li"]
        items = [self._li_markdown(li) for li in lis]
        answer = "\n".join(self._block_md(el, ""))
        made = False
        if not (_GRAB_BAG_RE.search(label) and all(_defines(li) for li in lis)):
            prompt = _order_prompt(label, el, len(items), ctx)
            made = self._list_card(ctx, label, items, answer, line, prompt=prompt)
        ordered = _RULES_RE.search(label) and not any(_term(_one_line(x)) for x in items)
        if el.tag == "ol" and ordered and 2 <= len(lis) <= _RULES_MAX:
            for n, item in enumerate(items, start=1):
                prompt = f"{_context_label(label)}: what is number {n}?"
                self._add("qa", ctx, prompt, item, line + n)
        label = _context_label(label)  # "Slide 6: Targeting" gives its items "Targeting"
        sub = replace(ctx, parent_label=_short(label) or ctx.parent_label, covered=made)
        for li in lis:
            self._item(li, sub)
        return made

    def _table(self, el: etree.Element, ctx: _Ctx) -> None:
        """A row per card: the first column names the thing, the header labels the cells."""
        head = el.find("thead")
        body = el.find("tbody")
        headers = [(c.text or "").strip() for c in head.iter("th")] if head is not None else []
        rows = [[(c.text or "").strip() for c in tr] for tr in body.iter("tr")] if body else []
        index = self._locate(f"| {headers[0]}" if headers else None)
        line = self._line(index)
        first_body = line + 2
        has_extras = any(_EXTRA_COLUMN_RE.fullmatch(h) for h in headers[1:])
        for n, row in enumerate(rows):
            row_line = first_body + n
            written = _cell_count(self.source[row_line - 1]) if row_line <= len(self.source) else 0
            if headers and written and written != len(headers):
                # Python-Markdown pads a short row and drops a long row's extra cells.
                lost = "; the extra cells were dropped" if written > len(headers) else ""
                message = f"table row has {written} cell(s), its header {len(headers)}{lost}"
                self.warnings.append(NoteWarning(row_line, message))
            if len(row) < 2 or not row[0]:
                continue
            self._scan_text(" ".join(row), index + 2 + n, ctx.topic)
            name = extract_tags(row[0])[0].strip()
            # A header asked as a question ("Energy needed?") is named without its mark: the
            # prompt adds its own.
            cells = [
                (h.rstrip("?").strip(), v) for h, v in zip(headers[1:], row[1:], strict=False) if v
            ]
            if not cells:
                continue
            if len(row) == 2:
                label = headers[1] if len(headers) > 1 else ""
                if label and not _GENERIC_COLUMN_RE.fullmatch(label):
                    # "| Country | Capital |": the column says what is asked; "| Command |
                    # Shows |" asks what the command shows.
                    about = f" ({ctx.topic_label})" if ctx.topic_label else ""
                    verb = label.lower()
                    if verb in _COLUMN_VERBS:
                        verb = "do" if verb == "does" else verb[:-1]
                        prompt = f"What does **{_plain_term(name)}**{about} {verb}?"
                    else:
                        plural = label.endswith("s") and not label.endswith(("ss", "us", "is"))
                        its = "what are its" if plural else "what is its"
                        prompt = f"**{_plain_term(name)}**{about}: {its} {label}?"
                    value = cells[0][1]
                    self._add("definition", ctx, prompt, value, row_line, term=_plain_term(name))
                    continue
                self._definition(ctx, _plain_term(name), cells[0][1], cells[0][1], row_line)
                continue
            about = f" ({ctx.topic_label})" if ctx.topic_label else ""
            # "Word | Meaning | Example": the example comes with the answer, it is not asked.
            asked = [(h, v) for h, v in cells if _EXTRA_COLUMN_RE.fullmatch(h) is None]
            extras = [(h, v) for h, v in cells if _EXTRA_COLUMN_RE.fullmatch(h) is not None]
            if len(asked) == 1 and asked[0][0] and (extras or has_extras):
                prompt = f"**{_plain_term(name)}**{about}: what is its {asked[0][0]}?"
                answer = "\n\n".join([asked[0][1], *(f"*{h}:* {v}" for h, v in extras)])
                self._add("definition", ctx, prompt, answer, row_line, term=_plain_term(name))
                continue
            named = [h for h, _ in cells if h]
            labels, verb = ", ".join(named), "is" if len(named) == 1 else "are"
            prompt = f"**{_plain_term(name)}**{about}: what {verb} its {labels}?"
            if not labels:
                prompt = f"What do your notes record for **{_plain_term(name)}**{about}?"
            answer = "\n".join(f"- **{h}:** {v}" if h else f"- {v}" for h, v in cells)
            self._add("definition", ctx, prompt, answer, row_line, term=_plain_term(name))

    def _definition_list(self, el: etree.Element, ctx: _Ctx) -> None:
        """Markdown definition lists (`Term` then `: definition`)."""
        term = ""
        line = 0
        for child in el:
            if child.tag == "dt":
                term = _one_line(child.text)
                line = self._line(self._locate(child.text))
            elif child.tag == "dd" and term:
                parts = [child.text or ""] if (child.text or "").strip() else []
                parts.extend("\n".join(self._block_md(c, "")) for c in child)
                answer = "\n\n".join(p.strip("\n") for p in parts if p.strip())
                self._definition(ctx, _plain_term(term), answer, answer, line)

    def _callout(self, el: etree.Element, ctx: _Ctx) -> None:
        """`> [!note] Title`: a section titled by the callout; the marker is never in a card."""
        first = el[0]
        lines = (first.text or "").split("\n")
        m = _CALLOUT_RE.match(lines[0].strip())
        assert m is not None
        index = self._locate(first.text)
        title = m.group(2).strip() or m.group(1).capitalize()
        rest = "\n".join(lines[1:])
        holder = etree.Element("div")
        if rest.strip():
            # Read again as blocks: a list right under the title line is still a list.
            self.md.parser.parseChunk(holder, rest)
        blocks: list[etree.Element] = [*holder, *list(el)[1:]]
        inner = replace(ctx, parent_label=_short(title) or ctx.parent_label, depth=ctx.depth + 1)
        made = False
        if m.group(2).strip() and blocks:
            answer = "\n\n".join("\n".join(self._block_md(b, "")) for b in blocks).strip()
            if title.endswith("?"):
                made = self._add("qa", ctx, title, answer, self._line(index))
            elif blocks[0].tag in ("ul", "ol") and len(blocks) == 1:
                items = [self._li_markdown(li) for li in blocks[0] if li.tag == "li"]
                made = self._list_card(ctx, title, items, answer, self._line(index))
        self.cursor = index + 1
        for block in blocks:
            self._block(block, replace(inner, covered=made))

    # ---- explicit syntax -----------------------------------------------------------

    def _explicit(self, text: str, index: int, ctx: _Ctx) -> bool:
        """Obsidian Spaced Repetition cards in one block of text. True if any was made."""
        if "?" not in text and "::" not in text and "==" not in text and " >> " not in text:
            return False  # none of the syntax is there (most bullets)
        lines = text.split("\n")
        stripped = [x.strip() for x in lines]
        if "{{c" in text and _ANKI_OPEN_RE.search(mask_code(text)):
            return self._anki_cloze(stripped, index, ctx)
        for sep in ("?", "??"):
            if sep in stripped:
                at = stripped.index(sep)
                question = "\n".join(self._restore(x) for x in stripped[:at] if x)
                answer = "\n".join(self._restore(x) for x in stripped[at + 1 :] if x)
                line = self._line(index)
                if not question or not answer:
                    self.warnings.append(
                        NoteWarning(line, f"'{sep}' card needs text on both sides")
                    )
                    return False
                self._add("qa", ctx, question, answer, line, explicit=True)
                if sep == "??":
                    self._add("qa", ctx, answer, question, line, explicit=True)
                return True
        made = False
        for offset, raw in enumerate(stripped):
            if " >> " in raw and "::" not in raw:
                made = self._forward(raw, index + offset, ctx) or made
                continue
            if "::" not in raw:
                continue
            masked = mask(raw)
            both = masked.find(":::")
            at = both if both != -1 else masked.find("::")
            if at == -1:
                continue
            line = self._line(index + offset)
            width = 3 if both != -1 else 2
            question, answer = raw[:at].strip(), raw[at + width :].strip()
            if question.strip("*_ ").lower() in _ATTRIBUTE_KEYS:
                continue  # "Source:: ...", "Tags:: ...": a page's attribute, not a card
            if not question or not answer or "::" in mask(answer):
                self.warnings.append(NoteWarning(line, "'::' card needs text on both sides"))
                continue
            made = self._add("qa", ctx, question, answer, line, explicit=True) or made
            if both != -1:
                self._add("qa", ctx, answer, question, line, explicit=True)
        if made:
            return True
        joined = " ".join(x for x in stripped if x)
        masked = mask_code(joined)
        spans = [m.span() for m in _CLOZE_RE.finditer(masked)]
        if not spans:
            return False
        # One card per deletion, as Anki and the Obsidian plugin do: the other deletions show.
        for n in range(len(spans)):
            prompt_parts: list[str] = []
            answer_parts: list[str] = []
            last = 0
            for k, (s, e) in enumerate(spans):
                inner = joined[s + 2 : e - 2]
                prompt_parts.append(joined[last:s])
                answer_parts.append(joined[last:s])
                prompt_parts.append("[...]" if k == n else inner)
                answer_parts.append(f"=={inner}==" if k == n else inner)
                last = e
            prompt_parts.append(joined[last:])
            answer_parts.append(joined[last:])
            prompt = "".join(prompt_parts)
            if prompt.replace("[...]", "").strip():
                made = self._add(
                    "cloze", ctx, prompt, "".join(answer_parts), self._line(index), explicit=True
                )
        return made

    def _display_math(self, text: str, index: int, ctx: _Ctx) -> bool:
        """A display equation (`$$T = 2\\pi\\sqrt{L/g}$$`): recall its right-hand side, led by
        the sentence that introduces it ("..., which gives") or else by its section."""
        m = _DISPLAY_MATH_RE.fullmatch(text.strip())
        if m is None or ctx.covered:
            return False
        lhs, _, rhs = m.group(1).partition("=")
        if not lhs.strip() or not rhs.strip() or "{" in lhs and lhs.count("{") != lhs.count("}"):
            return False
        lead = ""
        if self.lead_in and self.lead_in[1] == ctx.topic and index - self.lead_in[2] <= 1:
            lead = self.lead_in[0].rstrip()
        if not lead.endswith((":", ",", "gives", "is", "by", "so", "then")) or len(lead) > 300:
            lead = f"**{ctx.topic_label}**:" if ctx.topic_label else ""
        prompt = f"{lead} $${lhs.strip()} = \\;?$$".strip()
        return self._add("definition", ctx, prompt, text.strip(), self._line(index))

    def _forward(self, raw: str, index: int, ctx: _Ctx) -> bool:
        """RemNote's `question >> answer`: a question card (a shift such as `x >> 1` is not)."""
        masked = mask(raw)
        at = masked.find(" >> ")
        if at == -1 or " >> " in masked[at + 4 :]:
            return False
        question, answer = raw[:at].strip(), raw[at + 4 :].strip()
        # (a bit shift "x >> 1" or a redirect "cmd >> file" is not a card)
        named = len(question.split()) >= 2 and ":" not in question and not answer[:1].isdigit()
        if named and _PATH_RE.fullmatch(answer):
            named = False  # "echo done >> log.txt": a file appended to, not an answer
        if not answer or not (question.endswith("?") or named):
            return False
        return self._add("qa", ctx, question, answer, self._line(index), explicit=True)

    def _anki_cloze(self, stripped: list[str], index: int, ctx: _Ctx) -> bool:
        """Anki's `{{c1::text}}` (or `{{c1::text::hint}}`): one card per cloze number, hiding
        every deletion of that number together, as Anki does; the others show as text."""
        joined = " ".join(x for x in stripped if x)
        line = self._line(index)
        deletions = list(_ANKI_CLOZE_RE.finditer(joined))
        if len(deletions) != len(_ANKI_OPEN_RE.findall(joined)):
            self.warnings.append(NoteWarning(line, "Anki cloze `{{c1::...}}` is not closed"))
            return True  # (split at its `::`, it would be a card of fragments)
        made = False
        for number in dict.fromkeys(m.group(1) for m in deletions):

            def hide(m: re.Match[str], number: str = number) -> str:
                if m.group(1) != number:
                    return m.group(2)
                return f"[{m.group(3).strip()}]" if m.group(3) else "[...]"

            def show(m: re.Match[str], number: str = number) -> str:
                return f"=={m.group(2).strip()}==" if m.group(1) == number else m.group(2)

            prompt = _ANKI_CLOZE_RE.sub(hide, joined)
            answer = _ANKI_CLOZE_RE.sub(show, joined)
            made = self._add("cloze", ctx, prompt, answer, line, explicit=True) or made
        return made

    def _restore(self, line: str) -> str:
        """A line with its fenced-block placeholder swapped back for the code."""
        m = _PLACEHOLDER_RE.search(line)
        if not m:
            return line
        return "\n".join(self.fences[int(m.group(1))].lines)

    def _cloze_bold(self, text: str, index: int, ctx: _Ctx) -> bool:
        """Cloze over the sentence(s) holding an emphasised key phrase."""
        joined = " ".join(x.strip() for x in text.split("\n") if x.strip())
        if "**" not in joined and "__" not in joined:
            return False
        if _INTRAWORD_BOLD_RE.search(joined):
            return False  # "**S**ome **A**nts": initials of a mnemonic, not a key phrase
        sentences = _sentences(joined)
        chosen = [s for s in sentences if _BOLD_RE.search(mask_code(s))]
        if not chosen:
            return False
        sentence = " ".join(chosen)
        # "***unbiased***" is bold italic: its italic marks go with the phrase.
        sentence = _BOLD_ITALIC_RE.sub(r"**\1**", sentence)
        prompt = _BOLD_RE.sub("[...]", sentence)
        if len(prompt.replace("[...]", "").split()) < 3 or not balanced(prompt):
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


# "Related: [[A]], [[B]]", "**See also:** [doc](url)": a short label over links alone.
_NAV_RE = re.compile(r"(?:\*\*|__)?([^:\[\]*_]{1,40}?)(?::(?:\*\*|__)|(?:\*\*|__)?:)\s*(.+)$")


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A bare number is a year only from 1000 to 2099 ("404 - Not Found" is no date); with an era
# or "c." any number is.
_YEAR = (
    r"(?:(?:c\.\s?|ca\.\s?|circa\s)\d{2,4}(?:\s?(?:BCE?|AD|CE))?|\d{1,4}\s?(?:BCE?|AD|CE)"
    r"|1\d{3}|20\d\d)"
)
# A date standing as a term: "1066", "14 Oct 1066", "October 14, 1066", "1069–70",
# "c. 1000 BC", "1990s", "2004-03-15".
_DATE_RE = re.compile(
    rf"(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?)?"
    rf"(?:{_YEAR}(?:\s?[–—-]\s?\d{{2,4}}(?:\s?(?:BCE?|AD|CE))?)?|\d{{3}}0s|\d{{4}}-\d\d-\d\d)",
    re.I,
)


def _dated(item: str, ctx: _Ctx) -> bool:
    """A list item that reads `DATE – event`, where the date is one (`_dated_context`)."""
    term = _term(item.split("\n", 1)[0])
    if term is None or not term[1] or not _DATE_RE.fullmatch(term[0]):
        return False
    return _dated_context(term[0], ctx)


_TIMELINE_RE = re.compile(
    r"timeline|chronolog|histor|dates?\b|events|century|centuries|\bera\b|\bwars?\b|reign|"
    r"dynasty|revolution|empire|conquest|period",
    re.I,
)


def _dated_context(term: str, ctx: _Ctx) -> bool:
    """A date term is a timeline entry when it says it is a date (a month, an era, "c.", a
    range, a decade) or sits under a heading or item about history; "1500: number of
    participants" under "Stats" is a count."""
    if not re.fullmatch(r"\d{4}", term):
        return True
    return bool(_TIMELINE_RE.search(f"{ctx.heading} {ctx.parent_label} {ctx.topic_label}"))


# A second column headed by what the first one does: "| Command | Shows |".
_COLUMN_VERBS = {"shows", "does", "means", "returns", "gives", "makes", "prints", "lists",
                 "creates", "displays", "removes", "adds", "stores", "holds", "sets", "changes",
                 "measures", "controls", "produces", "causes", "treats"}  # fmt: skip
# A second column that only says "this is what the first one means".
_GENERIC_COLUMN_RE = re.compile(
    r"(?:definition|definitions|meaning|description|explanation|what it is|what it does|"
    r"answer|value|details?|summary|notes?|info|information)",
    re.I,
)
# Table columns that illustrate a row rather than say what to recall.
_EXTRA_COLUMN_RE = re.compile(
    r"(?:example|examples|example sentence|e\.g\.|note|notes|comment|comments|usage|source|"
    r"mnemonic|remarks?)",
    re.I,
)


def _cell_count(row: str) -> int:
    """How many cells a table row has as written (pipes in code or escaped do not count)."""
    text = mask_code(row.strip()).replace("\\|", "  ")
    if not text.startswith("|") and "|" not in text:
        return 0
    text = text.removeprefix("|")
    text = text[:-1] if text.endswith("|") else text
    return text.count("|") + 1


def _statute(term: str) -> bool:
    """ "CRA 2015 s. 10", "Consumer Rights Act 2015, s. 9(1)": a provision, every word a name,
    a number or part of the reference ("See para. 4 for the proof" is a sentence)."""
    if _SECTION_RE.search(term) is None:
        return False
    words = _SECTION_RE.sub(" ", term).replace(",", " ").split()
    words = [w.strip("()") for w in words if w.strip("()")]
    return all(w[:1].isupper() or w[:1].isdigit() or w in ("of", "and", "the") for w in words)


def _pasted_sides(front: str, back: str, raw: str) -> bool:
    """Both sides of a pasted `front | back` card: short, each opening with a capital or a
    digit, no table pipe at the ends and no code ("Use grep | sort ..." is a pipeline)."""
    if raw.startswith("|") or raw.endswith("|") or "`" in raw:
        return False
    return all(len(x.split()) <= 10 and (x[:1].isupper() or x[:1].isdigit()) for x in (front, back))


def _explicit_syntax(item: str) -> bool:
    """An item written as a card (`::`, ` >> `, an Anki or `==` cloze) rather than a fact."""
    masked = mask_code(item)
    return "::" in masked or " >> " in masked or "{{c" in masked or bool(_CLOZE_RE.search(masked))


def _navigation_lines(source: list[str]) -> set[str]:
    """The text (as the parser sees it, links read as their words) of every navigation line:
    a label whose value is only links. It says where to go next, not what to learn."""
    found: set[str] = set()
    for raw in source:
        if "[[" not in raw and "](" not in raw and "://" not in raw:
            continue
        start = _CONTENT_PREFIX_RE.match(raw)
        content = raw[start.end() :].strip() if start else raw.strip()
        m = _NAV_RE.match(content)
        if m and len(m.group(1).split()) <= 3 and links_only(m.group(2)):
            found.add(wiki_to_text(content).strip())
    return found


# Headings that gather odds and ends: their items are cards, not one thing to recall.
_GRAB_BAG_RE = re.compile(
    r"\b(?:misc\w*|recap|bits|quick|notes|odds|extras?|random|tidbits|leftovers|assorted)\b",
    re.I,
)
_ORDER_RE = re.compile(
    r"^(?:the\s+)?(?:order|sequence|steps)\b(?:\s+(?:of|in|to|for)\s+(.+))?$", re.I
)


def _order_prompt(label: str, el: etree.Element, n: int, ctx: _Ctx) -> str:
    """ "Order of the impulse:" over a numbered list asks for the order, not for key points."""
    m = _ORDER_RE.match(_context_label(label)) if el.tag == "ol" else None
    if not m:
        return ""
    about = (m.group(1) or ctx.parent_label or ctx.topic_label).strip()
    if not about:
        return ""
    return f"In what order do the {n} steps of **{about}** come?"


def _defines(li: etree.Element) -> bool:
    """True when a list item reads `Term: definition` (it makes a card of its own)."""
    term = _term(_one_line(_li_parts(li)[0]))
    # "It never goes backwards: ..." is a clause about the parent, which keeps it.
    return term is not None and bool(term[1]) and term[0].split()[0].lower() not in _NOT_TERMS


def _drop_items(root: etree.Element, nav: set[str]) -> None:
    """Remove task items (`- [ ] x`, `- TODO x`), navigation items and asides (an item all in
    parentheses, "(he skipped this, not on exam)", or flagged "!! be able to draw one") from
    every list before any card is built: a plan, a link list or a remark about the course is
    never an item of a list card or an answer."""
    for parent in [el for el in root.iter() if el.tag in ("ul", "ol")]:
        for li in list(parent):
            if li.tag != "li":
                continue
            head = _li_parts(li)[0].strip()
            aside = _ASIDE_ITEM_RE.fullmatch(_one_line(head)) and not len(_li_parts(li)[1])
            if _TASK_RE.match(head) or (nav and _one_line(head) in nav) or aside:
                parent.remove(li)


# A lettered or roman-numbered line of a plain-text outline: "(a) ...", "b) ...", "(iii) ...".
_LETTERED_RE = re.compile(r"\((?:[a-z]|[ivx]{1,4})\)\s+(?=\S)|(?:[a-z]|[ivx]{1,4})\)\s+(?=\S)")


def _lettered_items(lines: list[str]) -> list[str]:
    """The closing run of two or more lettered lines under a first line that is not one, as
    bullets ("- (a) a clear promise"); [] when the lines are not so."""
    lines = [x for x in lines if x]
    run = 0
    for line in reversed(lines):
        if not _LETTERED_RE.match(line):
            break
        run += 1
    if run < 2 or run == len(lines):
        return []
    return [f"- {line}" for line in lines[len(lines) - run :]]


def _answer_label(el: etree.Element) -> bool:
    """Whether a block opens with its own label ("A: ...", "Q: ..."): not a bare answer."""
    text = (el.text or "").lstrip() if el.tag == "p" else ""
    return bool(_A_RE.match(text) or _QA_RE.match(text))


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


# Shell written into a sentence, outside code: a pipe, a redirect, "2>&1", a "./program".
_SHELL_RE = re.compile(r"\s(?:\||>>?|<)\s+[\w./\"'-]|\d>&\d|(?:^|\s)\./[\w-]")
# Labels of an entry's attributes (a drug's, a disease's, a tool's), singular and lower case:
# a list of these under a name asks for them by name.
_ATTRIBUTE_LABELS = frozenset(
    {"moa", "se", "ae", "ci", "tx", "dx", "sx", "rx", "ddx", "mechanism", "mechanism of action",
     "use", "indication", "side effect", "adverse effect", "contraindication", "dose",
     "dosage", "onset", "duration", "class", "cause", "symptom", "sign", "treatment",
     "diagnosi", "management", "risk factor", "complication", "prognosi", "pathophysiology",
     "epidemiology", "investigation", "pro", "con", "advantage", "disadvantage", "definition",
     "function", "location", "structure", "example", "effect", "action", "interaction",
     "monitoring", "antidote", "target", "route", "half-life", "excretion", "metabolism"}
)  # fmt: skip
_PRONOUN_START_RE = re.compile(r"(?:it|its|they|their|this|these|those|he|she|his|her)\b", re.I)
# A bullet explaining a command or a flag: "`-Wall` turns on most warnings".
_CODE_DOES_RE = re.compile(r"(`[^`\n]+`)\s+([a-z]+s)\b\s*(.*)$")
# A term that is inline code, or two compared ("`String` vs `&str`").
_VERSUS_RE = re.compile(r"(.+?)\s+(?:vs\.?|versus)\s+(.+)", re.I)
_CODE_TERM_RE = re.compile(r"`[^`\n]+`(?:\s+(?:vs\.?|versus)\s+`[^`\n]+`)?")
# Headings that name a kind of section rather than a subject ("Key takeaways" under each of
# several topics): their cards take the subject from the heading above.
_GENERIC_SECTIONS = frozenset(
    {"key takeaways", "takeaways", "key points", "summary", "in summary", "recap", "review",
     "overview", "examples", "example", "practice questions", "questions", "exercises",
     "key terms", "key concepts", "definitions", "vocabulary", "glossary", "main ideas",
     "highlights", "tl;dr", "tldr", "in short", "quick review", "self-test", "check yourself",
     "common mistakes", "pitfalls", "tips", "answer key", "answers"}
)  # fmt: skip
# How a term never ends: the text before the colon is half a sentence ("segments must be",
# "depends on", "features include"). Phrasal verbs ("Run out of", "To be") and names ("Vitamin
# A", "Free will") are terms.
_OPEN_ENDS = frozenset({"is", "are", "was", "were", "include", "includes", "including", "and",
                        "the", "a", "an"})  # fmt: skip
_MODALS = frozenset({"must", "should", "can", "will", "may", "might", "could", "would"})
_LEANS_ON = frozenset(
    {"depends", "depend", "based", "consists", "consist", "made", "composed", "due", "related",
     "leads", "lead", "refers", "relies", "rely", "results"}
)  # fmt: skip
# Pronouns as written (so "IT governance" and "His bundle" are still terms).
_TERM_PRONOUNS = frozenset(
    {"It", "it", "Its", "its", "They", "they", "Their", "their", "This", "this", "These",
     "these", "Those", "those", "He", "he", "She", "she", "We", "we", "There", "there"}
)  # fmt: skip
_NOT_A_DEFINITION_RE = re.compile(
    r"(?:just\s+|simply\s+)?(?:memori[sz]e|learn|know)\s+(?:it|this|them|that)\b", re.I
)
# Verbs a study question opens with: a list of them is a list of questions.
_STUDY_VERBS = frozenset(
    {"explain", "describe", "compare", "contrast", "define", "list", "outline", "discuss",
     "state", "name", "give", "identify", "evaluate", "analyse", "analyze", "summarise",
     "summarize", "calculate", "draw", "label", "justify", "assess", "distinguish"}
)  # fmt: skip
# A reason given with "because": the clause after it, to the end of its sentence part.
_CAUSE_RE = re.compile(r"\b[Bb]ecause\s+(?!of\b)([^;:—]+?)(?=[;:—]|,\s|\.?$)")
# A label that says how many things it names: "Two kinds of batching", "3 types of ...".
_COUNT_WORD_RE = re.compile(
    r"(\w+)\s+(?:kinds?|types?|parts?|stages?|steps?|ways?|forms?|"
    r"main|key|major|categories|classes|levels|phases|rules|laws)\b",
    re.I,
)
# Words a term opens with when it qualifies its parent rather than names a thing ("per shard:
# 1 MB/s" under "write limits"): asked as the parent's, "**write limits**, per shard?".
_QUALIFIER_TERMS = frozenset(
    {"per", "each", "every", "max", "maximum", "min", "minimum", "at", "up", "total",
     "default"}
)  # fmt: skip
# An answer's verdict opening a line ("Yes — ...", "False: ..."): never a term.
_VERDICTS = frozenset({"yes", "no", "true", "false", "correct", "incorrect", "right", "wrong"})
# Statements a textbook labels by kind ("Theorem: ..."): asked to be stated, not defined.
_STATEMENTS = frozenset({"theorem", "lemma", "corollary", "proposition"})
# A file path or name, one word with a dot or a slash in it ("log.txt", "/var/log/app").
_PATH_RE = re.compile(r"[\w.~$/-]*[./][\w.~$/-]*")
_BOLD_ASIDE_RE = re.compile(r"(\*\*|__)([^*_]+)\1\s*(\([^()]+\))")


def _term(head: str) -> tuple[str, str, str] | None:
    """(term, definition) when the text reads `Term: definition` (or `-`, `—`, `=`, `->`)."""
    if not _SEPARATOR_HINT_RE.search(head):
        return None  # most lines: no separator at all
    condition = _CONDITION_RE.match(head) if _COMPARISON_RE.search(head) else None
    if condition and _worded_equation(condition.group(1)):
        condition = None  # "positive reinforcement = ADD something good -> ..." defines
    if (
        condition
        and len(_ARROW_RE.findall(mask(head))) == 1
        and balanced(condition.group(1).strip("*_` "))
        and not re.search(r"\s[-–—]\s", condition.group(1))  # "**X** – a > b → c" defines X
    ):
        # "|PED| = 1 => unit elastic": the condition is the term, the result the answer.
        return condition.group(1).strip("*_` "), condition.group(3).strip(), condition.group(2)
    split = split_definition(head)
    if split is None:
        formula = _FORMULA_RE.fullmatch(head) if "$" in head else None
        label = formula.group("label").split() if formula else []
        if not formula or len(label) > TERM_MAX_WORDS or label[0].lower() in _NOT_FORMULA_LABELS:
            return None
        # "Maximum speed $v_{max} = A\omega$, reached at ...": the quantity and its formula.
        return formula.group("label"), formula.group("rest").strip(), "="
    raw_term, sep, definition = split
    if raw_term[:1].isdigit():
        raw_term = _OUTLINE_NUMBER_RE.sub("", raw_term)  # "2.1 Mirror image rule"
    if "≠" in raw_term:
        # "Veblen good ≠ Giffen: ...": the term is the left side; the contrast stays.
        raw_term, other = raw_term.split("≠", 1)
        definition = f"{definition} (≠ {other.strip()})" if definition else definition
    aside = _BOLD_ASIDE_RE.fullmatch(raw_term.strip())
    if aside:
        # "**Krebs cycle** (citric acid cycle) — ...": the term and its other name.
        raw_term = f"{aside.group(2).strip()} {aside.group(3)}"
    term = raw_term.strip("*_` ").strip()
    if term.count("*") % 2 and not raw_term.strip().count("*") % 2:
        term = raw_term.strip()  # "*Tener ganas de* + infinitive": its emphasis is its own
    words = term.split()
    if not term or len(words) > TERM_MAX_WORDS or term.lower().rstrip(".") in _LABELS:
        return None
    if definition and not definition.strip("_ ."):
        return None  # "Lab partner: ______": a form's empty field
    if term.lower().rstrip(".!,") in _VERDICTS:
        return None  # "Yes — the burden is shared ...": an answer's first word, not a term
    if len(words) > 1 and _broken_off(words):
        return None  # "segments must be: ...", "depends on: ...": a sentence broken off
    if len(words) > 1 and (words[0] in _TERM_PRONOUNS or (len(words) >= 4 and _clause(words))):
        return None  # "It is a durable buffer: ...": a sentence with a colon, not a term
    if _NOT_A_DEFINITION_RE.match(definition):
        return None  # "F major has 1 flat — just memorise it": advice, not its meaning
    if term.endswith(":"):
        return None  # "Source:: ..." split at its second colon: an attribute, not a term
    if sep != ":" and not definition:
        return None
    statute = _statute(term)
    if (
        (_TIME_RE.search(term) and not statute)
        or "://" in term
        or "(" in raw_term
        and ")" not in raw_term
    ):
        return None
    dotted = ". " in _SECTION_RE.sub("", term) or (term.endswith(".") and not statute)
    code = _CODE_TERM_RE.fullmatch(raw_term.strip())  # "`Vec<T>`", "`String` vs `&str`"
    if (any(ch in term for ch in '?!"[]{}=<>≠≈≤≥') and not code) or dotted:
        return None
    if code:
        term = raw_term.strip()  # its backticks are its own
    if not balanced(term) or not balanced(definition):
        return None
    if words[0].lower() in _QUESTION_WORDS:
        return None  # "Why is it: ..." is a sentence, not a term
    if not definition and len(words) > 1:
        return None  # "AWS IoT Components:" introduces a list, "Tumbling:" defines a term
    # (A term opening with "*" is a stray bullet unless the "*" is emphasis it closes.)
    stray = term[0] in "-+>" or (term[0] == "*" and (term.count("*") % 2 or term[1:2] == " "))
    if sep != ":" and (words[0].lower() in _NOT_TERMS or stray):
        return None
    return term, definition, sep


# Nouns ending in "s" that are one thing: "What is **bias**?", not "What are".
_SINGULAR_S = {"bias", "gas", "atlas", "canvas", "alias", "lens", "news", "series", "species",
               "chaos", "kudos", "ethos", "pathos", "corpus", "thesis"}  # fmt: skip


def _definition_prompt(term: str, ctx: _Ctx, article: str = "") -> str:
    """ "What is **X** (context)?"; "What is an **offer**?" when the notes said "An offer is"."""
    context = ctx.parent_label or ctx.topic_label
    term = _unbolded(term)
    # The head noun: the last word, or the one before "of" ("Battle of Hastings" is one).
    last = re.sub(r"\s*\([^)]*\)$", "", term).split(" of ", 1)[0].split()[-1]
    plural = (
        last.endswith("s")
        and not last.endswith(("ss", "us", "is", "ics"))
        and not last.isupper()
        and last.lower() not in _SINGULAR_S
    )
    verb = "are" if plural else "is"
    lead = f"{article.lower()} " if article.lower() in ("a", "an") and not plural else ""
    shown = _bolded(term)
    if context and context.lower() != term.lower():
        return f"What {verb} {lead}{shown} ({context})?"
    return f"What {verb} {lead}{shown}?"


_MEMBER_RE = re.compile(r"[A-Z0-9][\w./+#-]*(?:\s+[A-Z0-9(][\w./+#()-]*){0,2}")
_WHICH_RE = re.compile(
    r"which\s+(.+?)\s+(?:should|to|do|does|can|is|are|would|will|fits?|suits?)\b", re.I
)


def _are_members(definition: str) -> bool:
    """ "SQL, NoSQL" / "GraphDB": names of things, not a description."""
    parts = [p.strip() for p in re.split(r",|/| or | and ", definition) if p.strip()]
    if not parts or len(definition) > 80:
        return False
    named = all(_MEMBER_RE.fullmatch(p.strip("() ")) for p in parts)
    return named and (len(parts) > 1 or bool(re.search(r"[A-Z].*[A-Z]", parts[0])))


def _imperative(term: str) -> bool:
    """ "Be cost-conscious", "Use the right tool for the job": an instruction, not a term."""
    words = term.split()
    first = words[0].lower()
    if first in ("be", "use", "build", "leverage", "think", "avoid", "prefer", "don't", "never"):
        return True
    return (
        first in _IMPERATIVES
        and len(words) >= 3
        and words[1].lower()
        in (
            "the",
            "a",
            "an",
            "your",
            "data",
            "it",
            "them",
            "all",
            "only",
            "one",
            "more",
            "less",
        )
    )


def _members_prompt(term: str, definition: str, ctx: _Ctx) -> str:
    """A category mapped to its members asks which members fit it."""
    noun = ""
    m = _WHICH_RE.search(ctx.heading)
    if m:
        noun = m.group(1).strip().lower()
        noun = noun if noun.endswith("s") else noun + "s"
    if not ctx.parent_label or not noun:
        return ""  # without a noun for the members, "What is X?" reads better than a guess
    return f"Which {noun} fit **{term}** ({ctx.parent_label})?"


def _definition_sentence(sentence: str) -> tuple[str, str, str] | None:
    """(term, answer, article) when a sentence defines a short noun phrase, else None."""
    sentence = sentence.strip()
    if not sentence or sentence.endswith("?"):
        return None
    m = _BOLD_FIRST_RE.match(sentence) if "**" in sentence or "__" in sentence else None
    if m and len(m.group("term").split()) <= TERM_MAX_WORDS:
        if m.group("term").strip().lower().rstrip(".:") in _LABELS:
            return None  # "**NB** elasticity changes ...": a remark, not a term
        return m.group("term").strip(), sentence, ""
    m = _DEF_SENTENCE_RE.match(sentence)
    if not m:
        return None
    term = m.group("term").strip("*_` ")
    verb, rest = m.group("verb"), m.group("rest").strip()
    words = term.split()
    if not words or words[0].lower() in _NOT_TERMS or words[0].lower() in _QUESTION_WORDS:
        return None
    if not balanced(term) or any(ch in term for ch in '"=<>|≠≈≤≥'):
        return None
    if len(words) <= 3 and words[-1].lower() in _GENERIC_HEADS and words[0].lower() in _QUALIFIERS:
        return None  # "The main exception is the postal rule"
    if len(words) >= 3 and _CLAUSE_TERM_RE.search(term):
        return None
    # "X is continuing an endeavour because ...": a present gerund with its object defines
    # (a past "was running" narrates, and a short "is running late" is a state).
    gerund = (
        verb in ("is", "are")
        and _GERUND_RE.match(rest)
        and len(rest.split()) >= 5
        and _CONCEPT_RE.search(term) is not None
    )
    if verb in ("is", "are", "was", "were") and not (
        _ARTICLE_RE.match(rest) or _RELATIVE_RE.match(rest) or gerund
    ):
        return None
    called = re.fullmatch(
        r"(?:called|known as|termed)\s+(?:the\s+|an?\s+)?([^\s.]+(?:\s+[^\s.]+){0,2})\.?", rest
    )
    if called and verb in ("is", "are"):
        # "The person making the offer is called the offeror": the name is the term.
        name = called.group(1).strip("*_`")
        return name, f"The {term}" if m.group("article") else term, ""
    if len(rest.split()) < 3:
        return None
    answer = rest if verb in ("is", "are", "was", "were") else f"It {verb} {rest}"
    if not balanced(answer):
        return None
    return term, answer[0].upper() + answer[1:], m.group("article") or ""


_SUBJECT_RE = re.compile(
    r"(?:(?:The|A|An)\s+)?(?P<subject>[A-Za-z][\w'/-]*(?:\s+[A-Za-z0-9][\w'/-]*){0,3}?)"
    r"(?:\s+\([^)]{1,80}\))?\s+(?:(?:then|also|only|usually|often|always|never|still|first|"
    r"finally|now)\s+)?(?P<verb>is|are|was|were|has|have|can|must|will|does|do|[a-z]{2,}s)\b"
)


_SEPARATOR_HINT_RE = re.compile(r":|\s[-–—=→]|[–—]|=>|\s\$")
_NOT_FORMULA_LABELS = _NOT_TERMS | {"therefore", "thus", "hence", "now", "finally", "next"}
# A named quantity followed by its formula in math: "Total energy $E = ...$ stays constant".
_FORMULA_RE = re.compile(
    r"(?P<label>[A-Z][A-Za-z'-]*(?: [a-z][A-Za-z'-]*){0,5})\s+(?P<rest>\$(?!\$)[^$]*=[^$]*\$.*)"
)
_ABBREVIATIONS = {
    "approx", "e.g", "i.e", "etc", "vs", "ca", "cf", "no", "fig", "min", "max", "incl",
    "esp", "resp", "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "al", "ex",
}  # fmt: skip


def _sentences(text: str) -> list[str]:
    """Sentences of a text; "approx. 10 minutes" and "e.g. S3" do not end one."""
    out: list[str] = []
    for piece in _SENTENCE_END_RE.split(text):
        last = out[-1].rsplit(None, 1)[-1].rstrip(".").lower() if out else ""
        if out and (last in _ABBREVIATIONS or len(last) == 1):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


# A sentence about the notes rather than their subject: where they come from, whose they are.
# A line about the course rather than its subject: a date, a deadline, homework due, pages
# to read, a lecture's block and week.
_ADMIN_PATTERN = (
    # (a date with a year is a fact: "Date: 14 October 1066"; "Date: Feb 12" is the lecture's)
    r"(?:\*\*|__)?(?:date\s*:(?!.*\b\d{3,4}\b)|due\s*:|deadline\s*:|essay plan\s*:)"
    r"|(?:hw|homework|assignment|problem set|pset|lab)\s*\d*\s+(?:is\s+)?due\b"
    r"|(?:block|week|wk)\s*\d+\s*[-–,.]"
    # What the exam covers: "Chapter 4 is not on the midterm", "this will be on the final".
    r"|.*\b(?:is|are|will be|won't be|isn't|aren't)\s+(?:not\s+)?on\s+the\s+"
    r"(?:midterm|final|exam|test|quiz)\b"
    # A course header: "MKT 201 – Lecture 4: ...", "CS 3210 Week 2".
    r"|[A-Z]{2,6}\s?\d{2,4}[A-Z]?\s*[-–—:,]?\s*(?:lecture|lec|week|wk|class|session|unit|"
    r"module|seminar|tutorial)\s*\d"
)
_ADMIN_RE = re.compile(_ADMIN_PATTERN, re.I)
_META_RE = re.compile(
    _ADMIN_PATTERN + r"|(?:\*\*|__)?(?:sources?|references?|credits?|author)\s*:"
    r"|(?:(?:week|lecture|chapter|unit|session|class)\s+\d+\s+notes\b)"
    r"|(?:these|this)\s+(?:are|is)\s+(?:my|our)\s+(?:[\w-]+\s+)?(?:notes|exports|cards|flashcards)\b"
    r"|(?:these|my|our)\s+notes\s+(?:are|were|cover|covers|come|came|follow)\b",
    re.I,
)
_PREPOSITIONS = {"at", "in", "on", "to", "for", "with", "by", "from", "into", "after", "before"}


def _runs_on(words: list[str]) -> bool:
    """A subject the pattern ran past: a past-tense verb, or a preposition not inside a name,
    after its first word ("Normans used feigned" [retreats], "Adrenaline at low" [doses]; but
    "Managed Streaming for Kafka")."""
    for i, w in enumerate(words[1:], 1):
        if w.islower() and w.endswith("ed") and len(w) > 3:
            return True
        if w in _PREPOSITIONS and (i + 1 == len(words) or not words[i + 1][:1].isupper()):
            return True
    return False


def _pick_hidden(sentence: str, masked: str, ctx: _Ctx) -> tuple[int, int] | None:
    """Where the fact in a sentence is: the result of `condition -> result`, its named subject
    ("Slow start doubles ..."), else an italic case name, else its first quantity (never a
    citation's year), else its first technical name; never a phrase that shows twice (hiding
    it would give the answer away) or one the context already names."""
    context = (ctx.parent_label + " " + ctx.topic_label).casefold()
    lowered = sentence.casefold()
    arrows = list(_ARROW_RE.finditer(masked))
    if len(arrows) == 1:
        # "0 < YED < 1 -> necessity": the condition is given, the result is the fact.
        start = arrows[0].end()
        result = sentence[start:].rstrip(" .")
        while result.count(")") > result.count("(") and result.endswith(")"):
            result = result[:-1].rstrip(" .")  # "(Fe³⁺ → +3)": the bracket is not the result's
        lead = len(result) - len(result.lstrip())
        if 0 < len(result.split()) <= 6 and lowered.count(result.strip().casefold()) == 1:
            return start + lead, start + len(result)
    cause = _CAUSE_RE.search(masked)
    if cause is not None and masked.lower().count("because") == 1:
        # "... disband the fyrd because its men were needed for the harvest": the reason is
        # the fact worth asking (why it happened), not a name or a number in it.
        reason = sentence[cause.start(1) : cause.end(1)].rstrip(" ,")
        if 3 <= len(reason.split()) <= 14 and lowered.count(reason.casefold()) == 1:
            return cause.start(1), cause.start(1) + len(reason)
    m = _SUBJECT_RE.match(sentence)
    head = m.group("subject").lower().split() if m else []
    anaphora = bool(head) and (
        head[0] in _ANAPHORA or (head[0] in _QUALIFIERS and head[-1] in _GENERIC_HEADS)
    )
    if m and not anaphora and "\x01" not in masked[m.start("subject") : m.end("subject")]:
        subject = m.group("subject")
        words = subject.split()
        technical = len(words) >= 2 or re.search(r"[A-Z].*[A-Z]|-|\d", subject)
        hidden_prompt = sentence[: m.start("subject")] + "[...]" + sentence[m.end("subject") :]
        if (
            technical
            and not gate.shows(subject, hidden_prompt)
            and words[0].lower() not in _NOT_TERMS | _IMPERATIVES
            and words[-1].lower() not in _NOT_TERMS  # "Streams and" [queues ...]
            and subject not in _GENERIC_NAMES
            and subject.casefold() not in context
            and lowered.count(subject.casefold()) == 1
            and not _VERBISH.search(subject)
            and not _runs_on(words)
        ):
            return m.start("subject"), m.end("subject")
    case = _CASE_NAME_RE.search(sentence)
    if case and lowered.count(case.group(2).casefold()) == 1:
        return case.start(2), case.end(2)
    citations = [c.span() for c in _CITATION_RE.finditer(sentence)]
    for regex in (_QUANTITY_RE, _NAME_RE):
        for m in regex.finditer(sentence):
            if citations and any(a <= m.start() < b for a, b in citations):
                continue  # "(Carlill v Carbolic, 1893)": nobody studies a citation's year
            if regex is _QUANTITY_RE and _NUMBERED_LABEL_RE.search(sentence[: m.start()]):
                continue  # "Case 1:", "Slide 3", "Q4": a label's number, not a fact
            phrase = m.group().strip("`")
            spelled = not any(ch.isdigit() for ch in m.group())
            if regex is _QUANTITY_RE and spelled and not re.search(r"\s\w", m.group()):
                continue  # a bare "one" or "two" is a word, not a quantity
            if phrase in _GENERIC_NAMES:
                continue
            if not m.group().startswith("`") and "\x01" in masked[m.start() : m.end()]:
                continue  # inside a link or a URL
            if phrase.casefold() in context or lowered.count(phrase.casefold()) > 1:
                continue
            if regex is _NAME_RE and (len(phrase) < 2 or phrase.lower() in _SHOUTED):
                continue  # "ONLY works with HBr": emphasis, not a name
            if gate.shows(phrase, sentence[: m.start()] + "[...]" + sentence[m.end() :]):
                continue  # "[...] (translation lookaside buffer)" would give it away
            return m.start(), m.end()
    return None


def _term_like(label: str) -> bool:
    """A name to ask about ("Amazon ES", "Deep Learning AMI (...)"), not a sentence."""
    words = re.sub(r"\([^)]*\)", "", label).split()
    return 0 < len(words) <= 5 and words[0].lower() not in _NOT_TERMS | {"a", "an", "the"}


def _plain_term(text: str) -> str:
    """A term without the emphasis or code marks that wrap all of it ("**Shard**", "`ls`");
    marks around part of it stay ("`?` operator" keeps its code)."""
    text = text.strip()
    for _ in range(2):  # "**`x`**": bold, then code
        m = re.fullmatch(r"(\*\*|__|\*|_|`)([^`]+?)\1", text)
        if m is None:
            break
        text = m.group(2).strip()
    return text


def _strip_colon(text: str) -> str:
    return text.rstrip(":").strip()


_ABOUT_RE = re.compile(r"^(?:(?:what|how)\s+)?about\s+", re.I)


def _context_label(label: str) -> str:
    """A heading as prompt context: no numbering, no "What about"."""
    return _ABOUT_RE.sub("", _NUMBERING_RE.sub("", label), count=1).strip().rstrip("?:")


def _is_label(text: str) -> bool:
    """A short name ("API Driven Services", "Amazon ES"), not a sentence."""
    words = text.split()
    if "![" in text or "<img" in text.lower():
        return False  # a picture is not a name to ask about
    return 0 < len(words) <= 8 and not text.endswith((".", "?", "!")) and balanced(text)


def _worded_equation(condition: str) -> bool:
    """Whether "X = Y" is a definition in words (both sides two words or more, "positive
    reinforcement = add something good") rather than a condition ("|PED| = 1", "YED > 0")."""
    parts = re.split(r"\s(?:=|<|>|≤|≥|≠|<=|>=)\s", condition, maxsplit=1)
    words = [re.findall(r"[A-Za-z]{2,}", part) for part in parts]
    return len(parts) == 2 and all(len(w) >= 2 for w in words)


def _spells(mnemonic: str, definition: str) -> bool:
    """Whether a mnemonic's words start with the letters a definition lists ("Father Charles
    Goes Down ..." for "F C G D A E B")."""
    letters = re.findall(r"\b[A-Z]\b", definition)
    initials = [w[0].upper() for w in re.findall(r"[A-Za-z][\w']*", mnemonic.replace("*", ""))]
    return len(letters) >= 3 and initials[: len(letters)] == letters


def _asked_alone(line: str) -> bool:
    """A line that is one question on its own: one sentence, no label or quote in it, opening
    with a question word, or short ("Most likely diagnosis?", "Best initial imaging?")."""
    if ":" in line or "`" in line or '"' in line or "“" in line or len(_sentences(line)) != 1:
        return False
    first = line.split()[0].lower().strip("*_")
    return first in _QUESTION_OPENERS or len(line.split()) <= 6


def _answer_start(line: str) -> bool:
    """An answer's first line starts a sentence of its own (not "so the driver ...", the rest
    of a sentence wrapped after a question mark in it)."""
    first = line.lstrip("→->= ")[:1]
    return bool(first) and (first.isupper() or first.isdigit() or first in "(*_`[")


def _asks(line: str) -> bool:
    """A line that asks for an answer: a question, or a study task ("Describe the role of
    ...", "Explain why ...")."""
    words = line.split()
    if len(words) < 3:
        return False
    return line.endswith("?") or (words[0].lower() in _STUDY_VERBS and line.endswith((".", ":")))


def _broken_off(words: list[str]) -> bool:
    """Whether a would-be term stops mid-sentence (see `_OPEN_ENDS`)."""
    last, before = words[-1], words[-2].lower()
    if last in _OPEN_ENDS:  # as written: "Vitamin A" ends with a name, "have a" with an article
        return True
    if last.lower() == "be" and before in _MODALS:
        return True
    return before in _LEANS_ON and last.lower() in ("on", "of", "to", "upon", "from", "in")


def _clause(words: list[str]) -> bool:
    """Whether a would-be term is a clause: a verb "is"/"are" inside it that no "that",
    "which" or "who" makes part of a noun phrase ("Producers and consumers are decoupled" is a
    clause; "Beta-blockers that are cardioselective" names a group)."""
    for n in range(1, len(words) - 1):
        if words[n].lower() in ("is", "are", "was", "were"):
            return words[n - 1].lower() not in ("that", "which", "who")
    return False


def _named_subject(sentence: str, subject: str) -> str:
    """`sentence` with its opening "It" or "Its" read as `subject` ("It recorded ..." →
    "The Domesday Book recorded ..."); a sentence opening otherwise is returned as it is."""
    subject = subject[:1].upper() + subject[1:]
    # ("This" is left alone: "This common query ..." uses it as a determiner.)
    m = re.match(
        r"(It|Its)\b(?!\s+(?:is|was)\s+(?:not\s+)?(?:possible|likely|true|said))", sentence
    )
    if m is None:
        return sentence
    named = f"{subject}'s" if m.group(1) == "Its" else subject
    return named + sentence[m.end() :]


def _fields_prompt(label: str, items: list[str], ctx: _Ctx) -> str:
    """ "Name the MOA, SE and CI of **Thiazides**.": a short list whose every item is a
    labelled field (a label of at most three words, then `:`) asks for those fields by name,
    so the learner knows what the card wants."""
    if not 2 <= len(items) <= 5:
        return ""
    names = []
    for item in items:
        found = _term(_one_line(item))
        if found is None or found[2] != ":" or len(found[0].split()) > 3 or "\n" in item:
            return ""
        names.append(found[0])
    if len({n.casefold() for n in names}) < len(names):
        return ""
    if not all(n.casefold().rstrip("s") in _ATTRIBUTE_LABELS for n in names):
        # Members of a set ("Patricians", "Plebeians") are what the card asks to recall:
        # naming them in the prompt would give the answer away.
        return ""
    label = _unbolded(_context_label(label))
    context = ctx.parent_label or ctx.topic_label
    about = f" ({context})" if context and context.casefold() != label.casefold() else ""
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"Name the {listed} of **{label}**{about}."


def _list_prompt(label: str, n: int, ctx: _Ctx) -> str:
    """A prompt that says what to recall: "Name the 4 components of ...", not "Recall: X"."""
    label = _unbolded(_context_label(label))
    words = label.split()
    context = ctx.parent_label or ctx.topic_label
    about = f" ({context})" if context and context.casefold() != label.casefold() else ""
    if words and words[0].lower() in ("what", "which", "how", "why"):
        return f"{label.rstrip('?')}? Name the {n}."
    if len(words) > 5 and (words[0].lower() in ("the", "a", "an") or not _is_label(label)):
        return f"{label}: name the {n}."
    if len(words) > TERM_MAX_WORDS:
        return f"{label}: name the {n}."
    if any(w.lower() in _COLLECTIVE for w in words):
        return f"Name the {n} **{label}**{about}."
    return f"Name the {n} key points of **{label}**{about}."


def _callout(text: str | None) -> bool:
    first = (text or "").split("\n", 1)[0].strip()
    return bool(_CALLOUT_RE.match(first))


def _tags_only(text: str) -> bool:
    stripped, tags = extract_tags(_one_line(text.replace("\\#", "#")))
    return bool(tags) and not stripped.strip()


def _strip_trailing_tags(lines: list[str]) -> list[str]:
    """Take the `#tags` closing each line off it (in place); the tags, in order."""
    found: list[str] = []
    for n, raw in enumerate(lines):
        lines[n], tags = trailing_tags(raw)
        found += tags
    return found


def _merge_tags(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for tag in group:
            seen.setdefault(tag, None)
    return tuple(seen)


def _answer_tags(text: str) -> tuple[str, list[str]]:
    """Tags out of an answer, leaving fenced code (where `#include` is code) alone."""
    if "#" not in text:
        return text, []
    out: list[str] = []
    tags: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        opening = FENCE_OPEN_RE.match(line)
        if fence is not None:
            out.append(line)
            if fence_closes(line, fence):
                fence = None
            continue
        if opening:
            fence = opening.group(2)
            out.append(line)
            continue
        cleaned, found = extract_tags(line)
        if found:
            indent = line[: len(line) - len(line.lstrip())]
            line = indent + cleaned if cleaned else ""
            tags.extend(found)
        out.append(line)
    return "\n".join(out).strip("\n"), tags


_WHOLE_BOLD_RE = re.compile(r"(\*\*|__)([^*_]+)\1")


def _bolded(term: str) -> str:
    """A term in bold for a prompt; inline code stays as it is (it is set apart already)."""
    return term if term.startswith("`") and term.endswith("`") else f"**{_unbolded(term)}**"


def _unbolded(label: str) -> str:
    """A label written all in bold ("**Liberal phase**") without its markers: the prompt
    sets it in bold itself."""
    m = _WHOLE_BOLD_RE.fullmatch(label.strip())
    return m.group(2).strip() if m else label


def _short(label: str) -> str:
    """A parent bullet as context for its children's prompts, if it is short enough to read."""
    return label if len(label.split()) <= TERM_MAX_WORDS else ""


def title_from_name(name: str) -> str:
    stem = PurePath(name).stem if name else ""
    words = re.split(r"[-_\s]+", stem)
    title = " ".join(w[:1].upper() + w[1:] for w in words if w)
    return title or "Untitled notes"
