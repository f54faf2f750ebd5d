"""Big admin uploads run as background tasks (django-tasks' database backend and its worker):
the request only stages the bytes; the page shows the job's progress, then its preview; apply
runs in the worker too. The worker here is the real `db_worker`, run for the queued tasks."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from quiz import tasks, uploading
from quiz.importing import ImportProgress
from quiz.models import Card, Deck
from quiz.tasks import PREVIEW_LIST_LIMIT, write_progress
from tests.factory import make_user

# Committed for real: the worker takes its own (exclusive) transactions, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

NOTES = "# Streaming\n\n## Kinesis\n\nWhat is a shard?::A unit of capacity\n\n## Queues\n\n"
NOTES += "What is the largest SQS message?::256 KB\nWhat is a DLQ?::A dead-letter queue\n"


@pytest.fixture
def staff(settings, tmp_path: Path, media_root: Path, monkeypatch: pytest.MonkeyPatch) -> Client:
    settings.NOTES_UPLOAD_DIR = tmp_path / "uploads"
    # Every upload counts as big here, so small notes exercise the background path.
    monkeypatch.setattr(uploading, "BACKGROUND_MIN_BYTES", 10)
    client = Client()
    client.force_login(make_user("editor", is_staff=True, is_superuser=True))
    return client


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())


def upload(client: Client, name: str, text: str):
    return client.post(
        reverse("admin:quiz_deck_upload"), {"files": [SimpleUploadedFile(name, text.encode())]}
    )


def test_a_big_upload_is_previewed_and_applied_by_the_worker(
    staff: Client, settings, tmp_path: Path
) -> None:
    response = upload(staff, "streaming.md", NOTES)

    assert response.status_code == 302
    job_url = response["Location"]
    assert "/upload/job/" in job_url
    waiting = staff.get(job_url).content.decode()
    assert "Waiting for the task worker" in waiting and 'http-equiv="refresh"' in waiting
    assert Deck.objects.count() == 0

    run_worker()
    preview = staff.get(job_url)
    html = preview.content.decode()
    assert preview.status_code == 200 and "Created (3)" in html and "What is a DLQ?" in html
    assert Deck.objects.count() == 0  # a preview writes nothing
    token = html.split('name="token" value="')[1].split('"')[0]

    applying = staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})
    assert applying.status_code == 302 and applying["Location"] != job_url
    assert "Importing" in staff.get(applying["Location"]).content.decode()
    assert Deck.objects.count() == 0

    run_worker()
    done = staff.get(applying["Location"])
    assert done.status_code == 302 and done["Location"] == reverse("admin:quiz_deck_changelist")
    assert Card.objects.count() == 3
    assert (settings.NOTES_UPLOAD_DIR / "streaming.md").read_text() == NOTES
    # The job is finished and forgotten: its page is gone, a replayed confirm does nothing.
    assert staff.get(applying["Location"]).status_code == 404
    staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})
    run_worker()
    assert Card.objects.count() == 3


def test_the_job_page_shows_the_progress_the_worker_writes(staff: Client) -> None:
    job_url = upload(staff, "streaming.md", NOTES)["Location"]
    job = job_url.rstrip("/").rsplit("/", 1)[1]
    state = ImportProgress(files_total=2, bytes_total=1000, files_done=1, bytes_done=400, cards=7)

    write_progress(job, state)

    html = staff.get(job_url).content.decode()
    assert '<progress max="1000" value="400">' in html
    assert "1 of 2 files parsed" in html and "7 cards" in html and "s left" in html


def test_a_job_is_visible_only_to_the_session_that_started_it(staff: Client) -> None:
    job_url = upload(staff, "streaming.md", NOTES)["Location"]
    other = Client()
    other.force_login(make_user("other-editor", is_staff=True, is_superuser=True))

    assert other.get(job_url).status_code == 404
    run_worker()
    assert other.get(job_url).status_code == 404


def test_a_bad_file_in_a_big_upload_is_reported_by_the_job_and_nothing_is_written(
    staff: Client,
) -> None:
    cards = "".join(f"Question {i}?::Answer {i}\n" for i in range(20_001))
    job_url = upload(staff, "huge.md", f"# Huge\n\n## All\n\n{cards}")["Location"]

    run_worker()
    response = staff.get(job_url)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was uploaded or imported" in html and "more than 20,000 cards" in html
    assert Deck.objects.count() == 0


def test_the_preview_lists_a_bounded_number_of_cards_with_exact_counts(staff: Client) -> None:
    cards = "".join(f"Question {i}?::Answer {i}\n" for i in range(PREVIEW_LIST_LIMIT + 50))
    job_url = upload(staff, "many.md", f"# Many\n\n## All\n\n{cards}")["Location"]

    run_worker()
    html = staff.get(job_url).content.decode()

    assert f"Created ({PREVIEW_LIST_LIMIT + 50})" in html
    assert html.count('class="upload-card"') == PREVIEW_LIST_LIMIT
    assert "… and 50 more" in html


def test_a_job_that_crashes_says_so_and_leaves_nothing_half_done(
    staff: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_url = upload(staff, "streaming.md", NOTES)["Location"]

    def crash(**_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "preview_staged", crash)
    run_worker()
    response = staff.get(job_url)

    assert response.status_code == 200
    assert "The import stopped with an error; nothing was imported." in response.content.decode()
    assert Deck.objects.count() == 0
    assert staff.get(job_url).status_code == 404  # the job is forgotten; upload again


def _apply_in_background(staff: Client, name: str, text: str) -> str:
    job_url = upload(staff, name, text)["Location"]
    run_worker()
    html = staff.get(job_url).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    applying = staff.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token})
    run_worker()
    staff.get(applying["Location"])
    return html


def test_a_big_upload_of_an_edited_file_updates_its_deck_in_the_background(staff: Client) -> None:
    _apply_in_background(staff, "streaming.md", NOTES)
    deck = Deck.objects.get()
    shard = Card.objects.get(prompt_md__contains="shard")

    edited = NOTES.replace("A unit of capacity", "A unit of throughput capacity")
    preview = _apply_in_background(staff, "streaming.md", edited)

    # The preview names the deck it updates and counts the update, not a second deck.
    assert "Updates deck" in preview and "Streaming" in preview
    assert "Updated (1)" in preview and "Created (" not in preview
    assert Deck.objects.count() == 1 and Deck.objects.get().pk == deck.pk
    shard.refresh_from_db()
    assert "throughput" in shard.answer_md and Card.objects.count() == 3
