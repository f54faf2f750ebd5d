from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.static import serve

from quiz.views import (
    accounts,
    cards,
    custom_study,
    decks,
    exams,
    exports,
    health,
    labs,
    optimizer,
    stats,
    study,
)

urlpatterns = [
    path("", decks.dashboard, name="dashboard"),
    path("decks/<slug:slug>/", decks.deck_detail, name="deck_detail"),
    path("topics/<int:topic_id>/", decks.topic_detail, name="topic_detail"),
    path("cards/", cards.card_list, name="card_list"),
    path("cards/action/", cards.card_action, name="card_action"),
    path("cards/<int:card_id>/", cards.card_detail, name="card_detail"),
    path("exams/", exams.exam_home, name="exam_home"),
    path("exams/start/", exams.exam_start, name="exam_start"),
    path("exams/<int:attempt_id>/", exams.exam_attempt, name="exam_attempt"),
    path("exams/<int:attempt_id>/q/<int:position>/", exams.exam_question, name="exam_question"),
    path("exams/<int:attempt_id>/q/<int:position>/answer/", exams.exam_answer, name="exam_answer"),
    path("exams/<int:attempt_id>/review/", exams.exam_review, name="exam_review"),
    path("exams/<int:attempt_id>/submit/", exams.exam_submit, name="exam_submit"),
    path("exams/<int:attempt_id>/results/", exams.exam_results, name="exam_results"),
    path("exams/<int:attempt_id>/retake/", exams.exam_retake, name="exam_retake"),
    path("study/", study.study_page, name="study"),
    path("study/deck/<slug:slug>/", study.study_page, name="study_deck"),
    path("study/topic/<int:topic_id>/", study.study_page, name="study_topic"),
    path("study/ahead/", custom_study.study_ahead, name="study_ahead"),
    path("study/tag/<path:tag>/", custom_study.study_tag, name="study_tag"),
    path("study/chosen/", custom_study.study_chosen, name="study_chosen"),
    path("study/cram/", custom_study.cram, name="cram"),
    path("study/again-today/", custom_study.again_today, name="again_today"),
    path("study/answer/", study.answer, name="study_answer"),
    path("study/undo/", study.undo, name="study_undo"),
    path("study/suspend/", study.suspend, name="study_suspend"),
    path("study/bury/", study.bury, name="study_bury"),
    path("study/settings/", study.study_settings, name="study_settings"),
    path("study/settings/optimize/", optimizer.optimize_start, name="optimize_start"),
    path(
        "study/settings/optimize/<int:run_id>/", optimizer.optimize_status, name="optimize_status"
    ),
    path("study/settings/optimize/reset/", optimizer.optimize_reset, name="optimize_reset"),
    path("study/settings/workload/", optimizer.workload, name="fsrs_workload"),
    path("study/leeches/", study.leech_list, name="leeches"),
    path("study/leeches/<int:card_id>/unsuspend/", study.leech_unsuspend, name="leech_unsuspend"),
    path("decks/<slug:slug>/export.<str:fmt>", exports.deck_export, name="deck_export"),
    path("topics/<int:topic_id>/export.<str:fmt>", exports.topic_export, name="topic_export"),
    path("account/reviews.csv", exports.my_review_log, name="my_review_log"),
    path("labs/", labs.labs_index, name="labs_index"),
    path("labs/card/<int:card_id>/", labs.card_sim, name="card_sim"),
    path("labs/topic/<int:topic_id>/<int:index>/", labs.topic_sim, name="topic_sim"),
    path("labs/<slug:kind>/", labs.lab_detail, name="lab_detail"),
    path("labs/<slug:kind>/run/", labs.lab_run, name="lab_run"),
    path("stats/", stats.stats_page, name="stats"),
    path("accounts/signup/", accounts.signup, name="signup"),
    # Rate limited like every log-in path, by the authentication backend (quiz/login_limits.py).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    # Imported note images. Served by Django here because they are user content written at
    # import time, not build-time static files; a production proxy may serve MEDIA_ROOT instead.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
