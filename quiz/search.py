"""What a learner types into the card browser's search box, as a full-text query.

Pure Python: the text becomes a list of terms (words and "quoted phrases"), and each database's
query language is written from that list, so nothing the learner types can reach the full-text
engine's own syntax (FTS5 and tsquery both treat punctuation and bare operators as errors).

- `kinesis shard` finds cards that contain both words (in the prompt, the answer or the term);
- a word matches as a prefix too (`kine` finds "Kinesis"), as search-as-you-type expects;
- `"sliding window"` finds the words next to each other;
- `-glacier` leaves out cards that contain the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters and digits of any script: what both engines' tokenizers keep as a word.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# A longer query is not a search any more; keep the SQL bounded.
MAX_TERMS = 12


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    exclude: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def excluded_only(text: str) -> list[Term]:
    """The terms of a search that only excludes ("-glacier"), as terms to match; [] for any
    other search. Such a search means every card but those, which the engines cannot match
    directly: the caller matches these and keeps the cards that are not among them."""
    terms = _terms(text)
    return [Term(t.words) for t in terms] if terms and all(t.exclude for t in terms) else []


def parse_query(text: str) -> list[Term]:
    """The learner's search text as terms; punctuation is dropped, case folded. A search that
    only excludes gives none (see `excluded_only`)."""
    terms = _terms(text)
    # Only exclusions would mean "every card except": both engines need something to match.
    if terms and all(term.exclude for term in terms):
        return []
    return terms


def _terms(text: str) -> list[Term]:
    terms: list[Term] = []
    for match in _TOKEN.finditer(text or ""):
        if match.group(2) is not None:
            exclude, body = match.group(1) == "-", match.group(2)
        else:
            exclude, body = match.group(3) == "-", match.group(4)
        words = tuple(word.casefold() for word in _WORD.findall(body))
        if not words:
            continue
        # "S3-IA" typed as one token becomes a phrase of its words, as a quoted phrase does.
        terms.append(Term(words, exclude))
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_query(terms: list[Term]) -> str:
    """An SQLite FTS5 MATCH expression: every word quoted (so it is never an operator)."""
    included = [_fts5_term(term) for term in terms if not term.exclude]
    excluded = [_fts5_term(term) for term in terms if term.exclude]
    query = " AND ".join(included)
    for term in excluded:
        query += f" NOT {term}"
    return query


def _fts5_term(term: Term) -> str:
    if term.is_phrase:
        return '"' + " ".join(term.words) + '"'
    return f'"{term.words[0]}"*'


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL `to_tsquery` expression: words joined by & and <->, prefixes as :*."""
    parts = []
    for term in terms:
        if term.is_phrase:
            body = "(" + " <-> ".join(f"'{word}'" for word in term.words) + ")"
        else:
            body = f"'{term.words[0]}':*"
        parts.append(f"!{body}" if term.exclude else body)
    return " & ".join(parts)
