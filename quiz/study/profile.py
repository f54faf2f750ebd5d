"""A learner's study settings and the fsrs scheduler they configure."""

from __future__ import annotations

import functools

import fsrs
from django.contrib.auth.models import AbstractBaseUser

from quiz.models import StudyProfile
from quiz.scheduling import SchedulerSettings, make_scheduler, valid_parameters
from quiz.study import fastsql


def profile_for(user: AbstractBaseUser) -> StudyProfile:
    profile = fastsql.load_profile(user.pk)
    if profile is not None:
        return profile
    profile, _ = StudyProfile.objects.get_or_create(user=user)
    return profile


def scheduler_settings(profile: StudyProfile) -> SchedulerSettings:
    return SchedulerSettings(
        desired_retention=profile.desired_retention,
        learning_steps=profile.learning_steps,
        relearning_steps=profile.relearning_steps,
        # Fitted to the learner's own log (quiz.optimizing); None: FSRS-6's defaults.
        parameters=valid_parameters(profile.fsrs_parameters),
    )


@functools.lru_cache(maxsize=64)
def _cached_scheduler(settings: SchedulerSettings) -> fsrs.Scheduler:
    return make_scheduler(settings)


def scheduler_for(profile: StudyProfile) -> fsrs.Scheduler:
    return _cached_scheduler(scheduler_settings(profile))


def scheduler_for_user(user: AbstractBaseUser) -> fsrs.Scheduler:
    """The learner's scheduler, read without creating a profile (an unsaved one holds the
    defaults), for readers such as exam readiness that should write nothing."""
    return scheduler_for(fastsql.load_profile(user.pk) or StudyProfile(user=user))
