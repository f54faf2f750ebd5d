"""The time-zone menu of the study settings: grouped by region, small enough to send every time.

Django's Select renders each of the ~600 IANA names through its own option template, which made
the settings page ~39 KB and slow to render. This widget lists the canonical zones once per
region (`<optgroup label="Europe">` … `<option value="Europe/Berlin">Berlin</option>`), built
in Python and cached; old aliases (US/Eastern, Etc/GMT+5, …) stay valid values and are listed
only when they are the learner's current choice.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe

# The regions of the canonical IANA names; the other prefixes (US/, Canada/, Etc/, …) and the
# bare names other than UTC are backward-compatible aliases.
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@functools.cache
def all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@functools.cache
def grouped_zones() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(region, names) for the canonical zones, each sorted."""
    by_region: dict[str, list[str]] = {region: [] for region in REGIONS}
    for name in all_zones():
        region = name.split("/", 1)[0]
        if "/" in name and region in by_region:
            by_region[region].append(name)
    return tuple((region, tuple(sorted(names))) for region, names in by_region.items() if names)


def _label(name: str) -> str:
    # "America/Argentina/Buenos_Aires" reads "Argentina / Buenos Aires" under "America".
    return name.split("/", 1)[1].replace("_", " ").replace("/", " / ")


@functools.cache
def _options_html() -> str:
    parts = ['<option value="UTC">UTC</option>']
    for region, names in grouped_zones():
        parts.append(f'<optgroup label="{escape(region)}">')
        parts.extend(f'<option value="{escape(n)}">{escape(_label(n))}</option>' for n in names)
        parts.append("</optgroup>")
    return "".join(parts)


def options_html(selected: str) -> str:
    """Every option, with `selected` marked (and listed first if it is an alias)."""
    html = _options_html()
    mark = f'<option value="{escape(selected)}">'
    if mark in html:
        return html.replace(mark, f'<option value="{escape(selected)}" selected>', 1)
    if selected in all_zones():
        return f'<option value="{escape(selected)}" selected>{escape(selected)}</option>{html}'
    return html


class TimeZoneSelect(forms.Select):
    template_name = "quiz/widgets/timezone_select.html"

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["options_html"] = mark_safe(options_html(str(value or "")))
        return context

    def optgroups(self, name: str, value: list, attrs: dict | None = None) -> list:
        # The options are rendered by options_html, not one template each.
        return []
