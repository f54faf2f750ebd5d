"""A deck's exam blueprint, declared in its notes' front matter. Pure Python: no Django.

    ---
    exam: {minutes: 170, questions: 65, domains: {"Collection": 18, "Storage": 22}}
    ---

(or the same in YAML's block style). `minutes` and `questions` set a mock exam's defaults;
`domains` names headings of the notes with their weights (percentages or any positive
numbers: they are shares of the whole). A mock exam on the whole deck then draws its questions
by those shares, and its results show each domain against its weight.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from quiz.notes.types import NotesError

MAX_MINUTES = 600
MAX_QUESTIONS = 200
_EXAM_KEY = re.compile(r"^exam\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Blueprint:
    minutes: int | None
    questions: int | None
    domains: tuple[tuple[str, float], ...]  # (heading title, weight), as written

    def as_json(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "questions": self.questions,
            "domains": [[title, weight] for title, weight in self.domains],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Blueprint | None:
        if not data:
            return None
        return cls(
            minutes=data.get("minutes"),
            questions=data.get("questions"),
            domains=tuple((str(t), float(w)) for t, w in data.get("domains") or ()),
        )

    def shares(self) -> list[tuple[str, float]]:
        """Each domain's fraction of the whole (they sum to 1)."""
        total = sum(w for _t, w in self.domains)
        return [(t, w / total) for t, w in self.domains] if total else []


def _front_matter(text: str) -> tuple[list[str], int] | None:
    """The front matter's lines and the 1-based file line of its first one, or None."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, min(len(lines), 200)):
        if lines[index].rstrip() in ("---", "..."):
            return lines[1:index], 2
    return None


def _whole(value: Any, name: str, top: int, line: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise NotesError(
            f"exam.{name} must be a whole number from 1 to {top}, not {value!r}", line=line
        )
    return value


def read_blueprint(text: str) -> Blueprint | None:
    """The `exam:` blueprint of a notes file's front matter, or None when it declares none.

    Raises NotesError naming the line for a blueprint that is not one."""
    found = _front_matter(text)
    if found is None:
        return None
    lines, first = found
    at = next((i for i, line in enumerate(lines) if _EXAM_KEY.match(line)), None)
    if at is None:
        return None
    line = first + at
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = first + mark.line if mark is not None else line
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise NotesError(f"the front matter is not valid YAML: {problem}", line=where) from error
    exam = data.get("exam") if isinstance(data, dict) else None
    if exam is None:
        exam = next((v for k, v in data.items() if str(k).lower() == "exam"), None)
    if not isinstance(exam, dict):
        raise NotesError(
            "exam: must be a mapping such as {minutes: 170, questions: 65, domains: {...}}",
            line=line,
        )
    unknown = sorted(set(map(str, exam)) - {"minutes", "questions", "domains"})
    if unknown:
        raise NotesError(
            f"exam: unknown key(s) {', '.join(unknown)} (use minutes, questions, domains)",
            line=line,
        )
    domains = exam.get("domains") or {}
    if not isinstance(domains, dict):
        raise NotesError(
            'exam.domains must map heading titles to weights: {"Storage": 22}', line=line
        )
    weights = []
    for title, weight in domains.items():
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not (math.isfinite(weight) and weight > 0)
        ):
            raise NotesError(
                f"exam.domains: the weight of {str(title)!r} must be a positive number, "
                f"not {weight!r}",
                line=line,
            )
        weights.append((str(title).strip(), float(weight)))
    return Blueprint(
        minutes=_whole(exam.get("minutes"), "minutes", MAX_MINUTES, line),
        questions=_whole(exam.get("questions"), "questions", MAX_QUESTIONS, line),
        domains=tuple(weights),
    )


def title_key(title: str) -> str:
    return " ".join(title.strip().rstrip(":").split()).casefold()


def check_domains(blueprint: Blueprint | None, headings: Iterable[str], text: str) -> None:
    """Every domain must name a heading of the notes; NotesError (on the exam: line) if not."""
    if blueprint is None:
        return
    known = {title_key(h) for h in headings}
    missing = [t for t, _w in blueprint.domains if title_key(t) not in known]
    if missing:
        found = _front_matter(text)
        line = None
        if found:
            lines, first = found
            line = next((first + i for i, x in enumerate(lines) if _EXAM_KEY.match(x)), None)
        names = ", ".join(repr(m) for m in missing)
        raise NotesError(f"exam.domains: no heading of these notes is titled {names}", line=line)


def quotas(shares: Sequence[float], total: int) -> list[int]:
    """`total` split by `shares` in whole numbers (largest remainders; ties to the first)."""
    if not shares:
        return []
    exact = [s * total for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
