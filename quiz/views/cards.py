"""The card browser: search and filter cards, one card's page, and actions on a selection.

The search form is a plain GET form; htmx re-renders only the results (`#results`) as the
learner types, and pushes the URL so the back button and a shared link give the same page.
Actions are POST forms that redirect back to where they came from (or re-render the results
for htmx).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from quiz import browser, search, study
from quiz.models import Card, Deck, Topic

TEMPLATE = "quiz/cards.html"
# A selection is what one page shows; more than that is a search, not a selection.
MAX_SELECTION = 500


class CardSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    # A deck id, not a ModelChoiceField: its queryset is copied with every form, and the
    # drop-down is written by `_selects` from two columns of each deck.
    deck = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    topic = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Card.Kind.choices])
    tag = forms.CharField(required=False, max_length=100)
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *browser.STATES.items()])
    due_from = forms.DateField(
        required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_until = forms.DateField(
        required=False, label="Due until", widget=forms.DateInput(attrs={"type": "date"})
    )
    lapses = forms.IntegerField(required=False, min_value=0, max_value=10_000, label="Lapses ≥")
    today = forms.BooleanField(required=False, label="Answered today")
    sort = forms.ChoiceField(required=False, choices=list(browser.SORTS.items()))
    dir = forms.ChoiceField(required=False, choices=[("asc", "Ascending"), ("desc", "Descending")])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def clean_deck(self) -> int | None:
        deck_id = self.cleaned_data.get("deck")
        if deck_id is not None and not Deck.objects.filter(pk=deck_id).exists():
            raise forms.ValidationError("No such deck.")
        return deck_id

    def clean_topic(self) -> Topic | None:
        topic_id = self.cleaned_data.get("topic")
        if topic_id is None:
            return None
        topic = Topic.objects.select_related("deck").filter(pk=topic_id).first()
        if topic is None:
            raise forms.ValidationError("No such topic.")
        return topic

    def clean_tag(self) -> str:
        return self.cleaned_data["tag"].strip().lstrip("#").casefold()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_until")
        if start and end and start > end:
            raise forms.ValidationError("“Due from” is after “Due until”: nothing can match.")
        return data

    def filters(self) -> browser.CardFilters:
        data = self.cleaned_data
        return browser.CardFilters(
            q=data.get("q") or "",
            deck_id=data.get("deck"),
            topic=data.get("topic"),
            kind=data.get("kind") or "",
            tag=data.get("tag") or "",
            state=data.get("state") or "",
            due_from=data.get("due_from"),
            due_until=data.get("due_until"),
            min_lapses=data.get("lapses"),
            answered_today=bool(data.get("today")),
            sort=data.get("sort") or "order",
            descending=data.get("dir") == "desc",
        )


def search_form(params: QueryDict) -> CardSearchForm | None:
    """The browser's filters from a query string; None when they are invalid."""
    form = CardSearchForm(params)
    return form if form.is_valid() else None


def _query(params: QueryDict, **changes: Any) -> str:
    """The current query string with `changes` applied (None removes a key)."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()


def _sort_links(params: QueryDict, filters: browser.CardFilters) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (flipping direction when it is current)."""
    links = {}
    for key in browser.SORTS:
        current = filters.sort == key
        direction = "asc" if current and filters.descending else ("desc" if current else None)
        if not current and key in ("lapses", "difficulty", "last"):
            direction = "desc"  # the worst, the hardest, the latest first is what one looks for
        links[key] = {
            "url": "?" + _query(params, sort=key, dir=direction, page=None),
            "aria": ("descending" if filters.descending else "ascending") if current else "none",
        }
    return links


_SELECTS = (
    ("deck", "Deck"),
    ("kind", "Kind"),
    ("state", "State"),
    ("sort", "Sort by"),
    ("dir", "Order"),
)


def _selects(form: CardSearchForm) -> list[dict[str, Any]]:
    """The filter drop-downs as plain data: Django's widget templates cost more to render
    than the whole results table."""
    selects = []
    for name, label in _SELECTS:
        current = str(form.data.get(name, ""))
        if name == "deck":
            choices = [("", "All decks"), *Deck.objects.values_list("pk", "title")]
        else:
            choices = list(form.fields[name].choices)
        options = "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
            f"{escape(text)}</option>"
            for value, text in choices
        )
        # Every value and text is escaped above.
        selects.append({"name": name, "label": label, "options": mark_safe(options)})
    return selects


def _rows_html(rows: list[browser.Row]) -> SafeString:
    """The results table's rows. Built here, each value escaped, because the template engine
    took longer over 50 rows of ten cells than the database took to search 100,000 cards (see
    bench/browser.py)."""
    base = reverse("card_list")
    out = []
    for row in rows:
        tags = "".join(f' <span class="tag">#{escape(tag)}</span>' for tag in row.tags)
        leech = ' <span class="tag leech">leech</span>' if row.is_leech else ""
        out.append(
            f'<tr><td><input type="checkbox" name="card" value="{row.pk}"'
            f' aria-labelledby="sel c{row.pk}"></td>'
            f'<td class="card-cell"><a class="card-link" id="c{row.pk}" href="{base}{row.pk}/">'
            f"{escape(row.prompt)}</a>"
            f' <span class="muted small">{escape(row.topic)} · {escape(row.kind)}{tags}</span></td>'
            f'<td>{escape(row.state)}{leech}</td><td class="num">{row.due}</td>'
            f'<td class="num">{row.lapses}</td><td class="num">{row.difficulty}</td>'
            f'<td class="num">{row.stability}</td><td class="num">{row.last}</td></tr>\n'
        )
    return mark_safe("".join(out))  # every value from the database is escaped above


@require_GET
@login_required
def card_list(request: HttpRequest) -> HttpResponse:
    form = CardSearchForm(request.GET)
    now = timezone.now()
    partial = bool(request.htmx and not request.htmx.boosted)
    context: dict[str, Any] = {
        "form": form,
        "page": None,
        "now": now,
        "htmx_partial": partial,
        "status_text": "Those filters can’t be used.",
    }
    if not partial:
        context["selects"] = _selects(form)
    if form.is_valid():
        filters = form.filters()
        profile = study.profile_for(request.user)
        cards = browser.search_cards(user=request.user, filters=filters, now=now, profile=profile)
        page = browser.page_of(
            cards,
            form.cleaned_data.get("page") or 1,
            user=request.user,
            now=now,
            timezone=profile.timezone,
            sorts_every_match=bool(search.parse_query(filters.q)),
        )
        context.update(
            filters=filters,
            page=page,
            rows_html=_rows_html(page.rows),
            sort_links=_sort_links(request.GET, filters),
            prev_url="?" + _query(request.GET, page=page.number - 1) if page.number > 1 else "",
            next_url="?" + _query(request.GET, page=page.number + 1) if page.has_next else "",
            query=_query(request.GET, page=None),
            no_topic_url="?" + _query(request.GET, topic=None, page=None),
            here=request.get_full_path(),
            actions=browser.ACTIONS,
            sort_label=browser.SORTS[filters.sort].lower(),
            status_text=_status_text(page),
        )
    template = f"{TEMPLATE}#results" if partial else TEMPLATE
    return render(request, template, context, status=200 if form.is_valid() else 400)


def _status_text(page: browser.Page) -> str:
    """What the live region says after the results change (the visible count, in words)."""
    if not page.rows:
        return "No cards on this page." if page.count else "No cards match."
    noun = "card" if page.count == 1 and not page.capped else "cards"
    return f"{page.count_text} {noun}, showing {page.first_index} to {page.last_index}."


def _get_card(card_id: int) -> Card:
    """Cards are shared content: any signed-in learner may open any card (their own data only)."""
    return get_object_or_404(Card.objects.select_related("deck", "topic"), pk=card_id)


@require_GET
@login_required
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _get_card(card_id)
    now = timezone.now()
    profile = study.profile_for(request.user)
    memory = browser.memory_facts(user=request.user, card=card, now=now, profile=profile)
    state = memory.state
    context = {
        "card": card,
        "memory": memory,
        "state_label": browser.state_text(
            retired=card.status == Card.Status.RETIRED,
            state=state.state if state else None,
            suspended=state.suspended if state else False,
            buried_until=state.buried_until if state else None,
            now=now,
        ),
        "history": browser.history(user=request.user, card=card),
        "exam_questions": browser.exam_questions(user=request.user, card=card),
        "actions": browser.ACTIONS,
        "here": request.get_full_path(),
        "can_edit": _can_edit(request),
    }
    return render(request, "quiz/card_detail.html", context)


def _can_edit(request: HttpRequest) -> bool:
    return request.user.is_staff and request.user.has_perm("quiz.change_card")


def _card_ids(request: HttpRequest) -> list[int]:
    ids = []
    for raw in request.POST.getlist("card"):
        try:
            value = int(raw)
        except ValueError:
            continue
        if 0 < value < 2**63:
            ids.append(value)
    return ids[:MAX_SELECTION]


def _back(request: HttpRequest) -> str:
    """Where a plain form post returns: the page it came from, if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("card_list")


@require_POST
@login_required
def card_action(request: HttpRequest) -> HttpResponse:
    """Suspend, unsuspend, bury or reset the selected cards (the learner's own states only)."""
    action = request.POST.get("action", "")
    ids = _card_ids(request)
    if not ids:
        messages.warning(request, "Select at least one card first.")
        return redirect(_back(request))
    if action == "study":
        return redirect(_selection_url(ids))
    if action == "cram":
        return redirect(f"{reverse('cram')}?{urlencode({'cards': _ids_text(ids)})}")
    if action not in browser.ACTIONS:
        return HttpResponseBadRequest("unknown action")
    now = timezone.now()
    profile = study.profile_for(request.user)
    changed = browser.apply_action(
        user=request.user, action=action, card_ids=ids, now=now, profile=profile
    )
    done = {
        "suspend": "suspended",
        "unsuspend": "unsuspended",
        "bury": "buried until tomorrow",
        "reset": "reset to new (their review history is kept)",
    }[action]
    messages.success(request, f"{changed} of {len(ids)} card{'s'[: len(ids) != 1]} {done}.")
    return redirect(_back(request))


def _ids_text(ids: list[int]) -> str:
    return ".".join(str(pk) for pk in ids)


def _selection_url(ids: list[int]) -> str:
    return f"{reverse('study_chosen')}?{urlencode({'cards': _ids_text(ids)})}"


def parse_ids(text: str) -> list[int]:
    """Card ids from the compact "1.2.3" a selection travels as; 404 for anything else."""
    try:
        ids = [int(part) for part in text.split(".") if part]
    except ValueError as exc:
        raise Http404("No such cards") from exc
    if not ids or len(ids) > MAX_SELECTION or not all(0 < pk < 2**63 for pk in ids):
        raise Http404("No such cards")
    return ids
