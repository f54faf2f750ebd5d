"""Django's SQLite backend, with each statement's placeholders converted once rather than on
every execution.

Django writes SQL with `%s` placeholders and the SQLite driver wants `?`, so the backend runs a
regular expression (with a look-behind, for `%%`) over the whole statement on every execute. For
the study loop's few long statements that scan cost more than SQLite took to run them: about a
tenth of an answer's instructions. The conversion depends on the text alone, so it is kept, for
the most recent statements, by text.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.sqlite3 import base

# Statements whose conversion is kept. An ORM statement's text varies with its arguments' count
# (IN lists), so the oldest are dropped; a few thousand texts of a few KB each at most.
KEPT_STATEMENTS = 2048


@functools.lru_cache(maxsize=KEPT_STATEMENTS)
def qmark(query: str) -> str:
    """`query` in the driver's placeholder style, exactly as Django's backend converts it."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None:
            return qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
