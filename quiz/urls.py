from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.static import serve

from quiz.views import accounts, decks, study

urlpatterns = [
    path("", decks.dashboard, name="dashboard"),
    path("decks/<slug:slug>/", decks.deck_detail, name="deck_detail"),
    path("topics/<int:topic_id>/", decks.topic_detail, name="topic_detail"),
    path("study/", study.study_page, name="study"),
    path("study/deck/<slug:slug>/", study.study_page, name="study_deck"),
    path("study/topic/<int:topic_id>/", study.study_page, name="study_topic"),
    path("study/answer/", study.answer, name="study_answer"),
    path("study/undo/", study.undo, name="study_undo"),
    path("study/suspend/", study.suspend, name="study_suspend"),
    path("study/bury/", study.bury, name="study_bury"),
    path("study/settings/", study.study_settings, name="study_settings"),
    path("study/leeches/", study.leech_list, name="leeches"),
    path("study/leeches/<int:card_id>/unsuspend/", study.leech_unsuspend, name="leech_unsuspend"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Imported note images. Served by Django here because they are user content written at
    # import time, not build-time static files; a production proxy may serve MEDIA_ROOT instead.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
