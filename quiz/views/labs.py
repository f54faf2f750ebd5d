"""Labs: the simulation widgets. Each lab is a GET form that redraws a result partial; cards
and topics embed the same partial for their stored simulation spec.

The work happens in ``quiz.sims.lab`` (pure): these views only pick the parameters, call it, and
render. Running a simulation changes nothing on the server; the POST variant (for pasted CSV
too long for a URL) still needs the CSRF token, as every POST does (tests/test_hardening.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from quiz.models import Card, Topic
from quiz.sims.kinds import SIM_KINDS
from quiz.sims.lab import (
    form_fields,
    lab_params,
    run_lab,
    settings_changed,
    spec_to_params,
)

# A pushed URL longer than this (pasted CSV) would not survive servers' request-line limits.
MAX_PUSH_URL = 2000


@require_GET
@login_required
def labs_index(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.filter(is_active=True).exclude(sims=[]).select_related("deck")
    return render(request, "quiz/labs/index.html", {"labs": SIM_KINDS.values(), "topics": topics})


@require_GET
@login_required
def lab_detail(request: HttpRequest, kind: str) -> HttpResponse:
    return _lab_response(request, kind, request.GET)


@require_POST
@login_required
def lab_run(request: HttpRequest, kind: str) -> HttpResponse:
    """The same lab for a POSTed form (pasted CSV events can be too long for a GET URL)."""
    response = _lab_response(request, kind, request.POST)
    if request.htmx:
        url = _lab_url(kind, lab_params(kind, request.POST))
        push_url(response, url if len(url) <= MAX_PUSH_URL else False)
    return response


def _lab_url(kind: str, params: dict[str, str]) -> str:
    return f"{reverse('lab_detail', args=[kind])}?{urlencode(params)}"


def _lab_response(request: HttpRequest, kind: str, query: Any) -> HttpResponse:
    if kind not in SIM_KINDS:
        raise Http404("no such lab")
    params = lab_params(kind, query)
    result = run_lab(kind, params)
    context = _result_context(kind, params, result)
    context["lab"] = SIM_KINDS[kind]
    context["fields"] = form_fields(kind, params, result.errors)
    context["settings_open"] = settings_changed(params, result.errors)
    template = "quiz/labs/lab.html"
    # A history restore wants the whole page, not the fragment.
    if request.htmx and not request.htmx.history_restore_request:
        template += "#result"
        context["oob_errors"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _result_context(kind: str, params: dict[str, str], result: Any) -> dict[str, Any]:
    base = {k: v for k, v in params.items() if k != "upto"}
    query = urlencode(base)
    steps: dict[str, str] = {}
    sim = SIM_KINDS[kind]
    if result.ok and sim.steps_in_time and result.events:
        at = result.upto
        steps["start"] = f"{query}&upto=1"
        if at is not None:
            steps["final"] = query
            if at > 1:
                steps["prev"] = f"{query}&upto={at - 1}"
            if at < result.events:
                steps["next"] = f"{query}&upto={at + 1}"
    lab_url = _lab_url(kind, base)
    return {
        "kind": kind,
        "result": result,
        "steps": steps,
        "figures": [(figure, sim.legend_for(i)) for i, figure in enumerate(result.figures)],
        "lab_url": lab_url,
        "all_errors": [(name, result.errors.get(name, "")) for name in sim.fields],
    }


@require_GET
@login_required
def card_sim(request: HttpRequest, card_id: int) -> HttpResponse:
    """The embedded widget for a card's simulation (the study page loads it lazily)."""
    card = get_object_or_404(Card.objects.select_related("topic"), pk=card_id)
    return _embed_response(request, card.sim, title=card.topic.title, back=card.topic)


@require_GET
@login_required
def topic_sim(request: HttpRequest, topic_id: int, index: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=topic_id)
    if not 0 <= index < len(topic.sims):
        raise Http404("no such simulation")
    return _embed_response(request, topic.sims[index], title=topic.title, back=topic)


def _embed_response(request: HttpRequest, spec: Any, *, title: str, back: Topic) -> HttpResponse:
    target = spec_to_params(spec) if isinstance(spec, dict) else None
    if target is None:
        raise Http404("no simulation to show")
    kind, params = target
    result = run_lab(kind, params)
    context = _result_context(kind, params, result)
    context.update({"lab": SIM_KINDS[kind], "title": title, "back": back, "compact": True})
    template = "quiz/labs/embed.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#widget"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
