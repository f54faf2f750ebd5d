"""The one error type of the simulation specs, shared by ``spec``, ``presets`` and ``embed``."""

from __future__ import annotations


class SpecError(ValueError):
    """A bad simulation spec. ``field`` names the offending field (``size``,
    ``events[3].rowtime``, ``config.RateLimit``...); ``str()`` is one line: ``field: message``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
