"""The study loop: show a card, reveal, answer and get the next, undo, suspend, bury.

Every control is a plain link or form; htmx swaps `#study-session` (or `#reveal`) with a named
partial of `quiz/study.html`. Without JavaScript the POSTs redirect back to the study page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from quiz import source, study, tally, timezones
from quiz.models import Card, CardState, Deck, Review, StudyProfile, Topic
from quiz.scheduling import RATING_NAMES, RATINGS, format_interval, parse_steps
from quiz.views import optimizer, study_html
from quiz.views.links import url_for

TEMPLATE = "quiz/study.html"
STALE_NOTICE = (
    "This card was already answered elsewhere (another tab, or a page from your browser's"
    " history), so nothing was recorded. Here is the current card."
)


# A page of leeches stays a few dozen KB whatever the learner has suspended.
LEECHES_PER_PAGE = 50


class StudyProfileForm(forms.ModelForm):
    """A learner's scheduling settings, validated before fsrs ever sees them."""

    # A CharField checked against the zone names, not a ChoiceField: every form instance would
    # deep-copy ~600 choices.
    timezone = forms.CharField(
        label="Time zone",
        widget=timezones.TimeZoneSelect,
        help_text="Your study day starts at 4 am in this time zone.",
    )

    class Meta:
        model = StudyProfile
        fields = [
            "desired_retention",
            "new_per_day",
            "max_reviews_per_day",
            "learning_steps",
            "relearning_steps",
            "timezone",
        ]
        help_texts = {
            "desired_retention": "Chance of recall FSRS aims for at each review: 0.70 to 0.99.",
            "learning_steps": 'Space-separated, e.g. "1m 10m" (units s, m, h, d).',
            "relearning_steps": 'After a lapse, e.g. "10m".',
        }

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"]
        if value not in timezones.all_zones():
            raise forms.ValidationError(f"{value!r} is not a time zone name.")
        return value

    def clean_desired_retention(self) -> float:
        value = self.cleaned_data["desired_retention"]
        if not 0.7 <= value <= 0.99:
            raise forms.ValidationError("Choose a retention between 0.70 and 0.99.")
        return value

    def clean_new_per_day(self) -> int:
        value = self.cleaned_data["new_per_day"]
        if value > 9999:
            raise forms.ValidationError("At most 9999 new cards a day.")
        return value

    def clean_max_reviews_per_day(self) -> int:
        value = self.cleaned_data["max_reviews_per_day"]
        if value > 99999:
            raise forms.ValidationError("At most 99999 reviews a day.")
        return value

    def _clean_steps(self, name: str, *, required: bool) -> str:
        text = " ".join(self.cleaned_data.get(name, "").split())
        try:
            steps = parse_steps(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if required and not steps:
            raise forms.ValidationError("Give at least one step, such as 10m.")
        return text

    def clean_learning_steps(self) -> str:
        return self._clean_steps("learning_steps", required=False)

    def clean_relearning_steps(self) -> str:
        return self._clean_steps("relearning_steps", required=False)


# --- access helpers (404 for anything that is not the learner's) --------------------------------


def _get_card(card_id: Any, *, for_display: bool = True) -> Card:
    """Cards are shared content: any signed-in learner may study any card."""
    card = study.load_card(_card_id(card_id), related=for_display)
    if card is None:
        raise Http404("No such card")
    return card


def _card_id(value: Any) -> int:
    """A card id from the request; 404 for anything that cannot be one (as the ORM lookup was)."""
    try:
        card_id = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404("No such card") from exc
    if not 0 < card_id < 2**63:
        raise Http404("No such card")
    return card_id


def _get_review_for_user(request: HttpRequest, review_id: Any) -> Review:
    try:
        return get_object_or_404(
            Review.objects.select_related("card__deck", "card__topic"),
            pk=int(review_id),
            user=request.user,
        )
    except (TypeError, ValueError) as exc:
        raise Http404("No such review") from exc


def _get_card_state_for_user(request: HttpRequest, card_id: int) -> CardState:
    return get_object_or_404(CardState, card_id=card_id, user=request.user)


def _scope_from_post(request: HttpRequest) -> study.Scope:
    try:
        return study.scope_from_key(request.POST.get("scope", "all"))
    except (Deck.DoesNotExist, Topic.DoesNotExist, ValueError) as exc:
        raise Http404("No such deck or topic") from exc


def _int_field(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


def _since(value: str | None, now: datetime) -> datetime:
    """When this session started (epoch ms carried by the page's forms); now if absent."""
    try:
        since = datetime.fromtimestamp(int(value or "") / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return now
    return min(since, now)


def since_param(value: str | None, now: datetime) -> datetime:
    return _since(value, now)


def _study_url(scope: study.Scope, **params: Any) -> str:
    if scope.is_custom:
        from quiz.views.custom_study import custom_url

        return custom_url(scope, **params)
    if scope.topic is not None:
        url = _link("study_topic")(scope.topic.pk)
    elif scope.deck is not None:
        url = _link("study_deck")(scope.deck.slug)
    else:
        url = _urls()["study"]
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


# --- rendering ---------------------------------------------------------------------------------

_URL_NAMES = {
    "answer": "study_answer",
    "bury": "study_bury",
    "suspend": "study_suspend",
    "undo": "study_undo",
    "settings": "study_settings",
    "leeches": "leeches",
    "dashboard": "dashboard",
    "study": "study",
}
_urls_by_prefix: dict[str, dict[str, str]] = {}


def _source_url(card_id: int) -> str:
    """The "Show source" URL of a card, from the reversed study_source URL's two halves."""
    return _link("study_source")(card_id)


# The URLs with one argument that every study screen links to, and a marker of its converter.
_LINK_MARKERS = {"study_source": "909", "study_topic": "909", "study_deck": "slug0marker"}
_links_by_prefix: dict[str, dict[str, Callable[[str | int], str]]] = {}


def _link(name: str) -> Callable[[str | int], str]:
    """`url_for(name)`, made once per script prefix: these go into every answer's fragment."""
    links = _links_by_prefix.setdefault(get_script_prefix(), {})
    if name not in links:
        links[name] = url_for(name, _LINK_MARKERS[name])
    return links[name]


def _urls() -> dict[str, str]:
    """The study page's fixed links, reversed once (per script prefix) instead of per render."""
    prefix = get_script_prefix()
    if prefix not in _urls_by_prefix:
        _urls_by_prefix[prefix] = {key: reverse(name) for key, name in _URL_NAMES.items()}
    return _urls_by_prefix[prefix]


def _card_context(
    *,
    shown: study.Shown,
    token: str,
    intervals: dict[int, timedelta] | None,
    scope: study.Scope,
    since: datetime,
) -> dict[str, Any]:
    """What the card (and, with `intervals`, its answer with the four rating buttons) shows.

    The interval previews come only with a revealed card: the question alone (what an answer
    returns next) shows no buttons.
    """
    since_ms = int(since.timestamp() * 1000)
    context = {
        "shown": shown,
        "card": shown.card,
        "card_fields": _card_fields(shown, scope=scope, since_ms=since_ms),
        "token": token,
        "urls": _urls(),
        "source_url": _source_url(shown.card.pk),
        "reveal_url": _study_url(
            scope, card=shown.card.pk, show="answer", since=since_ms, shown=token
        ),
    }
    if intervals is not None:
        # Revealed in place, the source link is swapped for one that may show the answer.
        context["source_link_oob"] = study_html.source_link(
            source_url=context["source_url"], revealed=True, oob=True
        )
        context["ratings"] = [
            {
                "value": rating,
                "name": RATING_NAMES[rating],
                "css": RATING_NAMES[rating].lower(),
                "interval": format_interval(intervals[rating]),
            }
            for rating in RATINGS
        ]
    return context


def _card_fields(shown: study.Shown, *, scope: study.Scope, since_ms: int) -> str:
    """The hidden fields every card action carries (the version is the double-submit guard):
    built once here, since up to three forms of one response carry them. The three numbers are
    written as integers (nothing to escape); the scope's key is escaped."""
    return mark_safe(
        f'\n<input type="hidden" name="card" value="{int(shown.card.pk):d}">'
        f'\n<input type="hidden" name="version" value="{int(shown.version):d}">'
        f'\n<input type="hidden" name="scope" value="{escape(scope.key)}">'
        f'\n<input type="hidden" name="since" value="{int(since_ms):d}">\n'
    )


def _render_screen(
    request: HttpRequest,
    screen: study.Screen,
    *,
    since: datetime,
    revealed: bool = False,
    notice: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "scope": screen.scope,
        "queue": screen.queue,
        "since_ms": int(since.timestamp() * 1000),
        "revealed": revealed,
        "notice": notice,
        "undo_review": screen.undo_review,
        "summary": screen.summary,
        "urls": _urls(),
    }
    if screen.shown is not None:
        context.update(
            _card_context(
                shown=screen.shown,
                token=screen.token,
                intervals=screen.intervals,
                scope=screen.scope,
                since=since,
            )
        )
    context["session_html"] = study_html.session_html(request, context)
    if not request.htmx:
        return _render_partial(request, context, partial="session")
    # The fragment is the whole response: no template to render around it.
    response = HttpResponse(context["session_html"])
    patch_vary_headers(response, ["HX-Request"])
    return response


def _render_partial(request: HttpRequest, context: dict[str, Any], *, partial: str) -> HttpResponse:
    """The page, or only its named partial for htmx; the response varies on HX-Request so no
    cache hands a partial to a full-page load."""
    response = render(request, f"{TEMPLATE}#{partial}" if request.htmx else TEMPLATE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _after_post(
    request: HttpRequest,
    *,
    scope: study.Scope,
    since: datetime,
    now: datetime,
    notice: str = "",
    shown: study.Shown | None = None,
    profile: StudyProfile | None = None,
) -> HttpResponse:
    """htmx gets the next session partial; a plain form post is redirected (POST/redirect/GET)."""
    if not request.htmx:
        if notice:
            messages.info(request, notice)
        return redirect(
            _study_url(
                scope,
                since=int(since.timestamp() * 1000),
                card=shown.card.pk if shown is not None else None,
            )
        )
    screen = study.screen(
        user=request.user, scope=scope, since=since, now=now, profile=profile, shown=shown
    )
    return _render_screen(request, screen, since=since, notice=notice)


# --- views -------------------------------------------------------------------------------------


@require_GET
@never_cache  # history navigation must ask again, not replay a card answered since
@login_required
def study_page(
    request: HttpRequest, slug: str | None = None, topic_id: int | None = None
) -> HttpResponse:
    if topic_id is not None:
        scope = study.scope_for(
            topic=get_object_or_404(Topic.objects.select_related("deck"), pk=topic_id)
        )
    elif slug is not None:
        scope = study.scope_for(deck=get_object_or_404(Deck, slug=slug))
    else:
        scope = study.Scope()
    return study_in_scope(request, scope)


def study_in_scope(request: HttpRequest, scope: study.Scope) -> HttpResponse:
    """The study page for `scope` (the views of custom study use it too)."""
    now = timezone.now()
    since = _since(request.GET.get("since"), now)
    profile = study.profile_for(request.user)
    shown = None
    if request.GET.get("card"):
        card = _get_card(request.GET["card"])
        if card.is_active:
            shown = study.shown_for(user=request.user, card=card)
    revealed = shown is not None and request.GET.get("show") == "answer"
    token = request.GET.get("shown") or None
    if (
        revealed
        and token is not None
        and not study.token_matches(token, card_id=shown.card.pk, version=shown.version)
    ):
        # The card changed since this page showed it: its buttons would rate a state the
        # learner never saw. Show the notice and the current card instead.
        screen = study.screen(user=request.user, scope=scope, since=since, now=now, profile=profile)
        response = _render_screen(request, screen, since=since, notice=STALE_NOTICE)
        if request.htmx:
            response = reswap(retarget(response, "#study-session"), "outerHTML settle:0ms")
        return response
    if revealed and request.htmx:
        context = _card_context(
            shown=shown,
            token=token
            or study.stopwatch_token(card_id=shown.card.pk, now=now, version=shown.version),
            intervals=study.intervals_for(shown, profile=profile, now=now),
            scope=scope,
            since=since,
        )
        context.update(scope=scope, since_ms=int(since.timestamp() * 1000))
        return _render_partial(request, context, partial="answer")
    screen = study.screen(
        user=request.user,
        scope=scope,
        since=since,
        now=now,
        profile=profile,
        shown=shown,
        revealed=revealed,
        token=token,
    )
    return _render_screen(request, screen, since=since, revealed=revealed)


def _learner(request: HttpRequest) -> Any:
    """The signed-in user itself rather than the lazy proxy `request.user` is (resolved by
    `login_required` before the view runs): an answer asks it for its id a few dozen times, and
    through the proxy each ask is a failed attribute lookup before the real one."""
    user = request.user
    return getattr(user, "_wrapped", user) if user.is_authenticated else user


@require_POST
@login_required
def answer(request: HttpRequest) -> HttpResponse:
    """Record an answer and return the next card: the one request the study page makes."""
    card_id = _card_id(request.POST.get("card"))
    rating, version = _int_field(request, "rating"), _int_field(request, "version")
    if rating not in RATINGS or version is None or version < 0:
        return HttpResponseBadRequest("rating must be 1-4 and version a whole number")
    now = timezone.now()
    since = _since(request.POST.get("since"), now)
    try:
        answered = study.answer_and_next(
            user=_learner(request),
            scope_key=request.POST.get("scope", "all"),
            card_id=card_id,
            rating=rating,
            version=version,
            token=request.POST.get("shown", ""),
            since=since,
            now=now,
            with_screen=bool(request.htmx),
        )
    except (Card.DoesNotExist, Deck.DoesNotExist, Topic.DoesNotExist, ValueError) as exc:
        raise Http404("No such card, deck or topic") from exc
    notice = ""
    if not answered.result.recorded:
        notice = STALE_NOTICE
    elif answered.result.became_leech:
        notice = "That card has lapsed often: it is now a suspended leech (see Leeches)."
    if answered.screen is None:
        return _after_post(request, scope=answered.scope, since=since, now=now, notice=notice)
    return _render_screen(request, answered.screen, since=since, notice=notice)


@require_POST
@login_required
def undo(request: HttpRequest) -> HttpResponse:
    scope = _scope_from_post(request)
    review_row = _get_review_for_user(request, request.POST.get("review"))
    now = timezone.now()
    since = _since(request.POST.get("since"), now)
    restored = study.undo_review(user=request.user, review_row=review_row)
    if restored is None:
        return _after_post(request, scope=scope, since=since, now=now, notice="Nothing to undo.")
    shown = study.shown_for(user=request.user, card=review_row.card)
    return _after_post(
        request,
        scope=scope,
        since=since,
        now=now,
        notice="Undone: the card is back as it was.",
        shown=shown,
    )


def _hide(request: HttpRequest, *, how: str) -> HttpResponse:
    scope = _scope_from_post(request)
    card = _get_card(request.POST.get("card"), for_display=False)
    version = _int_field(request, "version")
    if version is None or version < 0:
        return HttpResponseBadRequest("version must be a whole number")
    now = timezone.now()
    since = _since(request.POST.get("since"), now)
    profile = study.profile_for(request.user)
    if how == "suspend":
        done = study.suspend_card(user=request.user, card=card, version=version, now=now)
        notice = "Card suspended." if done else "The card changed meanwhile; nothing suspended."
    else:
        done = study.bury_card(
            user=request.user, card=card, version=version, now=now, profile=profile
        )
        notice = "Card buried until tomorrow." if done else "The card changed; nothing buried."
    return _after_post(request, scope=scope, since=since, now=now, notice=notice, profile=profile)


@require_POST
@login_required
def suspend(request: HttpRequest) -> HttpResponse:
    return _hide(request, how="suspend")


@require_POST
@login_required
def bury(request: HttpRequest) -> HttpResponse:
    return _hide(request, how="bury")


@require_GET
@login_required
def card_source(request: HttpRequest, card_id: int) -> HttpResponse:
    """The notes a card came from, for "Show source": before the answer is revealed
    (`?hide=1`) the card's own answer is masked, and card syntax never shows raw."""
    card = _get_card(card_id)
    hide = request.GET.get("hide") == "1"
    ref = source.CardRef(
        kind=card.kind,
        prompt_md=card.prompt_md,
        answer_md=card.answer_md,
        term=card.term,
        source_line=card.source_line,
    )
    html = source.source_html(
        body_md=card.topic.body_md,
        body_html=card.topic.body_html,
        card=ref,
        topic_line=card.topic.line,
        hide_answer=hide,
    )
    context = {
        "topic": card.topic,
        "source_html": html,
        "hidden": hide,
        "hidden_mark": source.HIDDEN,
    }
    if not request.htmx:
        return render(request, "quiz/card_source.html", context)
    return render(request, "quiz/_source.html", context)


@require_GET
@login_required
def leech_list(request: HttpRequest) -> HttpResponse:
    """The learner's leeches and suspended cards, worst first, a page at a time."""
    # The page's states are chosen by id first: sorting the full rows (every card's text
    # with them) of a learner's thousand suspended cards cost more than the rest of the page.
    ordered = study.leeches(user=request.user).values_list("pk", flat=True)
    page = Paginator(ordered, LEECHES_PER_PAGE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    # Plain rows, not model instances: a page is 50 states with their card, topic and deck.
    rows = CardState.objects.filter(pk__in=ids).values(
        "pk", "card_id", "lapses", "is_leech", "suspended", "card__prompt_html",
        "card__topic_id", "card__topic__title", "card__deck__title",
    )  # fmt: skip
    by_id = {row["pk"]: row for row in rows}
    leeches = [by_id[pk] for pk in ids if pk in by_id]
    topic_url, unsuspend_url = url_for("topic_detail", "909"), url_for("leech_unsuspend", "909")
    for row in leeches:
        row["topic_url"] = topic_url(row["card__topic_id"])
        row["unsuspend_url"] = unsuspend_url(row["card_id"])
    return render(request, "quiz/leeches.html", {"leeches": leeches, "page": page})


@require_POST
@login_required
def leech_unsuspend(request: HttpRequest, card_id: int) -> HttpResponse:
    state = _get_card_state_for_user(request, card_id)
    if study.unsuspend(state=state):
        messages.success(request, "Card unsuspended: it is back in the queue.")
    return redirect("leeches")


@require_http_methods(["GET", "POST"])
@login_required
def study_settings(request: HttpRequest) -> HttpResponse:
    profile = study.profile_for(request.user)
    form = StudyProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if profile.timezone != profile.day_tally_zone:
                # The statistics' days are recut at the new zone's midnights now, not on the
                # next statistics page.
                tally.rebuild_days(user_ids=[request.user.pk])
        messages.success(request, "Study settings saved.")
        return redirect("study_settings")
    context = {"form": form, **optimizer.settings_context(request.user)}
    return render(request, "quiz/study_settings.html", context)
