"""Content editing in the admin: preview, history, release, bulk status, and notes upload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quiz.editing import release_card, restore_revision, save_card_edit
from quiz.models import Card, CardRevision, Deck, Topic
from quiz.notes.decode import MAX_NOTES_BYTES
from tests.factory import PASSWORD, import_text, make_user

pytestmark = pytest.mark.django_db

NOTES = """
# Streaming

## Kinesis

What is a shard?::A unit of capacity in a stream
How long are records kept by default?::24 hours

## Queues

What is the largest SQS message?::256 KB
"""


@pytest.fixture
def upload_dir(settings, tmp_path: Path) -> Path:
    settings.NOTES_UPLOAD_DIR = tmp_path / "uploads"
    return settings.NOTES_UPLOAD_DIR


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(make_user("author", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def shard(tmp_path: Path, media_root: Path) -> Card:
    import_text(tmp_path, NOTES)
    return Card.objects.get(prompt_md="What is a shard?")


def change_form_data(card: Card, **changes: str) -> dict[str, str]:
    return {"prompt_md": card.prompt_md, "answer_md": card.answer_md, **changes}


def db_snapshot() -> list[tuple]:
    return sorted(
        Card.objects.values_list("key", "prompt_md", "answer_md", "status", "edited_in_admin")
    ) + sorted(Deck.objects.values_list("source_path", "content_hash"))


# ---- preview ---------------------------------------------------------------------------


def test_preview_renders_markdown_sanitized_like_the_study_page(staff: Client, shard: Card) -> None:
    source = (
        "**bold** ==hidden==<script>alert(1)</script><img src=x onerror=alert(2)>"
        " [c](javascript:alert(3))"
    )
    response = staff.post(
        reverse("admin:quiz_card_preview", args=[shard.pk]),
        {"answer_md": source, "prompt_md": "ignored"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "answer_md"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<mark>hidden</mark>" in html
    for bad in ("<script", "onerror", "javascript:", "ignored"):
        assert bad not in html


def test_preview_is_for_staff_only(client: Client, shard: Card) -> None:
    url = reverse("admin:quiz_card_preview", args=[shard.pk])
    assert client.post(url, {"source": "x"}).status_code == 302  # anonymous → admin login

    client.force_login(make_user("learner"))
    response = client.post(url, {"source": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_preview_needs_the_csrf_token(shard: Card) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("author", is_staff=True, is_superuser=True))

    response = client.post(reverse("admin:quiz_card_preview", args=[shard.pk]), {"source": "x"})

    assert response.status_code == 403


def test_change_form_has_editor_with_preview(staff: Client, shard: Card) -> None:
    response = staff.get(reverse("admin:quiz_card_change", args=[shard.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-post="/admin/quiz/card/{shard.pk}/preview/"' in html
    assert 'id="preview-answer_md"' in html
    assert "<p>A unit of capacity in a stream</p>" in html  # first preview rendered server-side
    assert "htmx" in html


# ---- editing, history, restore, release --------------------------------------------------


def test_saving_in_admin_keeps_a_revision_and_protects_the_card(staff: Client, shard: Card) -> None:
    url = reverse("admin:quiz_card_change", args=[shard.pk])
    response = staff.post(url, change_form_data(shard, answer_md="A **unit**\r\nof capacity"))

    assert response.status_code == 302
    shard.refresh_from_db()
    assert shard.answer_md == "A **unit**\nof capacity"
    assert "<strong>unit</strong>" in shard.answer_html
    assert shard.edited_in_admin
    revision = shard.revisions.get()
    assert revision.source == "admin" and revision.user.username == "author"
    assert revision.answer_md == "A unit of capacity in a stream"


def test_saving_unchanged_text_keeps_no_revision(staff: Client, shard: Card) -> None:
    staff.post(reverse("admin:quiz_card_change", args=[shard.pk]), change_form_data(shard))

    shard.refresh_from_db()
    assert not shard.edited_in_admin and not shard.revisions.exists()


def test_history_lists_who_when_what_and_an_escaped_diff(staff: Client, shard: Card) -> None:
    author = make_user("editor", is_staff=True)
    save_card_edit(card=shard, user=author, prompt_md=shard.prompt_md, answer_md="<b>new</b>")

    response = staff.get(reverse("admin:quiz_card_revisions", args=[shard.pk]))

    html = response.content.decode()
    assert "edited in the admin" in html and "by editor" in html and "Changed: answer" in html
    assert "<del>A unit of capacity in a stream</del>" in html
    assert "<ins>&lt;b&gt;new&lt;/b&gt;</ins>" in html


def test_restore_puts_old_text_back_and_records_a_revision(staff: Client, shard: Card) -> None:
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="first edit")
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="second edit")
    first = shard.revisions.get(answer_md="first edit")

    url = reverse("admin:quiz_card_restore", args=[shard.pk, first.pk])
    assert staff.get(url).status_code == 405  # a change needs POST
    response = staff.post(url)

    assert response.status_code == 302
    shard.refresh_from_db()
    assert shard.answer_md == "first edit" and shard.answer_html == "<p>first edit</p>"
    assert shard.revisions.filter(source="restore", answer_md="second edit").exists()
    assert shard.revisions.count() == 3


def test_restore_of_the_notes_version_unprotects_the_card(shard: Card) -> None:
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="edited")
    original = shard.revisions.get()

    restore_revision(revision=original, user=None)

    shard.refresh_from_db()
    assert shard.answer_md == "A unit of capacity in a stream" and not shard.edited_in_admin


def test_release_button_gives_the_card_back_to_the_notes(staff: Client, shard: Card) -> None:
    save_card_edit(card=shard, user=None, prompt_md="Edited prompt?", answer_md="Edited")
    page = staff.get(reverse("admin:quiz_card_change", args=[shard.pk])).content.decode()
    assert "Release to the notes" in page

    response = staff.post(reverse("admin:quiz_card_release", args=[shard.pk]))

    assert response.status_code == 302
    shard.refresh_from_db()
    assert (shard.prompt_md, shard.answer_md) == ("What is a shard?", shard.notes_answer_md)
    assert not shard.edited_in_admin
    assert shard.revisions.filter(source="release", prompt_md="Edited prompt?").exists()


def test_history_and_release_need_staff(client: Client, shard: Card) -> None:
    client.force_login(make_user("learner"))
    assert client.get(reverse("admin:quiz_card_revisions", args=[shard.pk])).status_code == 302
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="edited")
    assert client.post(reverse("admin:quiz_card_release", args=[shard.pk])).status_code == 302
    assert Card.objects.get(pk=shard.pk).answer_md == "edited"  # not released
    staff_no_perm = Client()
    staff_no_perm.force_login(make_user("viewer", is_staff=True))
    url = reverse("admin:quiz_card_revisions", args=[shard.pk])
    assert staff_no_perm.get(url).status_code == 403


def test_admin_edit_survives_reimport_as_conflict_until_released(
    tmp_path: Path, staff: Client, shard: Card
) -> None:
    staff.post(
        reverse("admin:quiz_card_change", args=[shard.pk]),
        change_form_data(shard, answer_md="Edited by an author"),
    )

    report = import_text(tmp_path, NOTES.replace("A unit of capacity", "One unit of capacity"))

    assert report.cards["conflicts"] == 1
    shard.refresh_from_db()
    assert shard.answer_md == "Edited by an author" and shard.edited_in_admin
    assert shard.notes_answer_md == "One unit of capacity in a stream"

    staff.post(reverse("admin:quiz_card_release", args=[shard.pk]))

    shard.refresh_from_db()
    assert shard.answer_md == "One unit of capacity in a stream"
    assert shard.answer_html == "<p>One unit of capacity in a stream</p>"
    again = import_text(tmp_path, NOTES.replace("A unit of capacity", "Two units of capacity"))
    assert again.cards["conflicts"] == 0 and again.cards["updated"] == 1
    shard.refresh_from_db()
    assert shard.answer_md == "Two units of capacity in a stream"
    # The import's own change is in the history too.
    assert shard.revisions.filter(source="import").exists()


def test_release_of_an_unedited_card_changes_nothing(shard: Card) -> None:
    assert release_card(card=shard, user=None) is False
    assert not CardRevision.objects.exists()


def test_edit_with_image_keeps_the_imported_image(tmp_path: Path, media_root: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "here.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    import_text(tmp_path, "# Pics\n\nDiagram?::![a](img/here.png)\n")
    card = Card.objects.get()
    src = card.answer_html.split('src="')[1].split('"')[0]

    save_card_edit(card=card, user=None, prompt_md=card.prompt_md, answer_md=card.answer_md + " ok")

    card.refresh_from_db()
    assert f'src="{src}"' in card.answer_html and "image missing" not in card.answer_html


# ---- changelist: search, filters, bulk actions, topic inline ------------------------------


def test_bulk_retire_and_restore(staff: Client, shard: Card) -> None:
    url = reverse("admin:quiz_card_changelist")
    ids = list(Card.objects.values_list("pk", flat=True))

    staff.post(url, {"action": "retire_cards", "_selected_action": ids})
    assert set(Card.objects.values_list("status", flat=True)) == {Card.Status.RETIRED}

    staff.post(url, {"action": "restore_cards", "_selected_action": [shard.pk]})
    assert Card.objects.get(pk=shard.pk).status == Card.Status.ACTIVE
    assert Card.objects.filter(status=Card.Status.RETIRED).count() == 2


def test_changelist_search_and_filters(staff: Client, shard: Card) -> None:
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="partition key")
    url = reverse("admin:quiz_card_changelist")

    by_answer = staff.get(url, {"q": "partition"}).content.decode()
    edited = staff.get(url, {"edited": "yes"}).content.decode()
    topic = Topic.objects.get(path="Streaming › Queues")
    by_topic = staff.get(url, {"topic__id__exact": topic.pk}).content.decode()

    assert "What is a shard?" in by_answer and "24 hours" not in by_answer
    assert "What is a shard?" in edited and "largest SQS" not in edited
    assert "largest SQS" in by_topic and "What is a shard?" not in by_topic
    assert "edited here" in edited


def test_topic_page_shows_its_cards_inline(staff: Client, shard: Card) -> None:
    response = staff.get(reverse("admin:quiz_topic_change", args=[shard.topic_id]))

    assert "What is a shard?" in response.content.decode()


# ---- upload ---------------------------------------------------------------------------


def upload(client: Client, *files: tuple[str, bytes]):
    return client.post(
        reverse("admin:quiz_deck_upload"),
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
    )


def test_upload_shows_the_dry_run_diff_then_applies_on_confirm(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    response = upload(staff, ("streaming.md", NOTES.encode()))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Created (3)" in html and "What is a shard?" in html
    assert Deck.objects.count() == 0 and not (upload_dir / "streaming.md").exists()

    token = html.split('name="token" value="')[1].split('"')[0]
    response = staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})

    assert response.status_code == 302
    deck = Deck.objects.get()
    assert deck.source_path == str((upload_dir / "streaming.md").resolve())
    assert Card.objects.count() == 3
    assert (upload_dir / "streaming.md").read_bytes() == NOTES.encode()
    # A replayed confirm does nothing more.
    staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})
    assert Card.objects.count() == 3


def test_reupload_of_the_same_name_updates_that_deck_and_shows_changes(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    def upload_and_confirm(text: str) -> str:
        html = upload(staff, ("streaming.md", text.encode())).content.decode()
        token = html.split('name="token" value="')[1].split('"')[0]
        staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})
        return html

    upload_and_confirm(NOTES)
    shard = Card.objects.get(prompt_md="What is a shard?")
    save_card_edit(card=shard, user=None, prompt_md=shard.prompt_md, answer_md="Kept text")
    edited = NOTES.replace("24 hours", "7 days").replace("A unit", "One unit")
    edited = edited.replace("What is the largest SQS message?::256 KB\n", "")

    html = upload_and_confirm(edited)

    assert "Updated (1)" in html and "<del>24 hours</del>" in html and "<ins>7 days</ins>" in html
    assert "Retired (1)" in html and "largest SQS" in html
    assert "In conflict" in html and "<del>Kept text</del>" in html
    assert Deck.objects.count() == 1
    assert Card.objects.get(prompt_md__startswith="How long").answer_md == "7 days"
    assert Card.objects.get(pk=shard.pk).answer_md == "Kept text"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"# T\n\nQ::A\n", "only Markdown files"),
        ("empty.md", b"", "empty"),
        ("binary.md", b"# T\n\x00\x01", "binary"),
        ("latin1.md", "# Caf\u00e9\n".encode("latin-1"), "not UTF-8"),
        ("big.md", b"# Big\n" + b"x" * MAX_NOTES_BYTES, "limit"),
        # Django keeps only the base name of "../x.md"; odd characters are refused here.
        (".hidden;rm.md", b"# T\n\nQ::A\n", "plain file name"),
    ],
)
def test_bad_upload_shows_the_error_and_changes_nothing(
    staff: Client, upload_dir: Path, media_root: Path, name: str, data: bytes, message: str
) -> None:
    upload(staff, ("good.md", NOTES.encode()))  # previewed, never confirmed
    before = db_snapshot()

    response = staff.post(
        reverse("admin:quiz_deck_upload"),
        {
            "files": [
                SimpleUploadedFile("other.md", NOTES.encode()),
                SimpleUploadedFile(name, data),
            ]
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was uploaded or imported" in html and message in html
    assert db_snapshot() == before and Deck.objects.count() == 0
    assert not (upload_dir / "other.md").exists()


def test_confirm_cannot_apply_content_other_than_previewed(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    html = upload(staff, ("streaming.md", NOTES.encode())).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    # Someone swaps the staged bytes between preview and confirm.
    (staged,) = (upload_dir / ".staging").iterdir()
    staged.write_bytes(NOTES.replace("256 KB", "1 GB").encode())

    response = staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token}, follow=True)

    assert "changed since the preview" in response.content.decode()
    assert Deck.objects.count() == 0 and not (upload_dir / "streaming.md").exists()


def test_confirm_needs_the_token_of_the_current_preview(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    first = upload(staff, ("a.md", b"# A\n\nQ::A\n")).content.decode()
    old_token = first.split('name="token" value="')[1].split('"')[0]
    upload(staff, ("b.md", b"# B\n\nQ::B\n"))  # a newer preview replaces the first

    staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": old_token})

    assert Deck.objects.count() == 0


def test_upload_page_is_linked_from_decks_and_staff_only(
    client: Client, staff: Client, upload_dir: Path
) -> None:
    page = staff.get(reverse("admin:quiz_deck_changelist")).content.decode()
    assert reverse("admin:quiz_deck_upload") in page

    client.force_login(make_user("learner"))
    response = upload(client, ("x.md", NOTES.encode()))
    assert response.status_code == 302 and Deck.objects.count() == 0


# ---- in a real browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_in_the_card_editor_updates_the_preview(
    live_server, page, tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path, NOTES)
    card = Card.objects.get(prompt_md="What is a shard?")
    user = make_user("author", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}{reverse('admin:quiz_card_change', args=[card.pk])}")
    preview = page.locator("#preview-answer_md")
    assert "A unit of capacity" in preview.inner_text()
    page.fill("#id_answer_md", "")
    page.locator("#id_answer_md").press_sequentially("Now **bold** ==hidden==<script>x</script>")

    page.wait_for_selector("#preview-answer_md strong", timeout=5000)
    assert preview.locator("strong").inner_text() == "bold"
    assert preview.locator("mark").inner_text() == "hidden"
    assert preview.locator("script").count() == 0
    assert Card.objects.get(pk=card.pk).answer_md == "A unit of capacity in a stream"  # not saved


def test_unconfirmed_previews_are_cleaned_up_after_a_day(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    upload(staff, ("a.md", b"# A\n\nQ::A\n"))
    (stale,) = (upload_dir / ".staging").iterdir()
    os.utime(stale, (0, 0))

    upload(staff, ("b.md", b"# B\n\nQ::B\n"))

    assert not stale.exists() and len(list((upload_dir / ".staging").iterdir())) == 1
