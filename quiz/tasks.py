"""Background tasks (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from quiz.models import OptimizerRun
from quiz.optimizing import run_optimizer


@task()
def optimize_parameters(run_id: int) -> str:
    """Fit one learner's FSRS parameters (quiz.optimizing.run_optimizer)."""
    run = OptimizerRun.objects.select_related("user").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return "gone"  # deleted, or already finished by another worker
    return run_optimizer(run).status
