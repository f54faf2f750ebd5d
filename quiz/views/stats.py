"""The statistics page: a learner's progress as SVG charts, each with its numbers in a table."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from quiz import charts, stats, study
from quiz.scheduling import AGAIN, EASY, GOOD, HARD, RATING_NAMES

RATINGS = (AGAIN, HARD, GOOD, EASY)


def _charts(view: stats.Overview) -> dict[str, Any]:
    """Every chart's SVG (charts.py escapes all text, so the strings are safe to embed)."""
    tz = study.zone(view.timezone)
    counts = view.counts
    buttons = view.buttons
    retention = view.retention
    state_rows = [
        ("New", counts.new),
        ("Learning", counts.learning),
        ("Review", counts.review),
        ("Relearning", counts.relearning),
        ("Suspended", counts.suspended),
        ("Leeches", counts.leeches),
    ]
    svgs = {
        "heatmap": charts.calendar_heatmap(
            chart_id="heat",
            title=f"Reviews per day, {view.heatmap.start:%d %b %Y} to {view.heatmap.end:%d %b %Y}",
            start=view.heatmap.start,
            end=view.heatmap.end,
            counts=view.heatmap.counts,
        ),
        "forecast": charts.bar_chart(
            chart_id="forecast",
            title="Cards due on each of the next 30 days (overdue cards on today)",
            labels=[f"{day:%d %b}" if i else "Today" for i, (day, _n) in enumerate(view.forecast)],
            series=[charts.Series("Due", "chart-bar", [n for _day, n in view.forecast])],
            label_every=7,
        ),
        "retention": charts.hbar_chart(
            chart_id="retention",
            title="True retention over the last 30 days, young and mature cards",
            rows=[
                (f"Young ({retention.young_total} answers)", retention.young or 0.0),
                (f"Mature ({retention.mature_total} answers)", retention.mature or 0.0),
            ],
            maximum=1.0,
            percent=True,
            css="chart-good",
        ),
        "buttons": charts.bar_chart(
            chart_id="buttons",
            title="Answer buttons pressed over the last 30 days, learning and review cards",
            labels=[RATING_NAMES[r] for r in RATINGS],
            series=[
                charts.Series("Learning", "chart-bar-alt", [buttons.learning[r] for r in RATINGS]),
                charts.Series("Review", "chart-bar", [buttons.review[r] for r in RATINGS]),
            ],
        ),
        "states": charts.hbar_chart(chart_id="states", title="Cards by state", rows=state_rows),
        "exams": charts.line_chart(
            chart_id="exams",
            title="Exam and practice scores, oldest first",
            points=[(f"{a.submitted_at.astimezone(tz):%d %b}", a.score) for a in view.exams],
            reference=view.exams[-1].pass_mark if view.exams else None,
            reference_label="Pass mark",
        ),
    }
    return {
        "svg": {name: mark_safe(svg) for name, svg in svgs.items()},  # noqa: S308
        "months": charts.month_summaries(
            start=view.heatmap.start, end=view.heatmap.end, counts=view.heatmap.counts
        ),
        "state_rows": state_rows,
        "ratings": [(RATING_NAMES[r], buttons.learning[r], buttons.review[r]) for r in RATINGS],
    }


@require_GET
@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    view = stats.overview(user=request.user, now=timezone.now())
    return render(request, "quiz/stats.html", {"stats": view, **_charts(view)})
