"""The app's URLs plus the benchmark's yardstick: a trivial view doing one indexed query."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from quiz.models import CardState


@require_GET
@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    first = CardState.objects.filter(user=request.user).order_by("due").values("pk").first()
    return HttpResponse(str(first))


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("quiz.urls")),
]
