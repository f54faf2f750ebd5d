"""Background work, run by `manage.py db_worker` (django-tasks with its database backend: no
broker, the queue is a table, on SQLite as on PostgreSQL).

A big notes upload is previewed and applied here rather than inside a web request, and a
learner's FSRS parameters are fitted here (quiz.optimizing; its progress is an OptimizerRun row,
written outside any long transaction). The task
writes its progress to a small file beside the staged uploads (`NOTES_UPLOAD_DIR/.staging/`,
which every host already shares): the import runs in one transaction, so progress written to
the database would stay invisible until the end.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django_tasks import TaskContext, task

from quiz.importing import ImportProgress, ImportReport
from quiz.models import OptimizerRun
from quiz.optimizing import run_optimizer
from quiz.uploading import UploadError, apply_staged, preview_staged, upload_dir

# Cards listed per kind of change on the preview page; the counts above the lists are exact.
PREVIEW_LIST_LIMIT = 200


def summarise(report: ImportReport) -> dict[str, Any]:
    """The report as the preview page shows it: every count and warning, and the first
    PREVIEW_LIST_LIMIT cards of each kind of change (a page must not grow with the file)."""
    data = report.as_dict(show_cards=True)
    shown: dict[str, int] = {}
    kept = []
    for entry in data["card_list"]:
        n = shown.get(entry["change"], 0)
        if n < PREVIEW_LIST_LIMIT:
            kept.append(entry)
        shown[entry["change"]] = n + 1
    data["card_list"] = kept
    data["ok"] = report.ok
    return data


def _progress_path(job: str) -> Path:
    return upload_dir() / ".staging" / "jobs" / f"{job}.json"


def write_progress(job: str, state: ImportProgress) -> None:
    path = _progress_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**asdict(state), "seconds_left": state.seconds_left}
    data.pop("started")
    # Written beside and renamed over, so a reader never sees half of it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)


def read_progress(job: str) -> dict[str, Any] | None:
    try:
        return json.loads(_progress_path(job).read_text())
    except (OSError, ValueError):
        return None


@task(takes_context=True)
def import_upload(
    context: TaskContext, *, staged: list[dict[str, str]], apply: bool
) -> dict[str, Any]:
    """Preview (a dry run) or apply staged uploads; returns the summarised report, or
    {"ok": False, "errors": [...]} when the staged bytes are gone or changed."""
    job = str(context.task_result.id)

    def progress(state: ImportProgress) -> None:
        write_progress(job, state)

    try:
        if apply:
            report = apply_staged(staged=staged, progress=progress)
        else:
            report = preview_staged(staged=staged, progress=progress)
    except UploadError as exc:
        return {"ok": False, "errors": [str(exc)]}
    finally:
        _progress_path(job).unlink(missing_ok=True)
    return summarise(report)


@task()
def optimize_parameters(run_id: int) -> str:
    """Fit one learner's FSRS parameters (quiz.optimizing.run_optimizer)."""
    run = OptimizerRun.objects.select_related("user").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return "gone"  # deleted, or already finished by another worker
    return run_optimizer(run).status
