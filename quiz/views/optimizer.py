"""Settings → FSRS: optimize my parameters (a background task, polled by htmx) and the
workload-and-retention chart ("help me decide")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from quiz import charts, optimizing, scheduling, study
from quiz.models import OptimizerRun

# The retentions drawn as lines over the year (every one of 0.70–0.99 is in the table).
YEAR_LINES = (0.70, 0.80, 0.85, 0.90, 0.95, 0.99)


def settings_context(user) -> dict:
    """What the settings page shows about the learner's FSRS parameters."""
    profile = study.profile_for(user)
    fitted = scheduling.valid_parameters(profile.fsrs_parameters)
    # Only whether there are enough matters here: the exact size of a long log is not shown.
    reviews = optimizing.review_count(user, at_most=scheduling.MIN_REVIEWS)
    return {
        "profile": profile,
        "fitted_parameters": fitted,
        "parameters_shown": [round(p, 4) for p in (fitted or scheduling.DEFAULT_PARAMETERS)],
        "review_count": reviews,
        "min_reviews": scheduling.MIN_REVIEWS,
        "enough_reviews": reviews >= scheduling.MIN_REVIEWS,
        "reviews_needed": max(0, scheduling.MIN_REVIEWS - reviews),
        "run": OptimizerRun.objects.filter(user=user).first(),
    }


@require_POST
@login_required
def optimize_start(request: HttpRequest) -> HttpResponse:
    try:
        run = optimizing.request_run(request.user)
    except scheduling.NotEnoughReviews as error:
        if request.htmx:
            return render(
                request, "quiz/study_settings.html#optimizer-status", {"error": str(error)}
            )
        messages.error(request, str(error))
        return redirect("study_settings")
    if request.htmx:
        return render(request, "quiz/study_settings.html#optimizer-status", {"run": run})
    return redirect("study_settings")


@require_GET
@login_required
def optimize_status(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(OptimizerRun, pk=run_id, user=request.user)
    return render(request, "quiz/study_settings.html#optimizer-status", {"run": run})


@require_POST
@login_required
def optimize_reset(request: HttpRequest) -> HttpResponse:
    optimizing.reset_parameters(request.user)
    messages.success(request, "Back to FSRS's default parameters.")
    return redirect("study_settings")


def workload_charts(workloads: list[scheduling.Workload], current: float) -> dict:
    """The two SVG charts and the table rows for the workload section."""
    by_retention = {w.retention: w for w in workloads}
    nearest = min(by_retention, key=lambda r: abs(r - current))
    labels = [f"{w.retention:.2f}" for w in workloads]
    mark = labels.index(f"{nearest:.2f}")
    mark_label = f"Your desired retention: {current:.2f}"
    reviews_by_retention = charts.multi_line_chart(
        chart_id="workload-by-retention",
        title="Average reviews per day over the next year, by desired retention",
        labels=labels,
        series=[charts.Series("Reviews per day", "series-4", [w.mean_reviews for w in workloads])],
        label_every=5,
        marker=mark,
        marker_label=mark_label,
        dots=True,
    )
    memorised_by_retention = charts.multi_line_chart(
        chart_id="memorised-by-retention",
        title="Cards memorised after a year, by desired retention",
        labels=labels,
        series=[charts.Series("Memorised", "series-2", [w.final_memorized for w in workloads])],
        label_every=5,
        marker=mark,
        marker_label=mark_label,
        dots=True,
    )
    lines = [by_retention[r] for r in YEAR_LINES if r in by_retention]
    if nearest not in YEAR_LINES:
        lines = sorted([*lines, by_retention[nearest]], key=lambda w: w.retention)
    days = len(workloads[0].reviews_per_day) if workloads else 0
    # Weeks along the bottom, named every quarter of the year.
    weeks = [
        ("now" if i == 0 else f"{i // 13 * 3} mo") if i % 13 == 0 else "" for i in range(days // 7)
    ]

    def weekly(values: tuple[float, ...]) -> list[float]:
        return [sum(values[i * 7 : i * 7 + 7]) / 7 for i in range(days // 7)]

    def weekly_end(values: tuple[float, ...]) -> list[float]:
        return [values[i * 7 + 6] for i in range(days // 7)]

    css = {w.retention: charts.LINE_CLASSES[i % 6] for i, w in enumerate(lines)}
    reviews_year = charts.multi_line_chart(
        chart_id="workload-reviews",
        title="Simulated reviews per day over the next year (weekly average), by desired retention",
        labels=weeks,
        series=[
            charts.Series(f"{w.retention:.2f}", css[w.retention], weekly(w.reviews_per_day))
            for w in lines
        ],
        label_every=13,
    )
    memorised_year = charts.multi_line_chart(
        chart_id="workload-memorised",
        title="Cards memorised over the next year, by desired retention",
        labels=weeks,
        series=[
            charts.Series(
                f"{w.retention:.2f}",
                css[w.retention],
                [w.memorized[min(days - 1, i * 7 + 6)] for i in range(days // 7)],
            )
            for w in lines
        ],
        label_every=13,
    )
    # The most knowledge for the time: cards memorised per hour of study (new cards included).
    best = max(workloads, key=lambda w: w.memorized_per_hour)
    rows = [
        {
            "retention": w.retention,
            "reviews": w.mean_reviews,
            "peak": max(w.reviews_per_day, default=0),
            "memorized": w.final_memorized,
            "minutes": w.minutes_per_day,
            "per_hour": w.memorized_per_hour,
            "current": w.retention == nearest,
            "best": w is best,
        }
        for w in workloads
    ]
    # charts.py escapes every piece of text it draws.
    return {
        "reviews_by_retention_svg": mark_safe(reviews_by_retention),  # noqa: S308
        "memorised_by_retention_svg": mark_safe(memorised_by_retention),  # noqa: S308
        "reviews_svg": mark_safe(reviews_year),  # noqa: S308
        "memorised_svg": mark_safe(memorised_year),  # noqa: S308
        "rows": rows,
        "best": best,
        "current": current,
    }


@require_GET
@login_required
def workload(request: HttpRequest) -> HttpResponse:
    """The simulated year (about a second of work: loaded after the settings page, by htmx)."""
    profile = study.profile_for(request.user)
    workloads = optimizing.workload(request.user)
    context = {
        **workload_charts(workloads, profile.desired_retention),
        "profile": profile,
        "deck_size": optimizing.collection_size(),
        "fitted": bool(scheduling.valid_parameters(profile.fsrs_parameters)),
    }
    template = "quiz/workload.html#workload" if request.htmx else "quiz/workload.html"
    return render(request, template, context)
