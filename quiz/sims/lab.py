"""The Labs: form parameters in, everything a simulation widget shows out (pure, no Django).

``run_lab`` validates through ``run_spec`` (so errors are the contract's ``SpecError``s, mapped
to the form field they belong to, ``forms.py``), then draws the result (``figures.py``) with the
builder for the kind's output shape (``kinds.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from quiz.sims.errors import SpecError
from quiz.sims.figures import LabResult, Table, kpl_figures, windows_figures
from quiz.sims.forms import (
    ALL_FORM_FIELDS,
    MAX_CSV_EVENTS,
    FormField,
    build_spec,
    form_error,
    form_fields,
    lab_params,
    settings_changed,
    spec_to_params,
)
from quiz.sims.kinds import BATCHING, SIM_KINDS
from quiz.sims.spec import run_spec

__all__ = [
    "MAX_CSV_EVENTS",
    "FormField",
    "LabResult",
    "Table",
    "build_spec",
    "form_fields",
    "is_assumption",
    "lab_params",
    "run_lab",
    "settings_changed",
    "spec_to_params",
]


def run_lab(kind: str, params: Mapping[str, str]) -> LabResult:
    """Everything the widget shows. Never raises for bad input: errors land in ``errors``."""
    if kind not in SIM_KINDS:
        raise KeyError(kind)
    result = LabResult(kind, dict(params))
    try:
        spec = build_spec(kind, params)
        output = run_spec(spec)
    except SpecError as e:
        err = form_error(kind, params, e) if e.field not in ALL_FORM_FIELDS else e
        result.errors[err.field] = err.message
        return result
    result.json = output
    result.notes = list(output.get("notes", []))
    if SIM_KINDS[kind].shape == BATCHING:
        kpl_figures(result, spec)
    else:
        windows_figures(result, spec, output)
    return result


def is_assumption(note: str) -> bool:
    """Notes the UI flags as assumptions (docs/simulations.md: "say so in the UI")."""
    return "assumption" in note.lower() or "not documented" in note.lower()
