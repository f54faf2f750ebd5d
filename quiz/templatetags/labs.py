"""Template helpers for simulation specs stored on cards and topics."""

from __future__ import annotations

from html import escape  # not django's: no lazy-string wrapper, same escaping
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from quiz.sims.kinds import BATCHING, SIM_KINDS
from quiz.sims.lab import is_assumption, spec_to_params

register = template.Library()


@register.filter
def lab_url(spec: Any) -> str:
    """The Labs URL that opens a stored spec with its parameters ("" if it has none)."""
    target = spec_to_params(spec) if isinstance(spec, dict) else None
    if target is None:
        return ""
    kind, params = target
    return f"{reverse('lab_detail', args=[kind])}?{urlencode(params)}"


@register.filter
def sim_title(spec: Any) -> str:
    if not isinstance(spec, dict) or spec.get("kind") not in SIM_KINDS:
        return "Simulation"
    lab = SIM_KINDS[spec["kind"]]
    if lab.shape == BATCHING:
        gen = spec.get("generate", {})
        return (
            f"{lab.title}: {gen.get('count', '?')} records of {gen.get('size', '?')} bytes, "
            f"{spec.get('shards', 1)} shard{'s' if spec.get('shards', 1) != 1 else ''}"
        )
    length = f"ROWS {spec['rows']}" if "rows" in spec else spec.get("size", "")
    return f"{lab.title} ({length})"


@register.filter
def assumption(note: str) -> bool:
    return is_assumption(note)


@register.filter
def without_assumption_prefix(note: str) -> str:
    """The note's text after its "Assumption:" lead-in (the badge already says it)."""
    return note[len("Assumption:") :].lstrip() if note.startswith("Assumption:") else note


@register.filter
def is_sim_spec(value: Any) -> bool:
    """A runnable spec, as opposed to an exercise card's answer key."""
    return isinstance(value, dict) and value.get("kind") in SIM_KINDS


@register.simple_tag
def sim_table(table: Any) -> str:
    """A result table as HTML. Built in Python, not with template loops: a 200-event
    simulation has a thousand cells, and the widget must redraw in a few milliseconds."""
    numeric = table.numeric

    def cell(tag: str, i: int, value: Any) -> str:
        cls = ' class="num"' if i in numeric else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{scope}{cls}>{escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, c) for i, c in enumerate(table.columns))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    return mark_safe(  # noqa: S308 - every value above went through escape()
        f'<table><caption class="visually-hidden">{escape(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
