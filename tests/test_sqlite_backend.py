"""The SQLite backend that converts each statement's placeholders once (quiz.backends.sqlite3)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.sqlite3 import base as django_sqlite

from quiz.models import Deck

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend"),
]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT %s",
        "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%' AND c IN (%s, %s)",
        "SELECT '%%s' || %s",
        "SELECT 1",
    ],
)
def test_placeholders_convert_as_djangos_backend_converts_them(query: str) -> None:
    from quiz.backends.sqlite3.base import qmark

    with connection.cursor() as cursor:
        ours = cursor.cursor.convert_query(query)
        # Twice: the second comes from what was kept, and is the same.
        assert cursor.cursor.convert_query(query) == ours
    theirs = django_sqlite.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
    assert ours == theirs == qmark(query)


def test_the_project_runs_on_it_and_queries_with_literal_percents_work(deck) -> None:
    from quiz.backends.sqlite3.base import SQLiteCursorWrapper

    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, SQLiteCursorWrapper)
        cursor.execute("SELECT %s || '%%'", ["50"])
        assert cursor.fetchone() == ("50%",)
        # Named parameters keep Django's own conversion.
        cursor.execute("SELECT %(a)s + %(b)s", {"a": 1, "b": 2})
        assert cursor.fetchone() == (3,)
    assert Deck.objects.filter(title__contains="%").count() == 0
    assert Deck.objects.filter(pk=deck.pk).exists()
