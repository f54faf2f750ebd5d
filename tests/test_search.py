"""The search box's text as a full-text query (pure: no database)."""

from __future__ import annotations

from quiz.search import Term, fts5_query, parse_query, tsquery


def test_words_phrases_and_exclusions() -> None:
    terms = parse_query('Kinesis  "Sliding Window" -glacier')
    assert terms == [
        Term(("kinesis",)),
        Term(("sliding", "window")),
        Term(("glacier",), exclude=True),
    ]
    assert fts5_query(terms) == '"kinesis"* AND "sliding window" NOT "glacier"*'
    assert tsquery(terms) == "'kinesis':* & ('sliding' <-> 'window') & !'glacier':*"


def test_engine_syntax_is_never_passed_through() -> None:
    # Operators, quotes, column filters and punctuation become plain words or nothing.
    terms = parse_query("""NEAR(a b) prompt_md:x "unclosed a*b & | ! ' ;""")
    for word in (w for t in terms for w in t.words):
        assert word.isalnum()
    assert '"' not in "".join(w for t in terms for w in t.words)
    assert parse_query("&| ! ' ;") == []
    # A hyphenated token is a phrase of its parts (as both tokenizers split it).
    assert parse_query("S3-IA") == [Term(("s3", "ia"))]


def test_only_exclusions_or_nothing_is_no_query() -> None:
    assert parse_query("") == []
    assert parse_query("   ") == []
    assert parse_query("-glacier -s3") == []


def test_unicode_words_are_kept_and_case_folded() -> None:
    assert parse_query("Straße ÉTÉ 東京") == [Term(("strasse",)), Term(("été",)), Term(("東京",))]


def test_long_queries_are_bounded() -> None:
    assert len(parse_query(" ".join(f"w{i}" for i in range(100)))) == 12
