"""Links for long lists, resolved once per page rather than once per row."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS


def url_for(name: str, marker: str = "slug0marker") -> Callable[[str | int], str]:
    """`reverse(name, args=[value])` for many values of a URL's one argument, resolved once:
    the dashboard links every deck twice, the deck page every topic, and a reverse() per link
    cost more than the rest of those templates. `marker` must match the argument's converter
    (digits for an int)."""
    head, tail = reverse(name, args=[marker]).split(marker)
    return lambda value: f"{head}{quote(str(value), safe=RFC3986_SUBDELIMS + '/~:@')}{tail}"
