"""FSRS parameters fitted to the learner: the fitter on a generated log, the background task,
the settings page's status, the shell command, and the workload simulation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from quiz import optimizing, scheduling, study
from quiz.models import OptimizerRun, StudyProfile
from tests.factory import make_card, make_deck, make_topic, make_user, store_review_log
from tests.reviewlog import TRUE_PARAMETERS, generate_log


@pytest.fixture(scope="module")
def log():
    return generate_log()


def answers_of(log) -> list[scheduling.LoggedAnswer]:
    return [
        scheduling.LoggedAnswer(a.card, a.at.date(), a.rating, a.state_before == 0) for a in log
    ]


def reveal(client: Client, url: str) -> str:
    """The study page's answer side (with the four interval previews) for the card shown."""
    page = client.get(url).text
    link = re.search(r'hx-get="([^"]*show=answer[^"]*)"', page)[1].replace("&amp;", "&")
    return client.get(link, HTTP_HX_REQUEST="true").text


def logged_in(user) -> Client:
    client = Client()
    # force_login: the rate-limited log-in backend needs a request, which login() has not.
    client.force_login(user)
    return client


# --- the fitter (pure) --------------------------------------------------------------------


def test_the_generated_log_has_its_known_properties(log) -> None:
    assert len(log) > scheduling.MIN_REVIEWS
    assert {a.rating for a in log} == {1, 2, 3, 4}
    # The learner forgets more often than the 10% the default schedule aims for at 0.9.
    reviews = [a for a in log if a.state_before != 0]
    again = sum(1 for a in reviews if a.rating == 1) / len(reviews)
    assert again > 0.11
    assert TRUE_PARAMETERS[:4] != scheduling.DEFAULT_PARAMETERS[:4]


def test_fitted_parameters_beat_the_defaults_on_the_generated_log(log) -> None:
    result = scheduling.fit_parameters(answers_of(log))
    assert result.reviews == len(log)
    assert result.after.log_loss < result.before.log_loss
    assert result.after.rmse < result.before.rmse
    assert result.better
    # The defaults' figures are the defaults scored on the same log, not a stored constant.
    items = scheduling.training_items(answers_of(log))
    again = scheduling.evaluate(scheduling.DEFAULT_PARAMETERS, items)
    assert again.log_loss == pytest.approx(result.before.log_loss, rel=1e-5)
    assert again.rmse == pytest.approx(result.before.rmse, rel=1e-5)
    # Towards the truth: first memories much less stable than the defaults say.
    assert result.parameters[2] < scheduling.DEFAULT_PARAMETERS[2]
    assert scheduling.valid_parameters(result.parameters) == result.parameters


def test_a_fit_that_is_no_better_is_reported_as_such(log) -> None:
    fitted = scheduling.fit_parameters(answers_of(log)).parameters
    # Starting from parameters already fitted, a refit cannot beat them by much, if at all:
    # whichever way it goes, `better` follows the figures.
    again = scheduling.fit_parameters(answers_of(log), current=fitted)
    assert again.better == (
        again.after.log_loss < again.before.log_loss and again.after.rmse <= again.before.rmse
    )


def test_too_few_reviews_is_refused_with_the_numbers() -> None:
    day = date(2026, 1, 1)
    few = [scheduling.LoggedAnswer(1, day + timedelta(days=i), 3) for i in range(10)]
    with pytest.raises(scheduling.NotEnoughReviews, match=r"at least 400 reviews; your log has 10"):
        scheduling.fit_parameters(few)


def test_training_items_start_over_after_a_reset_and_skip_same_day_answers() -> None:
    d = date(2026, 1, 1)
    answers = [
        scheduling.LoggedAnswer(1, d, 1, from_new=True),
        scheduling.LoggedAnswer(1, d, 3),  # same day: kept in the history, not predicted
        scheduling.LoggedAnswer(1, d + timedelta(days=2), 3),
        scheduling.LoggedAnswer(1, d + timedelta(days=9), 1),
        scheduling.LoggedAnswer(2, d + timedelta(days=3), 3, from_new=True),
        scheduling.LoggedAnswer(2, d + timedelta(days=20), 3, from_new=True),  # reset
        scheduling.LoggedAnswer(2, d + timedelta(days=23), 3),
    ]
    items = scheduling.training_items(answers)
    # The crate's objects expose no fields to Python; their repr lists them.
    shapes = [
        [(int(a), int(b)) for a, b in re.findall(r"rating: (\d), delta_t: (\d+)", repr(item))]
        for item in items
    ]
    # Card 2 was reset: only what came after counts (as Anki drops the log before the last
    # learning). Items come in time order.
    assert shapes == [
        [(1, 0), (3, 0), (3, 2)],
        [(1, 0), (3, 0), (3, 2), (1, 7)],
        [(3, 0), (3, 3)],
    ]


def test_valid_parameters_rejects_wrong_counts_and_out_of_bounds_values() -> None:
    assert scheduling.valid_parameters(scheduling.DEFAULT_PARAMETERS) is not None
    assert scheduling.valid_parameters([]) is None
    assert scheduling.valid_parameters(scheduling.DEFAULT_PARAMETERS[:19]) is None
    bad = list(scheduling.DEFAULT_PARAMETERS)
    bad[4] = 50.0  # w4 lies in [1, 10]
    assert scheduling.valid_parameters(bad) is None
    bad[4] = float("nan")
    assert scheduling.valid_parameters(bad) is None


def test_fitted_parameters_change_the_interval_previews(log) -> None:
    fitted = scheduling.fit_parameters(answers_of(log)).parameters
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    memory = scheduling.Memory()
    default = scheduling.make_scheduler(scheduling.SchedulerSettings(learning_steps=""))
    own = scheduling.make_scheduler(
        scheduling.SchedulerSettings(learning_steps="", parameters=fitted)
    )
    assert own.parameters == fitted
    a = scheduling.preview(memory, now=now, scheduler=default, fuzz_seed=1)
    b = scheduling.preview(memory, now=now, scheduler=own, fuzz_seed=1)
    assert a[scheduling.EASY] != b[scheduling.EASY]


def test_workload_simulation_costs_more_reviews_for_higher_retention() -> None:
    workloads = scheduling.simulate_workload(
        None, deck_size=400, new_per_day=20, max_reviews_per_day=9999, days=120
    )
    assert [w.retention for w in workloads] == list(scheduling.RETENTION_CHOICES)
    assert workloads[0].retention == 0.70 and workloads[-1].retention == 0.99
    assert all(len(w.reviews_per_day) == 120 for w in workloads)
    means = [w.mean_reviews for w in workloads]
    assert means[-1] > 2 * means[0]
    assert workloads[20].final_memorized > workloads[0].final_memorized  # 0.90 beats 0.70
    assert sum(workloads[0].new_per_day) == 400  # the whole collection learned at 20 a day


def test_workload_respects_the_daily_review_limit() -> None:
    capped = scheduling.simulate_workload(
        None, deck_size=2000, new_per_day=50, max_reviews_per_day=30, days=60, retentions=[0.95]
    )
    assert max(capped[0].reviews_per_day) <= 30


# --- through Django -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_log_is_read_in_time_order_by_study_day_without_undone_answers(log) -> None:
    user = make_user()
    store_review_log(user, log[:50])
    from quiz.models import Review

    first = Review.objects.filter(user=user).order_by("reviewed_at").first()
    Review.objects.filter(pk=first.pk).update(undone=True)
    StudyProfile.objects.create(user=user, timezone="America/New_York")
    answers = optimizing.logged_answers(user)
    assert len(answers) == 49
    # 09:01 UTC is 04:01 in New York (EST): after the 4 am day start, so the same date.
    assert answers[0].day == log[1].at.date()
    assert answers[0].from_new is True


@pytest.mark.django_db(transaction=True)
def test_optimize_runs_in_the_worker_and_keeps_better_parameters(log) -> None:
    user = make_user()
    store_review_log(user, log)
    client = logged_in(user)
    page = client.get("/study/settings/")
    assert b"Optimize my parameters" in page.content and b"disabled" not in page.content

    response = client.post("/study/settings/optimize/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    run = OptimizerRun.objects.get(user=user)
    assert run.status == "queued"
    assert f'hx-get="/study/settings/optimize/{run.pk}/"' in response.text
    assert 'hx-trigger="every 1s"' in response.text
    # The request only queued it: a task row waits for the worker.
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # A second click joins the same run.
    client.post("/study/settings/optimize/", HTTP_HX_REQUEST="true")
    assert OptimizerRun.objects.filter(user=user).count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run.refresh_from_db()
    assert run.status == "done" and run.kept
    assert run.after_log_loss < run.before_log_loss and run.after_rmse < run.before_rmse
    profile = StudyProfile.objects.get(user=user)
    assert profile.fsrs_parameters == run.parameters and profile.fsrs_optimized_at
    # Every scheduler made for the learner from now on uses them.
    assert study.scheduler_for(profile).parameters == tuple(run.parameters)

    status = client.get(f"/study/settings/optimize/{run.pk}/", HTTP_HX_REQUEST="true")
    assert "every 1s" not in status.text  # finished: the polling stops
    assert f"{run.before_log_loss:.4f}" in status.text
    assert f"{run.after_log_loss:.4f}" in status.text
    assert "now in use" in status.text


@pytest.mark.django_db
def test_too_few_reviews_says_so_and_queues_nothing() -> None:
    user = make_user()
    client = logged_in(user)
    page = client.get("/study/settings/")
    assert "Too few reviews to optimize: you have 0" in page.text
    assert "Study 400 more" in page.text
    response = client.post("/study/settings/optimize/", HTTP_HX_REQUEST="true")
    assert "at least 400 reviews; you have 0" in response.text
    assert not OptimizerRun.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_run_is_visible_only_to_its_learner(log) -> None:
    owner, other = make_user("owner"), make_user("other")
    run = OptimizerRun.objects.create(user=owner, created_at=datetime.now(UTC))
    assert logged_in(other).get(f"/study/settings/optimize/{run.pk}/").status_code == 404
    assert logged_in(owner).get(f"/study/settings/optimize/{run.pk}/").status_code == 200
    assert Client().post("/study/settings/optimize/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_fitted_parameters_reach_the_study_pages_interval_previews(log) -> None:
    user = make_user()
    fitted = scheduling.fit_parameters(answers_of(log)).parameters
    card = make_card(make_topic(make_deck()))
    client = logged_in(user)

    def intervals() -> list[str]:
        html = reveal(client, "/study/")
        assert card.answer_md in html
        return re.findall(r'<span class="interval">([^<]+)</span>', html)

    before = intervals()
    StudyProfile.objects.filter(user=user).update(fsrs_parameters=list(fitted))
    after = intervals()
    assert len(before) == len(after) == 4
    # Again, Hard and Good are the learning steps; Easy graduates with FSRS's first stability,
    # which the fitted parameters put far lower (this learner forgets faster).
    assert before[:3] == after[:3]
    assert before[3] != after[3]


@pytest.mark.django_db
def test_optimize_fsrs_command_prints_before_and_after(log, capsys) -> None:
    user = make_user("ada")
    store_review_log(user, log)
    make_user("newcomer")
    call_command("optimize_fsrs", "--user", "ada")
    out = capsys.readouterr().out
    run = OptimizerRun.objects.get(user=user)
    assert f"log loss {run.before_log_loss:.4f} → {run.after_log_loss:.4f}" in out
    assert f"RMSE {run.before_rmse:.4f} → {run.after_rmse:.4f}" in out
    assert "kept the fitted parameters" in out
    with pytest.raises(CommandError, match="newcomer has 0 reviews"):
        call_command("optimize_fsrs", "--user", "newcomer")
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("optimize_fsrs", "--user", "nobody")
    # Without --user: every learner with enough reviews (ada only).
    call_command("optimize_fsrs")
    assert "ada:" in capsys.readouterr().out
    assert OptimizerRun.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_reset_goes_back_to_the_defaults(log) -> None:
    user = make_user()
    StudyProfile.objects.create(user=user, fsrs_parameters=list(TRUE_PARAMETERS))
    client = logged_in(user)
    assert "fitted to your own reviews" in client.get("/study/settings/").text
    client.post("/study/settings/optimize/reset/")
    profile = StudyProfile.objects.get(user=user)
    assert profile.fsrs_parameters == []
    assert study.scheduler_for(profile).parameters == scheduling.DEFAULT_PARAMETERS


@pytest.mark.django_db
def test_workload_chart_page(log) -> None:
    user = make_user()
    topic = make_topic(make_deck())
    for _ in range(30):
        make_card(topic)
    StudyProfile.objects.create(user=user, desired_retention=0.85, new_per_day=10)
    client = logged_in(user)
    page = client.get("/study/settings/workload/", HTTP_HX_REQUEST="true")
    text = page.text
    assert text.count("<svg") == 4
    assert "<html" not in text  # the partial for the settings page
    assert "Your desired retention: 0.85" in text
    assert text.count("<tr") == 31  # a header and 0.70 … 0.99
    assert "0.85 (yours)" in text
    assert "the 30 cards you can study" in " ".join(text.split())
    full = client.get("/study/settings/workload/")
    assert "<html" in full.text and full.text.count("<svg") == 4


@pytest.mark.django_db
def test_the_settings_page_counts_the_log_only_up_to_the_minimum(log) -> None:
    user = make_user()
    store_review_log(user, log[:450])
    undone = optimizing._reviews(user).first()
    undone.undone = True
    undone.save()
    assert optimizing.review_count(user) == 449  # undone answers do not count
    assert optimizing.review_count(user, at_most=scheduling.MIN_REVIEWS) == 400
    assert optimizing.review_count(user, at_most=1000) == 449
    page = logged_in(user).get("/study/settings/").text
    assert "Your review log holds at least 400 reviews, enough to optimize." in page
    assert 'id="optimize-button"' in page and "Too few reviews" not in page

    short = make_user("short")
    store_review_log(short, log[:120])
    assert optimizing.review_count(short, at_most=scheduling.MIN_REVIEWS) == 120
    page = logged_in(short).get("/study/settings/").text
    assert "Your review log: 120 reviews." in page and "Study 280 more" in page
