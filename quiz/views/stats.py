"""The statistics page: a learner's progress as SVG charts, each with its numbers in a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
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
    months = charts.month_summaries(
        start=view.heatmap.start, end=view.heatmap.end, counts=view.heatmap.counts
    )
    return {
        "svg": {name: mark_safe(svg) for name, svg in svgs.items()},  # noqa: S308
        "tables": _tables(view, months=months, state_rows=state_rows, tz=tz),
    }


# The data tables' rows are built here rather than in template loops: about 120 rows of small
# cells, which Django's template engine renders several times slower than these few lines.


def _cell(value: Any) -> str:
    if isinstance(value, (int, SafeString)):
        return str(value)
    return escape(str(value))


def _rows(rows: Iterable[Sequence[Any]], numeric: Sequence[bool]) -> SafeString:
    """Table rows, every cell escaped (a cell that is already safe HTML, a link, kept as is)."""
    html = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_cell(value)}</td>' if is_number else f"<td>{_cell(value)}</td>"
            for value, is_number in zip(row, numeric, strict=True)
        )
        html.append(f"<tr>{cells}</tr>")
    return mark_safe("".join(html))  # noqa: S308  (every cell escaped above)


def _url_maker(name: str) -> Any:
    """pk -> the URL of view `name` for it, reversed once per page rather than once a row (a
    reverse costs about as much as rendering a whole row)."""
    marker = "4242424242"
    before, after = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{before}{pk}{after}"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _percent(value: float) -> int:
    return round(value * 100)


def _tables(
    view: stats.Overview, *, months: list[charts.MonthSummary], state_rows: list, tz: Any
) -> dict[str, SafeString]:
    heatmap = view.heatmap
    month_rows = []
    for i, month in enumerate(months):
        label = f"{month.month:%b %Y}"
        if i == 0 and month.month != heatmap.start:
            label += f" (from {heatmap.start.day} {heatmap.start:%b})"
        busiest = f"{_day(month.busiest_day)} ({month.busiest})" if month.busiest_day else "–"
        month_rows.append((label, f"{month.answers:,}", month.active_days, busiest))
    forecast_rows = [
        (_day(day) if i else "Today (with overdue)", n) for i, (day, n) in enumerate(view.forecast)
    ]
    buttons = view.buttons
    rating_rows = [(RATING_NAMES[r], buttons.learning[r], buttons.review[r]) for r in RATINGS]
    topic_url, results_url = _url_maker("study_topic"), _url_maker("exam_results")
    mastery_rows = [
        (
            SafeString(f'<a href="{topic_url(t.topic_id)}">{escape(t.path)}</a>'),
            f"{t.studied}/{t.cards}",
            SafeString(
                f'<meter max="1" value="{t.mastery:.3f}" aria-hidden="true"></meter>'
                f" {_percent(t.mastery)}%"
            ),
        )
        for t in view.mastery.weakest
    ]
    exam_rows = [
        (
            SafeString(f'<a href="{results_url(a.pk)}">{_when(a.submitted_at.astimezone(tz))}</a>'),
            a.mode_label,
            f"{_percent(a.score)}% ({a.correct_count}/{a.count})",
            f"{_percent(a.pass_mark)}%",
        )
        for a in view.exams
    ]
    return {
        "months": _rows(month_rows, (False, True, True, False)),
        "forecast": _rows(forecast_rows, (False, True)),
        "ratings": _rows(rating_rows, (False, True, True)),
        "states": _rows(state_rows, (False, True)),
        "mastery": _rows(mastery_rows, (False, True, True)),
        "exams": _rows(exam_rows, (False, False, True, True)),
    }


def _when(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y %H:%M}"


@require_GET
@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    view = stats.overview(user=request.user, now=timezone.now())
    return render(request, "quiz/stats.html", {"stats": view, **_charts(view)})
