"""The study session's HTML (`#study-session`), written in Python.

Every answer returns this fragment, so it is built from a few format strings rather than
through the template engine, whose variable lookups, partial tags and three CSRF nodes cost
more than the rest of the answer's Python. `quiz/study.html` outputs the same fragment on the
full page, so there is one source of this markup. The rarer parts stay templates, rendered
here when shown: the revealed answer (`#answer`, also the reveal's own response) and the
summary at the end of a session (`#summary`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TEMPLATE = "quiz/study.html"

_HEADER = """
<section id="study-session" aria-live="polite" hx-target="#study-session" \
hx-swap="outerHTML settle:0ms">
  <header class="progress">
    <h1 class="study-title">{title}</h1>
    <span class="counts" title="Left in this session: new, learning, due">
      <span class="count-new">{new} new</span>
      <span class="count-learning">{learning} learning</span>
      <span class="count-due">{due} due</span>
    </span>
    <span><span title="Study answers since your day began (4 am), in every session; undone \
answers do not count">Answers today <strong data-testid="reviewed-today">{today}</strong></span> \
· Left <strong data-testid="left">{left}</strong></span>
  </header>
"""
_NOTICE = '  <p class="notice" role="status">{notice}</p>\n'
_CARD = """  <article class="card-box study-card">
    <p class="breadcrumb">{breadcrumb}{new_tag}</p>
    <div class="prompt prose">{prompt}</div>
    {answer}
  </article>
  <div class="toolbar">
    {source_link}
    <form method="post" action="{bury}" class="inline"
          hx-post="{bury}">
      {csrf}{fields}<button type="submit" data-shortcut="-">Bury <kbd>-</kbd></button>
    </form>
    <form method="post" action="{suspend}" class="inline"
          hx-post="{suspend}">
      {csrf}{fields}<button type="submit" data-shortcut="!">Suspend <kbd>!</kbd></button>
    </form>{edit}{undo}
  </div>
  <div id="source" class="source"></div>
"""
_REVEAL = """<div id="reveal" class="reveal">
      <a class="button primary" href="{url}" hx-get="{url}" hx-target="#reveal"
         hx-swap="outerHTML settle:0ms" hx-push-url="false" data-shortcut="Space Enter">\
Show answer <kbd>Space</kbd></a>
    </div>"""
_EDIT = """
    <a class="button" href="{url}" target="_blank" rel="noopener" data-shortcut="e">\
Edit <kbd>E</kbd></a>"""
_UNDO = """
<form method="post" action="{undo}" class="inline"
      hx-post="{undo}">
  {csrf}
  <input type="hidden" name="review" value="{review}">
  <input type="hidden" name="scope" value="{scope}">
  <input type="hidden" name="since" value="{since}">
  <button type="submit" data-shortcut="u">Undo <kbd>U</kbd></button>
</form>
"""
_SOURCE_LINK = """<a id="source-link" class="button" href="{url}"
   hx-get="{url}" hx-target="#source" hx-swap="innerHTML"
   data-shortcut="s"{oob}>Show source <kbd>S</kbd></a>"""
_FOOTER = """  <p class="muted small keys"><span class="keys-hint">Keys: <kbd>Space</kbd> show · \
<kbd>1</kbd>–<kbd>4</kbd> rate · <kbd>U</kbd> undo · <kbd>S</kbd> source ·{edit_key}</span>
    <a href="{settings}">Settings</a> · <a href="{leeches}">Leeches</a></p>
</section>
"""
_CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def csrf_input(request: HttpRequest) -> str:
    """What `{% csrf_token %}` writes (the same masked token for every form of one response)."""
    return _CSRF.format(escape(get_token(request)))


def source_link(*, source_url: str, revealed: bool, oob: bool = False) -> SafeString:
    """The "Show source" link: before the reveal the source hides what the answer hides."""
    url = escape(source_url if revealed else f"{source_url}?hide=1")
    return mark_safe(_SOURCE_LINK.format(url=url, oob=' hx-swap-oob="true"' if oob else ""))


def undo_form(context: dict[str, Any], csrf: str) -> SafeString:
    """The Undo button's form, for the learner's latest answer (none without one)."""
    review = context.get("undo_review")
    if review is None:
        return mark_safe("")
    urls = context["urls"]
    return mark_safe(
        _UNDO.format(
            undo=escape(urls["undo"]),
            csrf=csrf,
            review=review.pk,
            scope=escape(context["scope"].key),
            since=context["since_ms"],
        )
    )


def session_html(request: HttpRequest, context: dict[str, Any]) -> SafeString:
    """The `#study-session` fragment for the study view's `context` (`_render_screen`)."""
    queue, urls = context["queue"], context["urls"]
    staff = request.user.is_staff
    # htmx sends the CSRF token as a header on every request (the page's `hx-headers`), so a
    # fragment's forms need no token of their own; the full page's keep theirs for posting
    # without JavaScript. Masking a token costs more than writing the rest of the fragment.
    csrf = "" if getattr(request, "htmx", False) else csrf_input(request)
    html = [
        _HEADER.format(
            title=escape(context["scope"].title),
            new=queue.new,
            learning=queue.learning,
            due=queue.reviews,
            today=queue.reviewed_today,
            left=queue.left,
        )
    ]
    if context.get("notice"):
        html.append(_NOTICE.format(notice=escape(context["notice"])))
    shown = context.get("shown")
    undo = undo_form(context, csrf)
    if shown is not None:
        card = shown.card
        revealed = bool(context.get("revealed"))
        if revealed:
            answer = render_to_string(f"{TEMPLATE}#answer", context, request)
        else:
            answer = _REVEAL.format(url=escape(context["reveal_url"]))
        html.append(
            _CARD.format(
                breadcrumb=escape(card.breadcrumb),
                new_tag=' <span class="tag">new</span>' if shown.is_new else "",
                prompt=card.prompt_html,
                answer=answer,
                source_link=source_link(source_url=context["source_url"], revealed=revealed),
                bury=escape(urls["bury"]),
                suspend=escape(urls["suspend"]),
                csrf=csrf,
                fields=context["card_fields"],
                edit=_EDIT.format(url=escape(_admin_url(card.pk))) if staff else "",
                undo=undo,
            )
        )
    else:
        html.append(render_to_string(f"{TEMPLATE}#summary", {**context, "undo_html": undo}))
    html.append(
        _FOOTER.format(
            edit_key=" <kbd>E</kbd> edit ·" if staff else "",
            settings=escape(urls["settings"]),
            leeches=escape(urls["leeches"]),
        )
    )
    return mark_safe("".join(html))


def _admin_url(card_id: int) -> str:
    return reverse("admin:quiz_card_change", args=[card_id])
