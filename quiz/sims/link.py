"""Which simulation a topic or card shows: from a ```sim block in the notes."""

from __future__ import annotations

from typing import Any


def attach_simulations(params: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """Validate a ```sim block's `key: value` pairs: (spec, None) or (None, problem)."""
    from quiz.sims.embed import SpecError, parse_embed

    try:
        return parse_embed(params), None
    except SpecError as exc:
        return None, f"bad sim block: {exc}"
