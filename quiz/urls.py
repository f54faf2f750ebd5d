from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.static import serve

from quiz.views import accounts, decks, labs

urlpatterns = [
    path("", decks.dashboard, name="dashboard"),
    path("decks/<slug:slug>/", decks.deck_detail, name="deck_detail"),
    path("topics/<int:topic_id>/", decks.topic_detail, name="topic_detail"),
    path("labs/", labs.labs_index, name="labs_index"),
    path("labs/card/<int:card_id>/", labs.card_sim, name="card_sim"),
    path("labs/topic/<int:topic_id>/<int:index>/", labs.topic_sim, name="topic_sim"),
    path("labs/<slug:kind>/", labs.lab_detail, name="lab_detail"),
    path("labs/<slug:kind>/run/", labs.lab_run, name="lab_run"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Imported note images. Served by Django here because they are user content written at
    # import time, not build-time static files; a production proxy may serve MEDIA_ROOT instead.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
