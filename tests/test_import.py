"""`import_notes`: parsed notes become decks, topics and cards, and re-imports keep history."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from quiz.importing import import_notes
from quiz.models import Card, Deck, Topic
from quiz.notes.decode import MAX_NOTES_BYTES
from tests.factory import import_text, write_notes

pytestmark = pytest.mark.django_db

NOTES = """
# Streaming

## Kinesis

What is a shard?::A unit of capacity in a stream
How long are records kept by default?::24 hours

## Queues

What is the largest SQS message?::256 KB
"""


def run_json(*args: str) -> dict:
    out = StringIO()
    call_command("import_notes", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def db_snapshot() -> list[tuple]:
    return sorted(
        Card.objects.values_list("key", "kind", "prompt_md", "answer_md", "status", "topic__path")
    ) + sorted(Topic.objects.values_list("path", "is_active", "body_md"))


def test_import_creates_deck_topics_and_cards(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "streaming.md", NOTES)
    data = run_json(str(path))

    assert data["cards"] == {
        "created": 3, "updated": 0, "unchanged": 0, "retired": 0, "conflicts": 0,
    }  # fmt: skip
    assert data["by_kind"]["qa"] == 3
    assert data["errors"] == []
    deck = Deck.objects.get()
    assert deck.title == "Streaming"
    shard = Card.objects.get(prompt_md="What is a shard?")
    assert shard.answer_md == "A unit of capacity in a stream"
    assert shard.topic.path == "Streaming › Kinesis"
    assert shard.topic.parent.path == "Streaming"
    assert shard.source_line == 5
    assert "<p>A unit of capacity in a stream</p>" in shard.answer_html


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "streaming.md", NOTES)
    out = StringIO()
    call_command("import_notes", str(path), "--dry-run", stdout=out)

    assert "Dry run, nothing written" in out.getvalue()
    assert "3 created" in out.getvalue()
    assert Deck.objects.count() == 0
    assert Card.objects.count() == 0


def test_show_cards_lists_each_card_with_its_change(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "streaming.md", NOTES)
    data = run_json(str(path), "--show-cards")

    entry = next(c for c in data["card_list"] if c["prompt"] == "What is a shard?")
    assert entry == {
        "key": Card.objects.get(prompt_md="What is a shard?").key,
        "kind": "qa",
        "topic": "Streaming › Kinesis",
        "prompt": "What is a shard?",
        "answer": "A unit of capacity in a stream",
        "line": 5,
        "change": "created",
    }


def test_unchanged_reimport_changes_nothing_and_says_so(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "streaming.md", NOTES)
    run_json(str(path))
    before = db_snapshot()
    stamps = list(Card.objects.order_by("pk").values_list("updated_at", flat=True))

    out = StringIO()
    call_command("import_notes", str(path), stdout=out)

    assert "Nothing changed." in out.getvalue()
    assert "3 unchanged" in out.getvalue()
    assert db_snapshot() == before
    assert list(Card.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_edited_answer_updates_card_in_place(tmp_path: Path, media_root: Path) -> None:
    import_text(tmp_path, NOTES)
    card = Card.objects.get(prompt_md="What is a shard?")

    report = import_text(tmp_path, NOTES.replace("A unit of capacity", "The unit of capacity"))

    assert report.cards["updated"] == 1 and report.cards["created"] == 0
    card.refresh_from_db()
    assert card.answer_md == "The unit of capacity in a stream"
    assert Card.objects.count() == 3


def test_typo_fix_in_prompt_keeps_the_card(tmp_path: Path, media_root: Path) -> None:
    import_text(tmp_path, NOTES.replace("How long are records", "How lnog are recrods"))
    card = Card.objects.get(prompt_md__startswith="How lnog")

    report = import_text(tmp_path, NOTES)

    assert report.cards["created"] == 0 and report.cards["retired"] == 0
    card.refresh_from_db()
    assert card.prompt_md == "How long are records kept by default?"
    assert card.status == Card.Status.ACTIVE


def test_different_question_is_a_new_card_and_the_old_one_retires(
    tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path, NOTES)
    old = Card.objects.get(prompt_md="What is the largest SQS message?")

    report = import_text(
        tmp_path, NOTES.replace("What is the largest SQS message?::256 KB", "What is FIFO?::Order")
    )

    assert report.cards["created"] == 1 and report.cards["retired"] == 1
    old.refresh_from_db()
    assert old.status == Card.Status.RETIRED  # kept, with its history, never deleted


def test_removed_card_is_retired_then_restored_when_it_returns(
    tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path, NOTES)
    card = Card.objects.get(prompt_md="What is a shard?")
    import_text(tmp_path, NOTES.replace("What is a shard?::A unit of capacity in a stream\n", ""))
    card.refresh_from_db()
    assert card.status == Card.Status.RETIRED

    report = import_text(tmp_path, NOTES)

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert report.cards["updated"] == 1 and report.cards["created"] == 0


def test_card_under_renamed_heading_keeps_identity(tmp_path: Path, media_root: Path) -> None:
    import_text(tmp_path, NOTES)
    card = Card.objects.get(prompt_md="What is the largest SQS message?")

    import_text(tmp_path, NOTES.replace("## Queues", "## Message queues"))

    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert card.topic.path == "Streaming › Message queues"
    assert not Topic.objects.get(path="Streaming › Queues").is_active


def test_admin_edit_is_kept_and_reported_as_conflict(tmp_path: Path, media_root: Path) -> None:
    import_text(tmp_path, NOTES)
    card = Card.objects.get(prompt_md="What is a shard?")
    Card.objects.filter(pk=card.pk).update(answer_md="Edited by an author", edited_in_admin=True)

    report = import_text(tmp_path, NOTES.replace("A unit of capacity", "One unit of capacity"))

    assert report.cards["conflicts"] == 1
    card.refresh_from_db()
    assert card.answer_md == "Edited by an author"
    assert card.notes_answer_md == "One unit of capacity in a stream"


def test_folder_import_finds_every_markdown_file_sorted(tmp_path: Path, media_root: Path) -> None:
    write_notes(tmp_path, "b/second.md", "# Second\n\nQ2::A2\n")
    write_notes(tmp_path, "a.md", "# First\n\nQ1::A1\n")
    write_notes(tmp_path, "ignored.txt", "Q3::A3\n")

    data = run_json(str(tmp_path))

    assert [Path(f).name for f in data["files"]] == ["a.md", "second.md"]
    assert sorted(Deck.objects.values_list("title", flat=True)) == ["First", "Second"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.md", b"  \n\n", "whitespace"),
        ("binary.md", b"# Title\n\x00\x01\x02", "binary"),
        ("latin1.md", "# Caf\u00e9\n".encode("latin-1"), "UTF-8"),
        ("utf16.md", "# Title\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_file_errors_and_leaves_database_unchanged(
    tmp_path: Path, media_root: Path, name: str, content: bytes, message: str
) -> None:
    good = write_notes(tmp_path, "good.md", NOTES)
    import_notes(paths=[good])
    before = db_snapshot()
    bad = tmp_path / name
    bad.write_bytes(content)
    edited = write_notes(tmp_path, "good.md", NOTES.replace("24 hours", "7 days"))

    with pytest.raises(CommandError) as exc:
        call_command("import_notes", str(edited), str(bad), stdout=StringIO())

    assert name in str(exc.value) and message in str(exc.value)
    assert "nothing was imported" in str(exc.value)
    assert db_snapshot() == before  # all-or-nothing: the good file's edit was not applied


def test_oversized_file_is_refused(tmp_path: Path, media_root: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"# Big\n" + b"x" * MAX_NOTES_BYTES)

    report = import_notes(paths=[big])

    assert report.errors and "big.md" in report.errors[0]["file"]
    assert Deck.objects.count() == 0


def test_missing_path_and_empty_folder_are_errors(tmp_path: Path, media_root: Path) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(CommandError, match="no such file"):
        call_command("import_notes", str(tmp_path / "nope.md"), stdout=StringIO())
    with pytest.raises(CommandError, match="holds no .md files"):
        call_command("import_notes", str(tmp_path / "empty"), stdout=StringIO())


def test_symlink_loop_in_folder_does_not_hang(tmp_path: Path, media_root: Path) -> None:
    write_notes(tmp_path, "notes/a.md", "# A\n\nQ::A\n")
    (tmp_path / "notes" / "loop").symlink_to(tmp_path / "notes", target_is_directory=True)

    report = import_notes(paths=[tmp_path / "notes"])

    assert report.ok and len(report.files) == 1


def test_bom_is_fine(tmp_path: Path, media_root: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf# With BOM\n\nQ::A\n")

    report = import_notes(paths=[path])

    assert report.ok
    assert Deck.objects.get().title == "With BOM"


def test_images_copied_and_missing_ones_warned(tmp_path: Path, media_root: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "here.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    notes = "# Pics\n\n* Diagram?\n  * see ![a](./img/here.png)\n  * ![b](./img/gone.png)\n"

    report = import_text(tmp_path, notes)

    assert report.warnings == [
        {"file": str(tmp_path / "notes.md"), "line": 5, "message": "image missing: ./img/gone.png"}
    ]
    html = Card.objects.get().answer_html
    assert "image missing: ./img/gone.png" in html
    copied = list((media_root / "notes").iterdir())
    assert len(copied) == 1 and copied[0].read_bytes().startswith(b"\x89PNG")
    assert f"/media/notes/{copied[0].name}" in html


def test_script_in_notes_never_reaches_html(tmp_path: Path, media_root: Path) -> None:
    import_text(
        tmp_path,
        "# X\n\nWhat runs?::<script>alert(1)</script><img src=x onerror=alert(2)>"
        " [c](javascript:alert(3))\n",
    )
    card = Card.objects.get()
    for bad in ("<script", "onerror", "javascript:"):
        assert bad not in card.answer_html


def test_import_query_count_does_not_grow_per_card(
    tmp_path: Path, media_root: Path, django_assert_max_num_queries
) -> None:
    many = "# Many\n\n## Part\n\n" + "".join(f"Question {i}?::Answer {i}\n" for i in range(200))
    path = write_notes(tmp_path, "many.md", many)
    with django_assert_max_num_queries(30):
        report = import_notes(paths=[path])
    assert report.cards["created"] == 200


def test_sample_notes_import_with_zero_errors(sample_notes: Path, media_root: Path) -> None:
    data = run_json(str(sample_notes), "--show-cards")

    assert data["errors"] == []
    missing = [w for w in data["warnings"] if w["message"].startswith("image missing")]
    # The notes hold 17 image references: 16 local files that are not there, and one remote
    # URL (which is left as a link target, not a missing file).
    assert len(missing) == 16
    assert all(w["line"] > 0 for w in missing)
    assert data["cards"]["created"] > 50
    for kind in ("qa", "definition", "list"):
        assert data["by_kind"][kind] > 0, kind
    assert all(c["prompt"].strip() and c["answer"].strip() for c in data["card_list"])

    again = run_json(str(sample_notes))
    assert again["cards"]["unchanged"] == data["cards"]["created"]
    assert again["cards"]["created"] == again["cards"]["updated"] == 0


def test_shipped_content_imports_cleanly_with_every_card_kind(media_root: Path) -> None:
    data = run_json(str(settings.CONTENT_DIR), "--show-cards")

    assert data["errors"] == [] and data["warnings"] == []
    assert all(data["by_kind"][kind] > 0 for kind in ("qa", "definition", "list", "cloze"))
    assert all(c["prompt"].strip() and c["answer"].strip() for c in data["card_list"])
    # Every windows section carries its simulation.
    windows = Topic.objects.filter(deck__title__contains="Windowed", sims__isnull=False)
    kinds = {spec["kind"] for topic in windows for spec in topic.sims}
    assert {"tumbling", "sliding", "stagger"} <= kinds


@pytest.mark.django_db
def test_topic_page_shows_a_callout_as_a_titled_aside(tmp_path, media_root, login, user):
    import_text(
        tmp_path,
        """
        # Streaming

        ## Kinesis

        Shards hold the data.

        > [!tip] Resharding
        > Split a hot shard.
        """,
    )
    topic = Topic.objects.get(title="Kinesis")
    response = login(user).get(f"/topics/{topic.pk}/")
    html = response.content.decode()
    assert '<aside class="callout callout-tip" role="note">' in html
    assert '<p class="callout-title">Resharding</p>' in html
    assert "[!tip]" not in html
