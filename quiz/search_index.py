"""The database's own full-text index over cards, kept in step by the database itself.

- SQLite: an FTS5 table with the card table as its external content, and triggers that copy
  every insert, update and delete of a card into it. Imports, admin edits, bulk updates and raw
  SQL all go through the triggers, so nothing in Python has to remember the index.
- PostgreSQL: a stored generated `tsvector` column on the card table with a GIN index: the
  database recomputes it on every write.

SQLite drops a table's triggers when Django rebuilds the table (as it does for many later schema
changes), so `ensure` runs after every `migrate` and puts missing triggers back, rebuilding the
index from the cards when it does.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "quiz_card_fts"
CARD_TABLE = "quiz_card"
SEARCH_COLUMN = "search_vector"
# The text columns searched, in the FTS table's column order.
COLUMNS = ("prompt_md", "answer_md", "term")
_TRIGGERS = ("quiz_card_fts_insert", "quiz_card_fts_delete", "quiz_card_fts_update")


def _sqlite_triggers() -> list[str]:
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    insert = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new});"
    # External content: the old text must be handed back for FTS5 to remove its tokens.
    delete = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    )
    create = "CREATE TRIGGER IF NOT EXISTS"
    return [
        f"{create} {_TRIGGERS[0]} AFTER INSERT ON {CARD_TABLE} BEGIN {insert} END",
        f"{create} {_TRIGGERS[1]} AFTER DELETE ON {CARD_TABLE} BEGIN {delete} END",
        f"{create} {_TRIGGERS[2]} AFTER UPDATE OF {cols} ON {CARD_TABLE}"
        f" BEGIN {delete} {insert} END",
    ]


def install(connection: Any) -> None:
    """Create the index for `connection`'s database and fill it from the cards."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                f"{', '.join(COLUMNS)}, content='{CARD_TABLE}', content_rowid='id',"
                " tokenize='porter unicode61 remove_diacritics 2')"
            )
            for sql in _sqlite_triggers():
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            text = " || ' ' || ".join(f"coalesce({c}, '')" for c in COLUMNS)
            cursor.execute(
                f"ALTER TABLE {CARD_TABLE} ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} tsvector"
                f" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, {text})) STORED"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS quiz_card_search ON {CARD_TABLE}"
                f" USING GIN ({SEARCH_COLUMN})"
            )


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {CARD_TABLE} DROP COLUMN IF EXISTS {SEARCH_COLUMN}")


def ensure(connection: Any) -> bool:
    """Put back what a table rebuild dropped (SQLite); True when the index was repaired."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN"
            f" ({', '.join(['%s'] * (len(_TRIGGERS) + 2))})",
            [FTS_TABLE, CARD_TABLE, *_TRIGGERS],
        )
        present = {name for (name,) in cursor.fetchall()}
    if CARD_TABLE not in present or present >= {FTS_TABLE, *_TRIGGERS}:
        return False
    install(connection)
    return True
