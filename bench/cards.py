"""Card quality: key-fact coverage and broken cards on notes in many styles.

Each `bench/corpus/NAME.md` has a hand-written `NAME.facts`: one key fact a line, as the words
one focused card must hold, joined by " + ". A fact is covered when one card holds all of its
words (case and spacing aside) in at most `CARD_MAX_CHARS` characters of prompt plus answer.
Coverage is also reported at `FOCUSED_MAX_CHARS`: a fact that only rides along in a
paragraph-long answer counts at 900 characters but not at 300, so the second figure shows whether
the cards are focused.
A `NAME.facts` without its `NAME.md` names notes kept outside the repository: the learner's
notes beside the checkout (`../shared/notes/NAME.md`), evaluated when present and skipped
otherwise.

Broken cards are the ones the quality gate drops (each is a warning "card dropped: ...") plus
any kept card whose prompt has unbalanced `**` or backticks, or that shows card syntax it
should have read (`{{c1::`, ` >> `) or TeX math cut in two (an odd number of `$`). The share is
broken / (kept + dropped).

Run: `python bench/cards.py [-v]` (`-v` lists the facts no card holds). Prints a line per file,
then one JSON line last: {"files", "coverage_min", "coverage_mean", "coverage300_min",
"coverage300_mean", "broken_max", "cards"}.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quiz.notes.inline import balanced  # noqa: E402
from quiz.notes.parser import parse_notes  # noqa: E402
from quiz.notes.types import ParsedCard  # noqa: E402

CORPUS = ROOT / "bench" / "corpus"
OUTSIDE = ROOT.parent / "shared" / "notes"
CARD_MAX_CHARS = 900
FOCUSED_MAX_CHARS = 300
_MARKUP = re.compile(r"[*_`=\[\]]+")
_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _MARKUP.sub("", text)).casefold()


def read_facts(path: Path) -> list[list[str]]:
    facts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            facts.append([_flat(w).strip() for w in line.split(" + ") if w.strip()])
    return facts


def holds(card: ParsedCard, words: list[str], cap: int = CARD_MAX_CHARS) -> bool:
    if len(card.prompt) + len(card.answer) > cap:
        return False
    text = _flat(f"{card.prompt} {card.answer}")
    return all(w in text for w in words)


_LEFTOVER = re.compile(r"\{\{c\d|\s>>\s|\x02|\x03")


def leftover(card: ParsedCard) -> bool:
    """A card showing card syntax it should have read (`{{c1::`, ` >> `, a placeholder), or
    TeX math cut in two (an odd number of `$`)."""
    for text in (card.prompt, card.answer):
        if _LEFTOVER.search(text) or text.replace("\\$", "").count("$") % 2:
            return True
    return False


def evaluate(notes: Path, facts_file: Path) -> dict[str, object]:
    deck = parse_notes(notes.read_text(encoding="utf-8-sig"), source_name=notes.name)
    facts = read_facts(facts_file)
    missed = [f for f in facts if not any(holds(c, f) for c in deck.cards)]
    missed300 = [f for f in facts if not any(holds(c, f, FOCUSED_MAX_CHARS) for c in deck.cards)]
    dropped = [w for w in deck.warnings if w.message.startswith("card dropped:")]
    unbalanced = [c for c in deck.cards if not balanced(c.prompt) or leftover(c)]
    broken = len(dropped) + len(unbalanced)
    return {
        "file": notes.name,
        "lines": len(notes.read_text(encoding="utf-8-sig").splitlines()),
        "cards": len(deck.cards),
        "facts": len(facts),
        "coverage": (len(facts) - len(missed)) / len(facts) if facts else 1.0,
        "coverage300": (len(facts) - len(missed300)) / len(facts) if facts else 1.0,
        "broken": broken / (len(deck.cards) + len(dropped)) if deck.cards or dropped else 0.0,
        "missed": [" + ".join(f) for f in missed],
        "dropped": [f"{w.line}: {w.message}" for w in dropped],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed facts")
    args = parser.parse_args()
    results = []
    for facts_file in sorted(CORPUS.glob("*.facts")):
        notes = facts_file.with_suffix(".md")
        if not notes.is_file():
            notes = OUTSIDE / notes.name
            if not notes.is_file():
                print(f"{facts_file.stem}: notes not present beside the checkout; skipped")
                continue
        result = evaluate(notes, facts_file)
        results.append(result)
        print(
            f"{result['file']:<34} {result['lines']:>4} lines {result['cards']:>4} cards  "
            f"coverage {result['coverage']:6.1%} (<=300: {result['coverage300']:6.1%}) "
            f"of {result['facts']:>3} facts  "
            f"broken {result['broken']:5.1%}"
        )
        if args.verbose:
            for fact in result["missed"]:  # type: ignore[attr-defined]
                print(f"    missed: {fact}")
            for drop in result["dropped"]:  # type: ignore[attr-defined]
                print(f"    {drop}")
    coverages = [float(r["coverage"]) for r in results]  # type: ignore[arg-type]
    c300 = [float(r["coverage300"]) for r in results]  # type: ignore[arg-type]
    summary = {
        "files": len(results),
        "coverage_min": round(min(coverages), 3) if results else 0.0,
        "coverage_mean": round(sum(coverages) / len(coverages), 3) if results else 0.0,
        "coverage300_min": round(min(c300), 3) if results else 0.0,
        "coverage300_mean": round(sum(c300) / len(c300), 3) if results else 0.0,
        "broken_max": round(max(float(r["broken"]) for r in results), 3) if results else 0.0,  # type: ignore[arg-type]
        "cards": sum(int(r["cards"]) for r in results),  # type: ignore[call-overload]
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
