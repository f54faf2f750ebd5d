from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quiz.models import StudyProfile
from quiz.timezones import all_zones


class SignUpForm(UserCreationForm):
    """Django's sign-up form, with password-rule errors under the password they are about
    (Django puts them under the confirmation), and the browser's time zone, filled in by the
    page's script (`keys.js`), so the study day starts at 4 am where the learner is."""

    timezone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-zone": ""})
    )

    def clean_timezone(self) -> str:
        # A zone the server does not know (or none, without script) is UTC, as before.
        value = self.cleaned_data.get("timezone") or ""
        return value if value in all_zones() else "UTC"

    def validate_password_for_user(self, user, password_field_name: str = "password1") -> None:
        super().validate_password_for_user(user, password_field_name="password1")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        zone = form.cleaned_data["timezone"]
        # A new learner has no answers yet: their days are cut in the same zone from the start.
        StudyProfile.objects.create(user=user, timezone=zone, day_tally_zone=zone)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})
