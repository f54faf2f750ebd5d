"""The page benchmark's data builder writes raw SQL for speed, so a column added to a model
can break it silently; this builds a small copy of its dataset on the test database."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quiz.models import Card, CardState, ExamAttempt, Review

BENCH = Path(__file__).resolve().parents[1] / "bench" / "pages.py"


@pytest.mark.django_db
def test_the_pages_bench_builder_fills_todays_schema(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    assert spec and spec.loader
    pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pages)
    for name, value in {
        "CARDS": 400,
        "DECKS": 2,
        "REVIEWS": 3_000,
        "BATCH": 1_000,
        "EXAMS": 2,
        "EXAM_QUESTIONS": 5,
    }.items():
        monkeypatch.setattr(pages, name, value)

    pages.build(datetime.now(UTC))

    assert Card.objects.count() == 400
    # 90 % of each deck studied.
    assert CardState.objects.count() == 360
    assert Review.objects.count() == 3_000
    assert ExamAttempt.objects.filter(submitted_at__isnull=False).count() == 2
    assert ExamAttempt.objects.filter(submitted_at__isnull=True).count() == 1
