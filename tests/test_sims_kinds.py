"""The registry of simulation kinds: every layer reads it, so a new kind is one entry plus its
engine. The toy kind below is registered in the test only; nothing else in the code base is
touched to make spec, embed, Labs page, figures, exercises and auto-linking work for it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from quiz.sims import kinds, windows
from quiz.sims.embed import parse_embed
from quiz.sims.lab import run_lab
from quiz.sims.link import suggest_simulation
from quiz.sims.spec import run_spec
from tests.factory import make_user


def leap_windows(
    events: Sequence[windows.Event],
    *,
    size: int,
    keys: Sequence[str],
    aggregates: Sequence[windows.Aggregate],
    event_time_floor: int | None = None,
    rowtime_bound: int | None = None,
) -> windows.WindowResult:
    """A toy engine: tumbling windows twice the given size."""
    return windows.tumbling_windows(
        events,
        size=2 * size,
        keys=keys,
        aggregates=aggregates,
        event_time_floor=event_time_floor,
        rowtime_bound=rowtime_bound,
    )


@pytest.fixture
def leap() -> Iterator[kinds.SimKind]:
    entry = kinds.register(
        kinds.SimKind(
            "leap",
            kinds.GROUPED,
            "Leap windows",
            "Tumbling windows of twice the size (a toy for the tests).",
            {"preset": "ticker", "size": "30s", "keys": "ticker", "aggregates": "count"},
            kinds.WINDOW_FIELDS,
            engine=leap_windows,
            exercises=("tumbling",),
            link_words=("leap",),
            link_block={"type": "leap", "size": "30s", "preset": "ticker"},
        )
    )
    yield entry
    del kinds.SIM_KINDS["leap"]


EVENTS = [
    {"rowtime": "2024-01-01T10:00:10", "ticker": "A"},
    {"rowtime": "2024-01-01T10:00:40", "ticker": "A"},
    {"rowtime": "2024-01-01T10:01:05", "ticker": "A"},
]


def test_a_toy_kind_runs_through_the_spec_contract(leap):
    out = run_spec({"kind": "leap", "size": "30s", "keys": ["ticker"], "events": EVENTS})
    # 30 s doubled: the first two rows share the 10:00 window, emitted when 10:01:05 arrives.
    assert [row["values"]["count"] for row in out["emitted"]] == [2]
    assert out["emitted"][0]["rowtime"] == "2024-01-01T10:01:00"
    assert len(out["open"]) == 1


def test_a_toy_kind_parses_from_a_sim_block(leap):
    spec = parse_embed({"type": "leap", "size": "30s", "preset": "ticker"})
    assert spec["kind"] == "leap"
    assert run_spec(spec)["emitted"]


def test_a_toy_kind_gets_a_labs_form_and_figures(leap):
    result = run_lab("leap", dict(leap.defaults))
    assert result.ok, result.errors
    assert result.figures and result.figures[0].startswith("<svg")
    assert result.summary[1][0] == "rows emitted"


def test_a_toy_kind_is_suggested_from_its_words(leap):
    spec = suggest_simulation("Streaming", "What does a leap window do?", "It leaps.")
    assert spec is not None and spec["kind"] == "leap"


@pytest.mark.django_db
def test_a_toy_kind_has_a_labs_page_with_the_scrubber(client, leap):
    client.force_login(make_user())
    index = client.get("/labs/").content.decode()
    assert "Leap windows" in index and "/labs/leap/" in index
    page = client.get("/labs/leap/", {**leap.defaults, "upto": "1"}).content.decode()
    assert "Leap windows" in page
    assert "After event" in page  # steps through time, like every grouped kind
    assert leap.legend_for(0).split(".")[0] in page


def test_unknown_kinds_are_refused_everywhere():
    with pytest.raises(Exception, match="unknown kind 'leap'"):
        run_spec({"kind": "leap", "size": "30s", "events": EVENTS})
    with pytest.raises(Exception, match="unknown type 'leap'"):
        parse_embed({"type": "leap"})
    assert "leap" not in kinds.names()


def test_a_kpl_exercises_answer_groups_its_requests_instead_of_listing_each() -> None:
    from quiz.sims.exercises import kpl_exercise

    answers = [kpl_exercise(seed).answer for seed in range(12)]
    assert all(len(a) < 700 for a in answers), max(len(a) for a in answers)
    assert all("1 records" not in a for a in answers)
    assert any(" × 1 record / " in a for a in answers)  # a long run of one-record requests
