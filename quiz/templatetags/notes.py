"""Render notes Markdown in a template, through the one sanitizer."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from quiz.notes.render import render_markdown

register = template.Library()


@register.filter
def notes_markdown(source: str) -> SafeString:
    # render_markdown's output is cleaned by nh3 with Notebank's single allow-list.
    return mark_safe(render_markdown(source or ""))  # noqa: S308
