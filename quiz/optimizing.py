"""Fitting FSRS parameters to a learner's own review log, and what their limits cost.

The Django side of `quiz.scheduling`'s fitter and simulator: read the log, record a run's
progress and figures in an `OptimizerRun`, store parameters that predict the log better on the
learner's `StudyProfile`. The fit itself runs in a background task (`quiz.tasks`), never in a
request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from quiz import scheduling, study
from quiz.models import Card, OptimizerRun, Review, StudyProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Answers that move a card's memory: study answers and exam misses (both go through the
# scheduler); undone answers are out.
_SOURCES = ("study", "exam")


def _reviews(user: AbstractBaseUser):
    return Review.objects.filter(user=user, undone=False, source__in=_SOURCES)


def review_count(user: AbstractBaseUser, *, at_most: int | None = None) -> int:
    """The learner's answers that a fit would read; with `at_most`, counted only up to it (a
    LIMITed subquery stops at the first `at_most` index entries, where a full count reads the
    whole log: a million rows for a heavy learner, on every settings page)."""
    reviews = _reviews(user)
    if at_most is not None:
        reviews = reviews.order_by()[:at_most]
    return reviews.count()


def logged_answers(user: AbstractBaseUser) -> list[scheduling.LoggedAnswer]:
    """The learner's log in time order, each answer dated by their study day (4 am local)."""
    profile = StudyProfile.objects.filter(user=user).first() or StudyProfile(user=user)
    zone = study.zone(profile.timezone)
    shift = timedelta(hours=study.DAY_START_HOUR)
    rows = (
        _reviews(user)
        .order_by("reviewed_at", "id")
        .values_list("card_id", "reviewed_at", "rating", "state_before__state")
    )
    return [
        scheduling.LoggedAnswer(
            card_id=card_id,
            day=(at.astimezone(zone) - shift).date(),
            rating=rating,
            from_new=state_before == scheduling.NEW,
        )
        for card_id, at, rating, state_before in rows.iterator(chunk_size=5000)
    ]


def active_run(user: AbstractBaseUser) -> OptimizerRun | None:
    return (
        OptimizerRun.objects.filter(
            user=user, status__in=[OptimizerRun.Status.QUEUED, OptimizerRun.Status.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )


def request_run(user: AbstractBaseUser) -> OptimizerRun:
    """Queue a fit for `user` (or return the one already queued or running).

    Raises scheduling.NotEnoughReviews, with the reason, when the log is too short."""
    count = review_count(user, at_most=scheduling.MIN_REVIEWS)
    if count < scheduling.MIN_REVIEWS:
        raise scheduling.NotEnoughReviews(
            f"Optimizing needs at least {scheduling.MIN_REVIEWS} reviews; you have {count}."
            f" Study {scheduling.MIN_REVIEWS - count} more and try again."
        )
    from quiz.tasks import optimize_parameters  # the task module imports this one

    with transaction.atomic():
        # One at a time per learner: a double click joins the run already waiting.
        StudyProfile.objects.get_or_create(user=user)
        StudyProfile.objects.select_for_update().get(user=user)
        run = active_run(user)
        if run is not None:
            return run
        run = OptimizerRun.objects.create(
            user=user, created_at=timezone.now(), stage="Waiting for the background worker"
        )
        transaction.on_commit(lambda: optimize_parameters.enqueue(run.pk))
    return run


def _progress(run: OptimizerRun):
    def report(stage: str, fraction: float) -> None:
        run.stage, run.progress = stage, fraction
        OptimizerRun.objects.filter(pk=run.pk).update(stage=stage, progress=fraction)

    return report


def run_optimizer(run: OptimizerRun) -> OptimizerRun:
    """Fit, score before and after, and keep the fitted parameters only when they are better."""
    OptimizerRun.objects.filter(pk=run.pk).update(status=OptimizerRun.Status.RUNNING)
    run.status = OptimizerRun.Status.RUNNING
    profile, _ = StudyProfile.objects.get_or_create(user=run.user)
    report = _progress(run)
    try:
        report("Reading your review log", 0.02)
        answers = logged_answers(run.user)
        result = scheduling.fit_parameters(
            answers,
            current=profile.fsrs_parameters or None,
            relearning_steps=max(1, len(scheduling.parse_steps(profile.relearning_steps))),
            progress=report,
        )
    except scheduling.NotEnoughReviews as error:
        return _finish(run, OptimizerRun.Status.FAILED, str(error))
    except Exception as error:  # noqa: BLE001 - the learner sees it; the log keeps the trace
        _finish(run, OptimizerRun.Status.FAILED, f"The optimizer failed: {error}")
        raise
    run.reviews, run.items = result.reviews, result.items
    run.before_log_loss, run.before_rmse = result.before.log_loss, result.before.rmse
    run.after_log_loss, run.after_rmse = result.after.log_loss, result.after.rmse
    run.parameters = list(result.parameters)
    run.kept = result.better
    with transaction.atomic():
        if result.better:
            StudyProfile.objects.filter(pk=profile.pk).update(
                fsrs_parameters=list(result.parameters), fsrs_optimized_at=timezone.now()
            )
            message = "The fitted parameters predict your reviews better: they are now in use."
        else:
            message = "The fitted parameters were not better on your log: your current ones stay."
        return _finish(run, OptimizerRun.Status.DONE, message)


def _finish(run: OptimizerRun, status: str, message: str) -> OptimizerRun:
    run.status, run.message = status, message
    run.finished_at = timezone.now()
    run.progress = 1.0 if status == OptimizerRun.Status.DONE else run.progress
    run.stage = "Finished" if status == OptimizerRun.Status.DONE else run.stage
    run.save()
    return run


def reset_parameters(user: AbstractBaseUser) -> None:
    StudyProfile.objects.filter(user=user).update(fsrs_parameters=[], fsrs_optimized_at=None)


def workload(user: AbstractBaseUser) -> list[scheduling.Workload]:
    """A simulated year at each desired retention, for this learner's parameters, limits and
    collection size (every active card)."""
    profile = StudyProfile.objects.filter(user=user).first() or StudyProfile(user=user)
    return scheduling.simulate_workload(
        profile.fsrs_parameters or None,
        deck_size=collection_size(),
        new_per_day=profile.new_per_day,
        max_reviews_per_day=profile.max_reviews_per_day,
        learning_steps=len(scheduling.parse_steps(profile.learning_steps)),
        relearning_steps=len(scheduling.parse_steps(profile.relearning_steps)),
    )


def collection_size() -> int:
    """The cards a learner can study: every active card (decks are shared)."""
    return Card.objects.filter(status=Card.Status.ACTIVE).count()
