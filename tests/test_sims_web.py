"""The Labs and the simulation widgets embedded in cards and topics."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from quiz.models import Card, Topic
from quiz.sims import figures, lab, windows
from quiz.sims.exercises import exercise_question, make_exercise
from quiz.sims.kinds import SIM_KINDS
from quiz.sims.link import suggest_simulation
from tests.factory import import_text, make_user

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}

NOTES = """
# Streaming

## Tumbling windows

Tumbling windows never overlap.

What is the output ROWTIME of a tumbling window?::The end of the window

```sim
type: tumbling
size: 60s
preset: ticker
```

## KPL

What does aggregation do in the KPL?::Packs user records into one Kinesis record

```sim
type: kpl
records: 1000
record_size: 512
```

## Other

What is a Bloom filter?::A probabilistic set
"""


@pytest.fixture
def client_in(client):
    client.force_login(make_user())
    return client


@pytest.fixture
def notes(tmp_path: Path, media_root: Path):
    import_text(tmp_path, NOTES)
    return tmp_path


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/labs/", "/labs/tumbling/", "/labs/kpl/", "/labs/card/1/", "/labs/topic/1/0/"],
)
def test_labs_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_lab_run_post_needs_login(client):
    response = client.post(reverse("lab_run", args=["tumbling"]), {"size": "1m"})
    assert response.status_code == 302


def test_unknown_lab_is_404(client_in):
    assert client_in.get("/labs/hopping/").status_code == 404


# --- labs list and pages ---------------------------------------------------------------------


def test_labs_page_lists_every_simulation(client_in, notes):
    html = client_in.get(reverse("labs_index")).content.decode()
    for kind in ("tumbling", "sliding", "stagger", "flink", "kpl"):
        assert f'href="/labs/{kind}/"' in html
    assert "Late data: KDA vs Flink" in html and "KPL batching" in html
    # Topics with a ```sim block are listed with links into the Labs.
    assert "Tumbling windows" in html and "/labs/tumbling/?" in html


@pytest.mark.parametrize("kind", ["tumbling", "sliding", "stagger", "flink", "kpl"])
def test_each_lab_renders_its_example_with_accessible_figures(client_in, kind):
    response = client_in.get(reverse("lab_detail", args=[kind]))
    assert response.status_code == 200
    html = response.content.decode()
    # Every SVG is an image with a title of its own.
    assert (
        len(re.findall(r'<svg [^>]*role="img"[^>]*><title>[^<]+</title>', html))
        == html.count("<svg")
        >= 1
    )
    assert "<table" in html  # the text equivalent
    assert 'hx-get="/labs/' in html and 'hx-push-url="true"' in html
    assert "change delay:300ms, keyup changed delay:500ms" in html


def test_full_page_and_htmx_partial(client_in):
    url = reverse("lab_detail", args=["tumbling"]) + "?size=30s&preset=ticker&keys=ticker"
    full = client_in.get(url).content.decode()
    assert "<html" in full and '<form id="lab-form"' in full and 'id="lab-result"' in full
    response = client_in.get(url, **HX)
    part = response.content.decode()
    assert "<html" not in part and "<form" not in part
    assert part.lstrip().startswith('<div id="lab-result"')
    # Field errors are cleared or set out of band, next to the fields.
    assert 'id="error-size" class="errorlist field-error" hx-swap-oob="true"' in part
    assert "HX-Request" in response["Vary"]


def test_lab_redraws_with_new_parameters(client_in):
    base = reverse("lab_detail", args=["tumbling"])
    one = client_in.get(base + "?preset=ticker&size=1m&keys=ticker", **HX).content.decode()
    two = client_in.get(base + "?preset=ticker&size=10s&keys=ticker", **HX).content.decode()
    assert "windows of 1m" in one and "windows of 10s" in two
    assert one.count('class="window emitted"') < two.count('class="window emitted"')


def test_kpl_lab_shows_default_settings_and_the_pipeline(client_in):
    html = client_in.get(reverse("lab_detail", args=["kpl"])).content.decode()
    for name, default in [("AggregationMaxSize", 51200), ("CollectionMaxCount", 500),
                          ("RecordMaxBufferedTime", 100), ("RateLimit", 150)]:  # fmt: skip
        assert f'name="{name}" value="{default}"' in html
    assert "<b>11 (11 aggregated)</b> Kinesis records" in html
    assert "PutRecords requests" in html and 'class="sim-pipeline"' in html
    assert 'class="sim-shards"' in html


def test_kpl_lab_reports_throttled_shard_seconds(client_in):
    url = reverse("lab_detail", args=["kpl"])
    query = "?records=5000&record_size=100&partition_key=user-{i}&shards=2&AggregationEnabled=no"
    html = client_in.get(url + query, **HX).content.decode()
    assert 'class="bar throttled records"' in html
    result = lab.run_lab("kpl", lab.lab_params("kpl", dict(parse_qsl(query[1:]))))
    assert result.json["throttled"]


def test_stagger_lab_says_assumption(client_in):
    html = client_in.get(reverse("lab_detail", args=["stagger"])).content.decode()
    assert 'class="assumption"' in html and "Assumption" in html
    assert windows.STAGGER_ASSUMPTION.split(":")[1].strip()[:40] in html


def test_flink_lab_contrasts_dropped_late_rows_with_kda(client_in):
    html = client_in.get(reverse("lab_detail", args=["flink"])).content.decode()
    assert "late rows dropped" in html.lower() and 'class="event late"' in html
    assert "KDA on the same stream" in html


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "query", "field", "text"),
    [
        ("tumbling", {"size": "sixty"}, "size", "bad interval"),
        ("tumbling", {"preset": "vpc_flow_logs", "keys": "ticker"}, "keys", "no column"),
        ("tumbling", {"aggregates": "median(price)"}, "aggregates", "bad aggregate"),
        ("sliding", {"frame": "rows", "rows": "-1"}, "rows", "must be"),
        ("flink", {"preset": "weather"}, "preset", "no event_time"),
        ("kpl", {"RateLimit": "0"}, "RateLimit", "must be &gt;= 1"),
        ("kpl", {"records": "100000000"}, "records", "at most"),
        ("kpl", {"record_size": "lots"}, "record_size", "whole number"),
    ],
)
def test_errors_show_next_to_the_field_never_a_500(client_in, kind, query, field, text):
    url = reverse("lab_detail", args=[kind])
    response = client_in.get(url, query)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(f'id="error-{field}"')
    assert text in html[start : start + 300]
    assert 'role="alert"' in html and "<svg" not in html
    part = client_in.get(url, query, **HX).content.decode()
    assert f'id="error-{field}" class="errorlist field-error" hx-swap-oob="true">' in part
    assert text in part


def _csv(n: int) -> str:
    rows = [f"2024-01-01T10:{i // 60:02d}:{i % 60:02d},AMZN,{i}" for i in range(n)]
    return "rowtime,ticker,price\n" + "\n".join(rows)


def test_pasted_csv_events_run(client_in):
    query = {"preset": "csv", "csv": _csv(30), "size": "10s", "keys": "ticker",
             "aggregates": "count, max(price)"}  # fmt: skip
    html = client_in.get(reverse("lab_detail", args=["tumbling"]), query).content.decode()
    assert "<b>30</b> events" in html and "max_price" in html


def test_pasted_csv_is_capped_with_a_clear_message(client_in):
    query = {"preset": "csv", "csv": _csv(2001), "size": "10s"}
    response = client_in.post(reverse("lab_run", args=["tumbling"]), query, **HX)
    assert response.status_code == 200
    assert "too many events (at most 2000)" in response.content.decode()
    assert response["HX-Push-Url"] == "false"  # too long for a shareable link


def test_bad_csv_line_is_named(client_in):
    query = {"preset": "csv", "csv": "rowtime,x\n2024-01-01T10:00:00,1\nyesterday,2"}
    html = client_in.get(reverse("lab_detail", args=["tumbling"]), query).content.decode()
    assert "csv line 3" in html


def test_posted_csv_pushes_a_shareable_url_when_short(client_in):
    query = {"preset": "csv", "csv": _csv(5), "size": "10s"}
    response = client_in.post(reverse("lab_run", args=["tumbling"]), query, **HX)
    assert response["HX-Push-Url"].startswith("/labs/tumbling/?")
    assert "preset=csv" in response["HX-Push-Url"]


# --- time scrubber ---------------------------------------------------------------------------


def test_scrubber_steps_through_events(client_in):
    url = reverse("lab_detail", args=["tumbling"])
    final = client_in.get(url, **HX).content.decode()
    assert "Step through time" in final and "upto=1" in final
    part = client_in.get(url, {**SIM_KINDS["tumbling"].defaults, "upto": "2"}, **HX)
    html = part.content.decode()
    assert '<output for="id_upto">2</output> of 4' in html
    assert html.count('class="event future"') == 2
    assert "upto=1" in html and "upto=3" in html and "Show the final state" in html
    # Past the end: clamped to the last event.
    html = client_in.get(url, {**SIM_KINDS["tumbling"].defaults, "upto": "99"}).content.decode()
    assert '<output for="id_upto">4</output> of 4' in html and "upto=5" not in html


@pytest.mark.parametrize("kind", ["tumbling", "stagger"])
def test_scrubber_state_matches_window_snapshots(kind):
    params = SIM_KINDS[kind].defaults
    spec = lab.build_spec(kind, params)
    events = figures._events(spec)
    aggs = [windows.Aggregate(a["fn"], a.get("column")) for a in spec["aggregates"]]
    floor = 60_000 if spec.get("event_time_floor") else None
    snaps = windows.window_snapshots(
        kind, events, size=60_000, keys=spec["keys"], aggregates=aggs, event_time_floor=floor
    )
    for snap in snaps:
        result = lab.run_lab(kind, {**params, "upto": str(snap.index + 1)})
        summary = dict(result.summary)
        assert summary["rows emitted"] == len(snap.emitted)
        assert summary["windows still open"] == len(snap.open)


def test_sliding_scrubber_shows_the_current_frame(client_in):
    query = {**SIM_KINDS["sliding"].defaults, "upto": "3"}
    html = client_in.get(reverse("lab_detail", args=["sliding"]), query, **HX).content.decode()
    assert 'class="window open"' in html and "<b>3</b> output rows" in html


# --- embedding -------------------------------------------------------------------------------


def test_card_embeds_its_simulation_lazily_with_a_labs_link(client_in, notes):
    card = Card.objects.get(prompt_md__startswith="What is the output ROWTIME")
    assert card.sim["kind"] == "tumbling"
    html = render_to_string("quiz/_card_sim.html", {"card": card})
    assert f'hx-get="/labs/card/{card.pk}/"' in html and 'hx-trigger="intersect once"' in html
    assert "Open in Labs" in html and "/labs/tumbling/?preset=ticker" in html
    part = client_in.get(reverse("card_sim", args=[card.pk]), **HX)
    assert part.status_code == 200
    widget = part.content.decode()
    assert "<html" not in widget and 'class="sim-timeline"' in widget
    full = client_in.get(reverse("card_sim", args=[card.pk])).content.decode()
    assert "<html" in full and "Open in Labs" in full


def test_open_in_labs_link_reproduces_the_embedded_result(client_in, notes):
    card = Card.objects.get(prompt_md__startswith="What does aggregation do")
    html = render_to_string("quiz/_card_sim.html", {"card": card})
    link = html.split('href="/labs/kpl/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    page = client_in.get("/labs/kpl/?" + link).content.decode()
    embed = client_in.get(reverse("card_sim", args=[card.pk]), **HX).content.decode()
    assert "<b>11 (11 aggregated)</b>" in page and "<b>11 (11 aggregated)</b>" in embed


def test_topic_page_shows_its_simulations(client_in, notes):
    topic = Topic.objects.get(title="Tumbling windows")
    html = client_in.get(topic.get_absolute_url()).content.decode()
    assert "Simulation in this section" in html
    assert f'hx-get="/labs/topic/{topic.pk}/0/"' in html
    widget = client_in.get(reverse("topic_sim", args=[topic.pk, 0]), **HX)
    assert widget.status_code == 200 and 'role="img"' in widget.content.decode()
    assert client_in.get(reverse("topic_sim", args=[topic.pk, 5])).status_code == 404


def test_card_without_simulation_has_no_widget(client_in, notes):
    card = Card.objects.get(prompt_md__startswith="What is a Bloom filter")
    assert card.sim is None
    assert render_to_string("quiz/_card_sim.html", {"card": card}).strip() == ""
    assert client_in.get(reverse("card_sim", args=[card.pk])).status_code == 404


def test_embed_view_query_count(client_in, notes, django_assert_max_num_queries):
    card = Card.objects.get(prompt_md__startswith="What is the output ROWTIME")
    with django_assert_max_num_queries(4):
        assert client_in.get(reverse("card_sim", args=[card.pk]), **HX).status_code == 200


# --- auto-linking ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "prompt", "answer", "kind"),
    [
        ("Notes", "What are **Tumbling Windows**?", "Distinct time-based windows", "tumbling"),
        ("Kinesis Analytics", "Which window for VPC flow logs?", "Stagger windows", "stagger"),
        ("Notes", "What is **Sliding**?", "Fixed size and overlapping windows", "sliding"),
        ("KPL", "What is aggregation?", "Many user records in one Kinesis record", "kpl"),
        ("Limits", "How many records per PutRecords call?", "500", "kpl"),
        ("Video", "Which supports collection of videos?", "The Producer library", None),
        ("Stream storage", "Why stream storage?", "Collect multiple streams", None),
        ("Pricing", "What is a sliding scale?", "A price that changes", None),
        ("IoT", "What is the Device gateway?", "Lets devices talk to AWS IoT", None),
    ],
)
def test_suggest_simulation_keyword_rules(topic, prompt, answer, kind):
    spec = suggest_simulation(topic, prompt, answer)
    assert (spec and spec["kind"]) == kind


def test_stagger_suggestion_uses_vpc_flow_logs_when_the_card_says_so():
    spec = suggest_simulation("Kinesis Analytics", "VPC flow logs?", "use stagger windows")
    assert spec["kind"] == "stagger" and spec["keys"] == ["srcaddr"]


def test_importer_keeps_a_block_over_a_suggestion(notes):
    card = Card.objects.get(prompt_md__startswith="What does aggregation do")
    topic_spec = card.topic.sims[0]
    assert card.sim == topic_spec and card.sim["kind"] == "kpl"


def test_sample_notes_window_and_kpl_cards_get_linked(sample_notes, media_root):
    from quiz.importing import import_notes

    assert import_notes(paths=[sample_notes]).ok
    cards = Card.objects.filter(status=Card.Status.ACTIVE)

    def sim_of(startswith: str) -> str | None:
        card = cards.get(prompt_md__startswith=startswith)
        return card.sim["kind"] if card.sim else None

    assert sim_of("What are **Tumbling Windows**") == "tumbling"
    assert sim_of("What are **Sliding Windows**") == "sliding"
    assert sim_of("What are **Stagger Windows**") == "stagger"
    assert sim_of("What is **Tumbling**") == "tumbling"
    assert sim_of("What is **Sliding**") == "sliding"
    assert sim_of("HH is using kinesis analytics") == "sliding"  # the Whizlab question
    assert sim_of("The KPL supports two types of batching: name the 2") == "kpl"
    iot = cards.filter(topic__title__icontains="other notes", prompt_md__contains="AWS IoT")
    assert iot.count() >= 10 and all(c.sim is None for c in iot)
    assert sim_of("Kinesis Analytics which options support collection") is None


# --- exercises -------------------------------------------------------------------------------


def test_make_exercises_creates_cards_under_topics_with_sims(notes, capsys):
    call_command("make_exercises", "--count", "2", "--seed", "7")
    exercises = Card.objects.filter(kind=Card.Kind.EXERCISE)
    assert exercises.count() == 4  # 2 tumbling + 2 kpl
    assert {c.topic.title for c in exercises} == {"Tumbling windows", "KPL"}
    card = exercises.filter(topic__title="KPL").first()
    assert card.prompt_html.startswith("<p>") and "PutRecords" in card.prompt_html
    assert card.answer_html and card.term == ""
    stem, options, correct = exercise_question(
        {"prompt_md": card.prompt_md, "items": card.items, "sim": card.sim}
    )
    expected = make_exercise(card.sim["exercise"]["kind"], card.sim["exercise"]["seed"])
    assert stem == expected.prompt and options == expected.options
    assert correct == [expected.correct_index] and len(set(options)) == len(options)
    # Not a runnable spec: no widget under an exercise card.
    assert render_to_string("quiz/_card_sim.html", {"card": card}).strip() == ""
    # Same seeds again: nothing new.
    call_command("make_exercises", "--count", "2", "--seed", "7")
    assert Card.objects.filter(kind=Card.Kind.EXERCISE).count() == 4
    assert "0 exercise card(s)" in capsys.readouterr().out


def test_reimport_never_retires_exercise_cards(notes, tmp_path):
    call_command("make_exercises", "--count", "1")
    before = set(Card.objects.filter(kind=Card.Kind.EXERCISE).values_list("pk", flat=True))
    report = import_text(tmp_path, NOTES.replace("A probabilistic set", "A compact set"))
    assert report.cards["updated"] == 1
    report = import_text(tmp_path, NOTES.split("## KPL")[0])  # a section removed
    assert report.cards["retired"] == 2
    after = Card.objects.filter(kind=Card.Kind.EXERCISE)
    assert set(after.values_list("pk", flat=True)) == before
    assert all(c.status == Card.Status.ACTIVE for c in after)


def test_exercise_question_rejects_other_cards():
    with pytest.raises(ValueError):
        exercise_question({"prompt_md": "Q", "items": [], "sim": {"kind": "tumbling"}})


@pytest.mark.parametrize("kind", ["tumbling", "sliding", "stagger", "flink", "kpl"])
def test_junk_parameters_never_500(client_in, kind):
    junk = [
        {"upto": "abc"}, {"upto": "-3"}, {"preset": "nope"}, {"frame": "sideways", "rows": "x"},
        {"size": "0s"}, {"size": "", "keys": ",,"}, {"floor": "soon"}, {"until": "tomorrow"},
        {"delay": "-1s"}, {"aggregates": ""}, {"preset": "csv", "csv": ""},
        {"preset": "csv", "csv": "rowtime\n\u00e9t\u00e9"}, {"records": "-5"}, {"shards": "0"},
        {"partition_key": "x" * 300}, {"AggregationEnabled": "maybe"}, {"per_second": "1e3"},
        {"CollectionMaxCount": "501"}, {"flush_at_end": "later"},
    ]  # fmt: skip
    url = reverse("lab_detail", args=[kind])
    for query in junk:
        for extra in ({}, HX):
            response = client_in.get(url, query, **extra)
            assert response.status_code == 200, (query, response.status_code)
