"""Mock exams and practice: start, answer (with htmx swaps), submit, results, history.

The right answer of a question reaches the page only when `ExamQuestion.can_reveal` says so:
the templates check it, and the views never pass `correct` any other way.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url

from quiz import charts, exams
from quiz.blueprint import Blueprint
from quiz.models import Deck, ExamAttempt, ExamQuestion, Topic
from quiz.questions import KIND_LABELS
from quiz.templatetags.notes import notes_markdown
from quiz.views.links import url_for

HISTORY_LENGTH = 20
# Finished attempts listed in the exams home's history table, and how many of the latest
# attempts it reads at most.
HISTORY_ROWS = 50
HOME_ATTEMPTS_READ = 500


class StartExamForm(forms.Form):
    deck = forms.ModelChoiceField(queryset=Deck.objects.all(), to_field_name="slug", required=False)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.filter(is_active=True), required=False
    )
    mode = forms.ChoiceField(choices=ExamAttempt.Mode.choices, initial=ExamAttempt.Mode.EXAM)
    count = forms.IntegerField(min_value=1, max_value=exams.MAX_COUNT, required=False)
    minutes = forms.IntegerField(min_value=1, max_value=600, required=False)
    pass_mark = forms.IntegerField(min_value=1, max_value=100, initial=72)
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    tag = forms.CharField(max_length=100, required=False)

    def clean_tag(self) -> str:
        return self.cleaned_data["tag"].strip().lstrip("#").casefold()

    def clean(self) -> dict:
        data = super().clean()
        topics = data.get("topics") or []
        decks = {t.deck for t in topics}
        if len(decks) > 1:
            raise forms.ValidationError("Choose topics from one deck.")
        if decks:
            # Chosen topics say which deck; the deck menu only matters without them.
            data["deck"] = decks.pop()
        elif not data.get("deck") and "deck" not in self.errors:
            self.add_error("deck", "Choose a deck.")
        return data


def _get_attempt_for_user(request: HttpRequest, attempt_id: int) -> ExamAttempt:
    """The user's own attempt, closed first if its deadline has passed; 404 otherwise."""
    attempt = get_object_or_404(
        ExamAttempt.objects.select_related("deck"), pk=attempt_id, user=request.user
    )
    if exams.close_if_overdue(attempt=attempt, now=timezone.now()):
        messages.warning(
            request, "Time is up: the exam was submitted. Answers after the deadline do not count."
        )
    return attempt


def _get_question(attempt: ExamAttempt, position: int) -> ExamQuestion:
    question = attempt.questions.filter(position=position).first()
    if question is None:
        raise Http404("No such question")
    question.attempt = attempt
    return question


def _question_url(attempt: ExamAttempt, position: int) -> str:
    return reverse("exam_question", args=[attempt.pk, position])


# --- start --------------------------------------------------------------------------------


@require_GET
@login_required
def exam_home(request: HttpRequest) -> HttpResponse:
    form = StartExamForm(initial={"deck": request.GET.get("deck", "")})
    if request.htmx and "deck" in request.GET:
        # The topic picker for the deck just chosen (the page lists one deck's topics at once).
        return render(request, "quiz/exams.html#topic-pick", _home_context(request, form))
    return render(request, "quiz/exams.html", _home_context(request, form))


# The columns the exams home reads of each attempt, as plain rows: model instances (with their
# decks joined) cost more than the rest of the view.
HOME_ATTEMPT_FIELDS = (
    "pk", "mode", "deck_id", "deck__title", "count", "started_at", "deadline", "submitted_at",
    "score", "pass_mark", "predicted_score",
)  # fmt: skip
HOME_DECK_FIELDS = ("pk", "title", "slug", "exam_blueprint", "exam_bank_at")


def _home_attempts(user: object) -> list[tuple]:
    """The learner's latest attempts, newest first, as named rows of `HOME_ATTEMPT_FIELDS`."""
    return list(
        ExamAttempt.objects.filter(user=user).values_list(*HOME_ATTEMPT_FIELDS, named=True)[
            :HOME_ATTEMPTS_READ
        ]
    )


def _home_decks(now: datetime) -> list[tuple]:
    """Every deck as a named row of `HOME_DECK_FIELDS`, its exam eligibility worked out first
    where an import or an edit cleared it (rare: the deck instances are built only then)."""
    decks = list(Deck.objects.values_list(*HOME_DECK_FIELDS, named=True))
    unknown = [d.pk for d in decks if d.exam_bank_at is None]
    if unknown:
        for deck in Deck.objects.filter(pk__in=unknown):
            exams.refresh_eligibility(deck=deck, now=now)
        decks = list(Deck.objects.values_list(*HOME_DECK_FIELDS, named=True))
    return decks


def _home_context(request: HttpRequest, form: StartExamForm) -> dict:
    now = timezone.now()
    # The latest attempts only, so the page's cost stops growing with a long history: the page
    # shows the open ones, the latest finished ones and the latest exams' trend, all among these
    # unless hundreds of practice runs came after the last exams. (Selecting exactly those rows
    # took three subqueries, which cost more than reading a typical history whole.)
    attempts = _home_attempts(request.user)
    overdue = [
        a.pk
        for a in attempts
        if a.submitted_at is None and a.deadline is not None and now >= a.deadline
    ]
    if overdue:
        # An attempt whose time ran out is submitted first, so the page lists it as finished.
        for attempt in ExamAttempt.objects.filter(pk__in=overdue):
            exams.close_if_overdue(attempt=attempt, now=now)
        attempts = _home_attempts(request.user)
    all_decks = _home_decks(now)
    figures = exams.readiness_of_banks(
        user=request.user, banks={d.pk: d.exam_bank_at for d in all_decks}, now=now
    )
    submitted = [a for a in attempts if a.submitted_at is not None]
    trend = [a for a in reversed(submitted) if a.mode == ExamAttempt.Mode.EXAM][-HISTORY_LENGTH:]
    # The topic picker lists the chosen deck's topics only (an exam draws from one deck), so the
    # page stays small with many decks; choosing another deck fetches its list.
    chosen = form.data.get("deck") if form.is_bound else form.initial.get("deck")
    deck = next((d for d in all_decks if d.slug == chosen), all_decks[0] if all_decks else None)
    history = submitted[:HISTORY_ROWS]
    return {
        "form": form,
        "decks": _deck_rows(all_decks, figures, deck) if all_decks else None,
        "chosen_deck": deck,
        "topics": _topic_checkboxes(deck.pk if deck is not None else None),
        "open_attempts": _open_attempts([a for a in attempts if a.submitted_at is None]),
        "history": _history_rows(history) if history else None,
        "sparkline": _sparkline(trend),
        "model_exam": (exams.MODEL_EXAM_QUESTIONS, exams.MODEL_EXAM_MINUTES),
    }


class OpenAttempt(NamedTuple):
    """What the "In progress" list shows of an unsubmitted attempt."""

    pk: int
    url: str
    mode: str
    deck_title: str | None
    count: int
    started_at: datetime


def _open_attempts(attempts: list[tuple]) -> list[OpenAttempt]:
    """The "In progress" list's entries, from named rows of `HOME_ATTEMPT_FIELDS`."""
    modes = dict(ExamAttempt.Mode.choices)
    return [
        OpenAttempt(
            pk=a.pk,
            url=reverse("exam_attempt", args=[a.pk]),
            mode=modes.get(a.mode, a.mode),
            deck_title=a.deck__title if a.deck_id is not None else None,
            count=a.count,
            started_at=a.started_at,
        )
        for a in attempts
    ]


def _esc(value: object) -> str:
    """HTML-escaped text, as the template's autoescaping gives (the standard library's escape,
    which Django's wraps, without the lazy-string and SafeString checks a value)."""
    return html.escape(str(value))


def _pct(value: float | None) -> str:
    """A fraction as a whole percentage, rounded as `{% widthratio value 1 100 %}` does."""
    return "" if value is None else str(round(value * 100))


def _deck_rows(
    decks: list[tuple], figures: dict[int, tuple[float, int]], chosen: tuple | None
) -> dict[str, SafeString]:
    """The deck menu's options, the no-script deck links and the readiness table's rows, built
    in one pass: three template loops over every deck, with a dozen nodes a row, cost more than
    the rest of the page. Every value from the database goes through `_esc`."""
    options: list[str] = []
    links: list[str] = []
    rows: list[str] = []
    chosen_pk = chosen.pk if chosen is not None else None
    for deck in decks:
        readiness, available = figures[deck.pk]
        slug, title = _esc(deck.slug), _esc(deck.title)
        selected = " selected" if deck.pk == chosen_pk else ""
        plural = "" if available == 1 else "s"
        options.append(
            f'<option value="{slug}"{selected}>{title} ({available} question{plural})</option>'
        )
        links.append(f'<a href="?deck={slug}">{title}</a>')
        blueprint = Blueprint.from_json(deck.exam_blueprint)
        detail = ""
        if blueprint:
            parts = []
            if blueprint.questions:
                parts.append(f"{_esc(blueprint.questions)} questions")
            if blueprint.minutes:
                parts.append(f" in {_esc(blueprint.minutes)} minutes")
            if blueprint.domains:
                shares = ", ".join(f"{_esc(t)} {_pct(share)}%" for t, share in blueprint.shares())
                parts.append(f"; {shares}")
            detail = f'<br><span class="muted small blueprint">Blueprint: {"".join(parts)}</span>'
        rows.append(
            f'<tr><td>{title}{detail}</td><td class="num">{available}</td>'
            f'<td class="num">{_pct(readiness)}%</td></tr>'
        )
    return {
        "options": mark_safe("".join(options)),  # noqa: S308 - escaped above
        "links": mark_safe(" · ".join(links)),  # noqa: S308 - escaped above
        "readiness_rows": mark_safe("".join(rows)),  # noqa: S308 - escaped above
    }


def _topic_checkboxes(deck_id: int | None) -> SafeString:
    """A checkbox for each active topic of the deck, indented by its level (built here like the
    deck rows: a deck can have hundreds of topics)."""
    # One plain query, written out: the ORM's building of it cost more than running it.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title, level FROM {quote(Topic._meta.db_table)}"
            f" WHERE deck_id = %s AND is_active ORDER BY {quote('order')}",
            [deck_id],
        )
        topics = cursor.fetchall()
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<label class="check" style="margin-left: {_esc(level)}em"><input type="checkbox"'
            f' name="topics" value="{pk}"> {_esc(title)}</label>'
            for pk, title, level in topics
        )
    )


def _history_rows(attempts: list[tuple]) -> SafeString:
    """The history table's rows (one node in the template, not a dozen a row), from named rows
    of `HOME_ATTEMPT_FIELDS`; every value from the database goes through `_esc`."""
    results_url = url_for("exam_results", "909")
    modes = dict(ExamAttempt.Mode.choices)
    rows = []
    for a in attempts:
        predicted = "–" if a.predicted_score is None else f"{_pct(a.predicted_score)}%"
        deck = _esc((a.deck__title if a.deck_id is not None else "") or "–")
        badge = (
            '<span class="badge pass">Pass</span>'
            if a.score is not None and a.score >= a.pass_mark
            else '<span class="badge fail">Fail</span>'
        )
        rows.append(
            f'<tr><td><a href="{_esc(results_url(a.pk))}">'
            f"{localtime(a.started_at):%Y-%m-%d %H:%M}</a></td>"
            f"<td>{_esc(modes.get(a.mode, a.mode))}</td><td>{deck}</td>"
            f'<td class="num">{_pct(a.score)}%</td><td class="num">{predicted}</td>'
            f"<td>{badge}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - escaped above


def _sparkline(attempts: list[tuple], width: int = 240, height: int = 48) -> dict | None:
    """Points for a server-rendered SVG polyline of exam scores (oldest first)."""
    if not attempts:
        return None
    step = width / max(1, len(attempts) - 1)
    points = [
        (round(i * step, 1), round(height - (a.score or 0) * height, 1))
        for i, a in enumerate(attempts)
    ]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
        "pass_y": round(height - attempts[-1].pass_mark * height, 1),
        "scores": [a.score for a in attempts],
    }


@require_POST
@login_required
def exam_start(request: HttpRequest) -> HttpResponse:
    form = StartExamForm(request.POST)
    if not form.is_valid():
        return render(request, "quiz/exams.html", _home_context(request, form), status=400)
    data = form.cleaned_data
    now = timezone.now()
    open_attempt = ExamAttempt.objects.filter(
        user=request.user, mode=data["mode"], submitted_at__isnull=True
    ).first()
    if open_attempt and not exams.close_if_overdue(attempt=open_attempt, now=now):
        if open_attempt.deck_id == data["deck"].pk or request.POST.get("replace") != "1":
            if open_attempt.deck_id != data["deck"].pk:
                # Another deck asked for: the learner chooses, nothing is lost unasked.
                return render(
                    request,
                    "quiz/exam_in_progress.html",
                    {"open": open_attempt, "deck": data["deck"], "post": request.POST},
                )
            # A double click or a second tab must not start a second clock.
            messages.info(request, "You have one in progress: here it is. Submit it to start anew.")
            return redirect(open_attempt)
        # "Submit it and start the new one": scored as it stands, then the new one starts.
        exams.submit_attempt(attempt=open_attempt, now=now)
    deck = data["deck"]
    topic_ids = [t.pk for t in data["topics"]]
    count = data["count"]
    if count is None:
        available = exams.available_questions(deck=deck, topic_ids=topic_ids, tag=data["tag"])
        blueprint = Blueprint.from_json(deck.exam_blueprint)
        wanted = exams.DEFAULT_COUNT
        if blueprint and blueprint.questions and not topic_ids:
            wanted = blueprint.questions
        count = max(1, min(wanted, available))
    try:
        attempt = exams.start_attempt(
            user=request.user,
            deck=deck,
            now=now,
            mode=data["mode"],
            count=count,
            topic_ids=topic_ids,
            seed=data["seed"],
            time_limit_s=data["minutes"] * 60 if data["minutes"] else None,
            pass_mark=data["pass_mark"] / 100,
            tag=data["tag"],
        )
    except exams.ExamError as error:
        form.add_error(None, str(error))
        return render(request, "quiz/exams.html", _home_context(request, form), status=400)
    return redirect(attempt)


# --- taking it ----------------------------------------------------------------------------


@require_GET
@login_required
def exam_attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Resume: the question last shown, or the results once submitted."""
    attempt = _get_attempt_for_user(request, attempt_id)
    if attempt.is_submitted:
        return redirect("exam_results", attempt.pk)
    return redirect(_question_url(attempt, attempt.position))


@dataclass(frozen=True)
class PaletteEntry:
    """One question's button in the palette: what it needs of the question, and no more."""

    position: int
    is_answered: bool
    flagged: bool
    current: bool

    @property
    def css(self) -> str:
        names = ["current"] if self.current else []
        names += ["answered"] if self.is_answered else []
        names += ["flagged"] if self.flagged else []
        return " ".join(names)

    @property
    def label(self) -> str:
        answered = ", answered" if self.is_answered else ""
        return f"Question {self.position}{answered}{', flagged' if self.flagged else ''}"


def _palette_html(entries: list[PaletteEntry]) -> SafeString:
    """The palette's buttons, one a question (65 in a model exam), built here: a template loop
    of a dozen nodes a button cost a third of the page. Nothing in them comes from the learner
    or the notes (positions and fixed words), so there is nothing to escape."""
    current = ' aria-current="step"'
    return mark_safe(  # noqa: S308 - no text from the database
        "".join(
            f'\n      <button type="submit" name="go" value="{e.position}" class="{e.css}"'
            f'{current if e.current else ""} aria-label="{e.label}">{e.position}</button>'
            for e in entries
        )
    )


def _palette_entries(attempt: ExamAttempt, position: int) -> list[PaletteEntry]:
    """Every question of the attempt as its palette button shows it (what `exams.counts`
    counts), read as plain rows."""
    return [
        PaletteEntry(
            position=pos, is_answered=bool(chosen), flagged=flagged, current=pos == position
        )
        for pos, chosen, flagged in attempt.questions.order_by("position").values_list(
            "position", "chosen", "flagged"
        )
    ]


def _render_question(request: HttpRequest, attempt: ExamAttempt, position: int) -> HttpResponse:
    # The question on screen in full; of the others only what their palette buttons show
    # (building every question with its options and explanations cost more than the page).
    question = attempt.questions.filter(position=position).first()
    if question is None:
        raise Http404("No such question")
    question.attempt = attempt
    questions = _palette_entries(attempt, position)
    if attempt.position != position:
        ExamAttempt.objects.filter(pk=attempt.pk).update(position=position)
        attempt.position = position
    reveal = question.can_reveal
    options = [
        {
            "index": i,
            "text": text,
            "chosen": i in question.chosen,
            # Only computed when it may be shown: the template cannot leak what it never gets.
            "right": (i in question.correct) if reveal else None,
            "why": _why(question, i) if reveal else None,
        }
        for i, text in enumerate(question.options)
    ]
    seconds_left = attempt.seconds_left(timezone.now())
    context = {
        "attempt": attempt,
        "question": question,
        "options": options,
        "palette": _palette_html(questions),
        "counts": exams.counts(questions),
        "kind_label": KIND_LABELS.get(question.kind, ""),
        "seconds_left": seconds_left,
        "clock": _clock(seconds_left),
        "is_last": position == len(questions),
        "reveal": reveal,
    }
    template = "quiz/exam_question.html#exam" if request.htmx else "quiz/exam_question.html"
    response = render(request, template, context)
    # The same URL answers with the page or its partial: no cache may swap one for the other.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _why(question: ExamQuestion, index: int) -> dict | None:
    """Why option `index` is right or wrong (only ever called once it may be revealed)."""
    explained = question.option_explanations or []
    return explained[index] if index < len(explained) else None


def _clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@require_GET
@login_required
def exam_question(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, attempt_id)
    if attempt.is_submitted:
        return redirect("exam_results", attempt.pk)
    return _render_question(request, attempt, position)


def _chosen(request: HttpRequest, question: ExamQuestion) -> list[int]:
    picked = []
    for value in request.POST.getlist("choice"):
        if value.isdigit():
            picked.append(int(value))
    return picked


def _target(go: str, question: ExamQuestion, total: int) -> int:
    if go == "next":
        return min(total, question.position + 1)
    if go == "prev":
        return max(1, question.position - 1)
    if go.isdigit() and 1 <= int(go) <= total:
        return int(go)
    return question.position


@require_POST
@login_required
def exam_answer(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Save this question's state (the choice, the flag) and go where the button said.

    One endpoint for "Next", "Previous", a palette number and "Flag", because each of them
    must keep the choice the learner just made."""
    attempt = _get_attempt_for_user(request, attempt_id)
    question = _get_question(attempt, position)
    now = timezone.now()
    if attempt.is_submitted:  # (the helper said so if the deadline has just closed it)
        return _go(request, reverse("exam_results", args=[attempt.pk]))
    chosen = _chosen(request, question)
    if chosen and question.chosen != sorted(set(chosen)):
        outcome = exams.answer_question(question=question, chosen=chosen, now=now)
        if outcome.reason == "late":
            messages.warning(request, "Time was up: that answer came after the deadline.")
            return _go(request, reverse("exam_results", args=[attempt.pk]))
        if outcome.reason == "invalid":
            messages.error(request, f"Choose at most {question.choose}.")
    if "flag" in request.POST:
        exams.set_flag(question=question, flagged=request.POST["flag"] == "on", now=now)
    go = request.POST.get("go", "")
    if go == "save":  # the page saved a choice as it was made; it stays where it is
        if not request.htmx:
            return HttpResponse(status=204)
        # ... and its progress counts follow the choice (swapped in out of band).
        counts = exams.counts(_palette_entries(attempt, question.position))
        return render(
            request,
            "quiz/exam_question.html#counts",
            {"attempt": attempt, "counts": counts, "oob": True},
        )
    if go == "review":
        return _go(request, reverse("exam_review", args=[attempt.pk]))
    total = attempt.questions.count()
    target = _target(go, question, total)
    url = _question_url(attempt, target)
    if request.htmx:
        response = _render_question(request, attempt, target)
        push_url(response, url)
        return response
    return redirect(url)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that also works from an htmx request (which would swap it in place)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
@login_required
def exam_review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Before submitting: what is answered, unanswered and flagged."""
    attempt = _get_attempt_for_user(request, attempt_id)
    if attempt.is_submitted:
        return redirect("exam_results", attempt.pk)
    questions = list(attempt.questions.all())
    seconds_left = attempt.seconds_left(timezone.now())
    context = {
        "attempt": attempt,
        "questions": questions,
        "counts": exams.counts(questions),
        "seconds_left": seconds_left,
        "clock": _clock(seconds_left),
    }
    return render(request, "quiz/exam_review.html", context)


@require_POST
@login_required
def exam_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, attempt_id)
    exams.submit_attempt(attempt=attempt, now=timezone.now())
    return _go(request, reverse("exam_results", args=[attempt.pk]))


# Results: which questions the list shows (a real exam simulator's review filters).
REVIEW_FILTERS = {
    "all": ("All", lambda q: True),
    "incorrect": ("Incorrect", lambda q: q.is_answered and not q.is_correct),
    "flagged": ("Flagged", lambda q: q.flagged),
    "unanswered": ("Unanswered", lambda q: not q.is_answered),
}


# Questions drawn per page of the review list: a long exam's review (each question with its
# options and why each is right or wrong) is paged rather than sent whole.
REVIEW_PAGE = 25


def _options_html(question: exams.ReviewedQuestion, topic_url: Callable[[int], str]) -> str:
    """A reviewed question's options, each marked chosen or right and with why it is right or
    wrong (its source card, linked to its notes). Built here rather than by a template loop:
    a page of 25 questions has a hundred options, each a dozen template nodes. Every piece of
    text is escaped (`_esc`: `format_html`'s lazy-string checks cost more than the escaping)."""
    explained = question.option_explanations or []
    items = []
    for i, text in enumerate(question.options):
        right, chosen = i in question.correct, i in question.chosen
        css = ' class="is-right"' if right else ' class="is-wrong"' if chosen else ""
        parts = [f'<li{css}><span class="option-text">{i + 1}. {_esc(text)}</span>']
        if chosen:
            parts.append(' <span class="verdict">your answer</span>')
        if right:
            parts.append(' <span class="verdict">right answer</span>')
        why = explained[i] if i < len(explained) else None
        if why:
            title = why.get("title") or ""
            topic = why.get("topic")
            if title and topic:
                title_html = f'<em><a href="{_esc(topic_url(topic))}">{_esc(title)}</a></em>'
            elif title:
                title_html = f"<em>{_esc(title)}</em>"
            else:
                title_html = ""
            parts.append(
                f'<p class="why small">{_esc(why.get("lead", ""))}{title_html}'
                f"{_esc(why.get('detail', ''))}</p>"
            )
        parts.append("</li>")
        items.append("".join(parts))
    return '<ul class="options-review">' + "".join(items) + "</ul>"


def _review_items(shown: list[exams.ReviewedQuestion]) -> SafeString:
    """The review list's items for the questions on the page: the verdict, the stem, the options
    and the explanation from the notes. Built here for the same reason as the options (a
    template loop over 25 questions cost a third of the page). The right answer is in it, so
    the view calls this for a submitted attempt only; every value from the database is escaped
    (explanation_html is the notes' own HTML, sanitized at import)."""
    # One reverse() for every topic link (a page's options link dozens).
    topic_url = url_for("topic_detail", "909")
    items = []
    for q in shown:
        answered = bool(q.chosen)
        verdict = "✓ Right" if q.is_correct else "✗ Wrong" if answered else "– Unanswered"
        if q.flagged:
            verdict += " · ⚑ flagged"
        if q.domain_title:
            verdict += f" · {_esc(q.domain_title)}"
        if q.kind == "exercise":
            stem = f'<div class="stem prose">{notes_markdown(q.stem)}</div>'
        else:
            stem = f'<p class="stem">{linebreaksbr(q.stem, autoescape=True)}</p>'
        source = ""
        if q.topic_id:
            source = (
                f'<p class="small"><a href="{_esc(topic_url(q.topic_id))}">'
                f"{_esc(q.topic_path)}</a></p>"
            )
        items.append(
            f'\n    <li value="{q.position}" class="card-box review-item '
            f'{"good" if q.is_correct else "bad"}" id="q{q.position}">\n'
            f'      <p class="muted small">{verdict}</p>\n'
            f"      {stem}\n"
            f"      {_options_html(q, topic_url)}\n"
            "      <details><summary>Explanation from your notes</summary>"
            f'<div class="prose">{q.explanation_html}</div>{source}</details>\n'
            "    </li>\n  "
        )
    return mark_safe("".join(items))  # noqa: S308 - escaped above


def _breakdown_rows(
    breakdown: list[exams.DomainScore], *, weighted: bool, pass_mark: float
) -> SafeString:
    """The by-domain table's rows, built here like the review list (a dozen template nodes a
    domain); every title is escaped."""
    topic_url = url_for("topic_detail", "909")
    rows = []
    for row in breakdown:
        title = _esc(row.title)
        if row.topic_id:
            title = f'<a href="{_esc(topic_url(row.topic_id))}">{title}</a>'
        shares = ""
        if weighted:
            weight = "–" if row.weight is None else f"{_pct(row.weight)}%"
            shares = (
                f'<td class="num weight">{weight}</td>'
                f'<td class="num asked">{_pct(row.asked_share)}%</td>'
            )
        score = f"{_pct(row.fraction)}%" if row.total else "–"
        ok = " ok" if row.fraction >= pass_mark else ""
        rows.append(
            f"\n    <tr><td>{title}</td>{shares}"
            f'<td class="num">{row.correct}/{row.total}</td><td class="num">{score}</td>'
            f'<td class="bar-cell"><span class="bar-track"><span class="bar{ok}" '
            f'style="width: {_pct(row.fraction)}%"></span></span></td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - escaped above


@require_GET
@login_required
def exam_results(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, attempt_id)
    if not attempt.is_submitted:
        return redirect(attempt)
    # Every question's outcome (the filters' counts, the breakdown, the retake count) as plain
    # values; the options and explanations decoded only for the page shown.
    questions = exams.result_questions(attempt=attempt)
    show = request.GET.get("show", "all")
    if show not in REVIEW_FILTERS:
        show = "all"
    # Each filter's questions, once: the active one is paged, the others are counted.
    matching = {
        key: [q for q in questions if keep(q)] for key, (_label, keep) in REVIEW_FILTERS.items()
    }
    chosen = matching[show]
    pages = max(1, -(-len(chosen) // REVIEW_PAGE))
    try:
        page = min(pages, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        page = 1
    shown = [q.reviewed() for q in chosen[(page - 1) * REVIEW_PAGE : page * REVIEW_PAGE]]
    filters = [
        {"key": key, "label": label, "count": len(matching[key]), "active": key == show}
        for key, (label, _keep) in REVIEW_FILTERS.items()
    ]
    context = {
        "attempt": attempt,
        "review_items": _review_items(shown),
        "shown_count": len(shown),
        "show": show,
        "page": page,
        "pages": pages,
        "first_shown": (page - 1) * REVIEW_PAGE + 1,
        "last_shown": (page - 1) * REVIEW_PAGE + len(shown),
        "chosen_count": len(chosen),
        "filters": filters,
    }
    if request.htmx and request.GET.get("show"):
        # A filter or a page of the list swapped in: the list alone, without the summary, the
        # breakdown and the trend around it (so without the trend's query either).
        response = render(request, "quiz/exam_results.html#review", context)
    else:
        breakdown = exams.breakdown(questions, attempt.blueprint)
        weighted = any(row.weight is not None for row in breakdown)
        context |= {
            "retake_count": len([q for q in questions if not q.is_correct or q.flagged]),
            "counts": exams.counts(questions),
            "breakdown_rows": _breakdown_rows(
                breakdown, weighted=weighted, pass_mark=attempt.pass_mark
            ),
            "weighted": weighted,
            "trend": _trend_chart(request, attempt),
            "time_used": _clock(attempt.time_used_s),
            "time_limit": _clock(attempt.time_limit_s),
        }
        response = render(request, "quiz/exam_results.html", context)
    # The same URL answers with the page or the list alone: no cache may swap one for the other.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _trend_chart(request: HttpRequest, attempt: ExamAttempt) -> dict | None:
    """Each domain's score across the learner's mock exams on this deck (server-rendered SVG),
    once there are two to compare."""
    if not attempt.is_exam:
        return None
    trend = exams.domain_trend(user=request.user, deck=attempt.deck, blueprint=attempt.blueprint)
    if len(trend.attempts) < 2:
        return None
    zone = timezone.get_current_timezone()
    labels = [a.submitted_at.astimezone(zone).strftime("%-d %b") for a in trend.attempts]
    # The most-asked domains get a line each (six colours); the table has them all.
    asked = sorted(trend.domains, key=lambda t: -sum(1 for v in trend.domains[t] if v is not None))[
        : len(charts.LINE_CLASSES)
    ]
    series = [
        charts.Series(title, charts.LINE_CLASSES[i], trend.domains[title])
        for i, title in enumerate(asked)
    ]
    here = next((i for i, a in enumerate(trend.attempts) if a.pk == attempt.pk), None)
    svg = charts.multi_line_chart(
        chart_id="domain-trend",
        title="Score by domain across your mock exams on this deck",
        labels=labels,
        series=series,
        percent=True,
        # About six dates fit under the plot ("13 Jul" is ~40 units wide) without touching.
        label_every=max(1, -(-len(labels) // 6)),
        marker=here,
        marker_label="This attempt",
        dots=True,
    )
    # The table under the chart: a cell per domain and attempt (twenty attempts of six domains
    # are 120 cells), built here like the review list; every title is escaped.
    head = "".join(f'<th class="num">{_esc(label)}</th>' for label in labels)
    body = "".join(
        f"\n        <tr><td>{_esc(title)}</td>"
        + "".join(
            f'<td class="num">{"–" if value is None else f"{_pct(value)}%"}</td>'
            for value in values
        )
        + "</tr>\n      "
        for title, values in trend.domains.items()
    )
    return {
        "svg": mark_safe(svg),  # noqa: S308 - escaped
        "head": mark_safe(head),  # noqa: S308 - escaped
        "body": mark_safe(body),  # noqa: S308 - escaped
    }


@require_POST
@login_required
def exam_retake(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Practice the missed and flagged questions of a submitted attempt again."""
    attempt = _get_attempt_for_user(request, attempt_id)
    try:
        retake = exams.start_retake(attempt=attempt, now=timezone.now())
    except exams.RetakeError as error:
        messages.info(request, str(error))
        return _go(request, reverse("exam_results", args=[attempt.pk]))
    return _go(request, retake.get_absolute_url())
