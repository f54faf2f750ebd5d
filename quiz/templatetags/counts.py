"""The new / learning / due numbers of a deck or topic, as one tag rather than an include: the
dashboard and the deck page print them for every deck and topic."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from quiz.study import DueCounts

register = template.Library()


@register.simple_tag
def due_counts(counts: DueCounts) -> SafeString:
    return format_html(
        '<span class="count-new" title="New">{}</span>'
        '<span class="count-learning" title="Learning">{}</span>'
        '<span class="count-due" title="Due today">{}</span>',
        counts.new,
        counts.learning,
        counts.due,
    )
