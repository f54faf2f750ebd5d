"""Custom study pages: study ahead and chosen cards (through the study page, so answers are
scheduled), and the previews (cram, again today), which write nothing.

Previews are plain GET links from card to card: they change nothing on the server, so there is
nothing to protect with a POST, and a reload shows the same card.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from quiz import browser, study
from quiz.models import Deck, Topic
from quiz.study import custom as custom_study
from quiz.views import cards as card_views
from quiz.views import study as study_views

PREVIEW_TEMPLATE = "quiz/preview.html"


def _base_scope(params: QueryDict) -> study.Scope:
    """A deck (by slug) or topic (by id) from the query string, or everything."""
    if params.get("topic"):
        try:
            topic_id = int(params["topic"])
        except ValueError as exc:
            raise Http404("No such topic") from exc
        return study.scope_for(
            topic=get_object_or_404(Topic.objects.select_related("deck"), pk=topic_id)
        )
    if params.get("deck"):
        return study.scope_for(deck=get_object_or_404(Deck, slug=params["deck"]))
    return study.Scope()


def custom_url(scope: study.Scope, **params: Any) -> str:
    """The page of a custom scope (with the study page's own parameters, e.g. `since`)."""
    if scope.tag:
        url = reverse("study_tag", args=[scope.tag])
        params = {**_base_params(scope), **params}
    elif scope.card_ids:
        url = reverse("study_chosen")
        started = int(scope.started.timestamp() * 1000) if scope.started else None
        params = {"cards": ".".join(map(str, scope.card_ids)), "started": started, **params}
    else:
        url = reverse("study_ahead")
        params = {"days": scope.ahead_days, **_base_params(scope), **params}
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}"


def _base_params(scope: study.Scope) -> dict[str, Any]:
    if scope.topic is not None:
        return {"topic": scope.topic.pk}
    if scope.deck is not None:
        return {"deck": scope.deck.slug}
    return {}


@require_GET
@login_required
def study_tag(request: HttpRequest, tag: str) -> HttpResponse:
    """The day's queue for the cards tagged `tag` (in a deck or topic, if given)."""
    try:
        scope = custom_study.tag_scope(_base_scope(request.GET), tag)
    except ValueError:
        return HttpResponseBadRequest("That is not a tag.")
    return study_views.study_in_scope(request, scope)


@require_GET
@login_required
def study_ahead(request: HttpRequest) -> HttpResponse:
    """Reviews due within the next `days` days, through the scheduler."""
    try:
        days = int(request.GET.get("days") or 7)
        scope = custom_study.ahead_scope(_base_scope(request.GET), days)
    except ValueError:
        return HttpResponseBadRequest(
            f"days must be a whole number from 1 to {custom_study.MAX_AHEAD_DAYS}"
        )
    return study_views.study_in_scope(request, scope)


@require_GET
@login_required
def study_chosen(request: HttpRequest) -> HttpResponse:
    """Chosen cards (the browser's "study these now"), each once, through the scheduler."""
    ids = card_views.parse_ids(request.GET.get("cards", ""))
    now = timezone.now()
    started = study_views.since_param(request.GET.get("started"), now)
    scope = custom_study.selection_scope(ids, started=started)
    return study_views.study_in_scope(request, scope)


# --- previews ----------------------------------------------------------------------------------


def _position(params: QueryDict) -> custom_study.PreviewPosition:
    try:
        index = max(0, int(params.get("pos") or 0))
        again = tuple(int(pk) for pk in (params.get("again") or "").split(".") if pk)
    except ValueError as exc:
        raise Http404("No such preview position") from exc
    return custom_study.PreviewPosition(index=index, again=again[: card_views.MAX_SELECTION])


def _position_query(params: QueryDict, position: custom_study.PreviewPosition) -> str:
    query = params.copy()
    for key in ("pos", "again", "show"):
        query.pop(key, None)
    query["pos"] = str(position.index)
    if position.again:
        query["again"] = ".".join(map(str, position.again))
    return query.urlencode()


def _render_preview(
    request: HttpRequest,
    *,
    title: str,
    total: int,
    card_at: Any,
    back_url: str,
    what: str,
) -> HttpResponse:
    position = _position(request.GET)
    card_id = position.current(total, card_at)
    card = study.load_card(card_id) if card_id is not None else None
    context: dict[str, Any] = {
        "title": title,
        "what": what,
        "card": card,
        "total": total,
        "left": position.left(total),
        "back_url": back_url,
        "revealed": request.GET.get("show") == "answer",
        "restart_url": "?" + _position_query(request.GET, custom_study.PreviewPosition()),
    }
    if card is not None:
        here = _position_query(request.GET, position)
        context.update(
            reveal_url=f"?{here}&show=answer",
            again_url="?"
            + _position_query(request.GET, position.after(card.pk, total=total, knew=False)),
            next_url="?"
            + _position_query(request.GET, position.after(card.pk, total=total, knew=True)),
        )
    template = PREVIEW_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#preview"
    return render(request, template, context)


@require_GET
@login_required
def cram(request: HttpRequest) -> HttpResponse:
    """Preview a deck, a topic, a browser search or chosen cards, whatever their due dates."""
    form = card_views.search_form(request.GET)
    if form is None:
        return HttpResponseBadRequest("Those filters can't be used; go back to the browser.")
    filters = form.filters()
    if request.GET.get("cards"):
        filters = browser.CardFilters(card_ids=tuple(card_views.parse_ids(request.GET["cards"])))
    now = timezone.now()
    profile = study.profile_for(request.user)
    cards = browser.search_cards(user=request.user, filters=filters, now=now, profile=profile)
    ids = cards.values_list("pk", flat=True)
    total = cards.count()
    title = _cram_title(filters)
    return _render_preview(
        request,
        title=title,
        total=total,
        card_at=lambda index: ids[index],
        back_url=f"{reverse('card_list')}?{form.data.urlencode()}"
        if not filters.card_ids
        else reverse("card_list"),
        what="cram",
    )


def _cram_title(filters: browser.CardFilters) -> str:
    if filters.card_ids:
        n = len(filters.card_ids)
        return f"Cram {n} chosen card{'s'[: n != 1]}"
    if filters.topic is not None:
        return f"Cram · {filters.topic.title}"
    if filters.deck_id is not None:
        deck = Deck.objects.filter(pk=filters.deck_id).first()
        title = f"Cram · {deck.title}" if deck else "Cram"
    else:
        title = "Cram"
    if filters.q or filters.tag or filters.state or filters.kind:
        title += " (search result)"
    return title


@require_GET
@login_required
def again_today(request: HttpRequest) -> HttpResponse:
    """The cards failed today (in a deck or topic, if given), once more, as a preview."""
    now = timezone.now()
    profile = study.profile_for(request.user)
    scope = _base_scope(request.GET)
    ids = custom_study.failed_today(user=request.user, now=now, profile=profile, scope=scope)
    return _render_preview(
        request,
        title="Again today" + (f" · {scope.title}" if scope.deck is not None else ""),
        total=len(ids),
        card_at=ids.__getitem__,
        back_url=reverse("dashboard"),
        what="again",
    )
