from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from quiz import scheduling
from quiz.models import OptimizerRun
from quiz.optimizing import review_count, run_optimizer


class Command(BaseCommand):
    help = (
        "Fit FSRS parameters to each learner's review log (what Settings → Optimize my "
        "parameters does, run here in the foreground). Keeps the fitted parameters only when "
        "they predict the log better; prints log loss and RMSE before and after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=f"one learner (default: every learner with at "
            f"least {scheduling.MIN_REVIEWS} reviews)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects.order_by("pk")
        if options["user"]:
            user = users.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            count = review_count(user)
            if count < scheduling.MIN_REVIEWS:
                raise CommandError(
                    f"{user.username} has {count} reviews; optimizing needs at least "
                    f"{scheduling.MIN_REVIEWS}."
                )
            chosen = [user]
        else:
            chosen = list(
                users.annotate(
                    logged=Count(
                        "reviews",
                        filter=Q(reviews__undone=False, reviews__source__in=("study", "exam")),
                    )
                ).filter(logged__gte=scheduling.MIN_REVIEWS)
            )
            if not chosen:
                self.stdout.write(f"No learner has {scheduling.MIN_REVIEWS} reviews yet.")
                return
        failed = 0
        for user in chosen:
            run = OptimizerRun.objects.create(user=user, created_at=timezone.now())
            run = run_optimizer(run)
            if run.status != OptimizerRun.Status.DONE:
                failed += 1
                self.stderr.write(f"{user.username}: {run.message}")
                continue
            self.stdout.write(
                f"{user.username}: {run.reviews} reviews, {run.items} predictions; "
                f"log loss {run.before_log_loss:.4f} → {run.after_log_loss:.4f}, "
                f"RMSE {run.before_rmse:.4f} → {run.after_rmse:.4f}; "
                + ("kept the fitted parameters" if run.kept else "kept the current parameters")
            )
        if failed:
            raise CommandError(f"{failed} learner(s) could not be optimized.")
