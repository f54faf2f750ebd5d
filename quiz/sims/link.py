"""Which simulation a topic or card shows: from a ```sim block in the notes, or, for a card about
windows or KPL batching in notes without a block, one suggested from its words."""

from __future__ import annotations

import re
from typing import Any

from quiz.sims.embed import parse_embed
from quiz.sims.errors import SpecError
from quiz.sims.kinds import SIM_KINDS


def validate_sim_block(params: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """Validate a ```sim block's `key: value` pairs: (spec, None) or (None, problem)."""
    try:
        return parse_embed(params), None
    except SpecError as exc:
        return None, f"bad sim block: {exc}"


# The block each suggestion stands for: the same `key: value` pairs an author would write. Each
# kind's plain suggestion is its registry entry's `link_block`; these refine it from the words.
_TUMBLING_LATE = {
    "type": "tumbling",
    "size": "1m",
    "preset": "ticker_late",
    "floor": "1m",
    "until": "2018-01-01T11:02:00",
}
_STAGGER_VPC = {"type": "stagger", "size": "5m", "preset": "vpc_flow_logs"}
_STAGGER_CLICKS = {"type": "stagger", "size": "10s", "preset": "clickstream"}
# Words that put "window" (or a window type's name) in the streaming-SQL sense.
_WINDOW_CONTEXT = re.compile(
    r"\bwindow(?:s|ed)?\b|\browtime\b|\bover\s*\(|\bkinesis (?:data )?analytics\b|\bkda\b"
)
_STREAM_SQL = re.compile(
    r"\bkinesis (?:data )?analytics\b|\bkda\b|\browtime\b|\bin-application stream|"
    r"\bwindowed quer"
)
# KPL: the library itself, or its batching vocabulary next to Kinesis records/shards. "Producer
# library" alone is not enough (Kinesis Video Streams has one too), nor is "collection" alone.
_KPL_STRONG = re.compile(
    r"\bkpl\b|\bkinesis producer library\b|\bputrecords\b|\baggregated (?:kinesis )?records?\b|"
    r"\buser records?\b|\brecordmaxbufferedtime\b|\baggregationmaxsize\b"
)
_KPL_WORDS = re.compile(r"\b(?:aggregation|collection|batching|batch(?:es|ed)?)\b")
_KPL_CONTEXT = re.compile(r"\bkinesis (?:data streams? )?records?\b|\bshards?\b")


def _first_window_type(*texts: str) -> str | None:
    """The window kind first named in `texts`, by any of its registry words (read each call, so
    a kind registered later is found too; `re` caches the compiled pattern)."""
    word_kind = {
        word: kind.name
        for kind in SIM_KINDS.values()
        if kind.family == "windows"
        for word in kind.link_words
    }
    pattern = re.compile(r"\b(" + "|".join(sorted(word_kind, key=len, reverse=True)) + r")\b")
    for text in texts:
        m = pattern.search(text)
        if m:
            return word_kind[m.group(1)]
    return None


def suggest_simulation(topic_path: str, prompt: str, answer: str) -> dict[str, Any] | None:
    """A simulation spec for a card about KDA windows or KPL batching, else ``None``.

    Keyword rules, most specific first: a window type named in the prompt, then in the answer,
    then in the topic path (tumbling, sliding or stagger, in the streaming-SQL sense), picks that
    window with a sensible preset (stagger on VPC flow logs or clickstream when the card says
    so; tumbling on the late-data example when it talks about late rows); a generic "windowed
    query" card gets tumbling; KPL, aggregation, collection, PutRecords or batching in a Kinesis
    context gets the KPL batching simulation. Pure: the importer calls it per card.
    """
    topic, p, a = topic_path.lower(), prompt.lower(), answer.lower()
    everything = f"{topic}\n{p}\n{a}"
    params: dict[str, str] | None = None
    kind = _first_window_type(p, a, topic)
    # "Tumbling" is only ever a window; "sliding"/"stagger" need the window sense nearby.
    if kind is not None and (kind == "tumbling" or _WINDOW_CONTEXT.search(everything)):
        params = dict(SIM_KINDS[kind].link_block)
        if kind == "tumbling" and re.search(r"\blate\b", everything):
            params = _TUMBLING_LATE
        elif kind == "stagger" and ("vpc" in everything or "flow log" in everything):
            params = _STAGGER_VPC
        elif kind == "stagger" and "clickstream" in everything:
            params = _STAGGER_CLICKS
    elif _STREAM_SQL.search(f"{p}\n{a}") and re.search(r"\bwindow", f"{p}\n{a}"):
        params = (
            _TUMBLING_LATE
            if re.search(r"\blate\b", everything)
            else SIM_KINDS["tumbling"].link_block
        )
    elif _KPL_STRONG.search(f"{p}\n{a}") or (
        _KPL_WORDS.search(f"{p}\n{a}")
        and (_KPL_CONTEXT.search(everything) or _KPL_STRONG.search(topic))
    ):
        params = SIM_KINDS["kpl"].link_block
    if params is None:
        return None
    return parse_embed(dict(params))
