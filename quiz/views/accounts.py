from __future__ import annotations

import math

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from quiz import login_limits


class SignUpForm(UserCreationForm):
    """Django's sign-up form, with password-rule errors under the password they are about
    (Django puts them under the confirmation)."""

    def validate_password_for_user(self, user, password_field_name: str = "password1") -> None:
        super().validate_password_for_user(user, password_field_name="password1")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


class RateLimitedLoginView(LoginView):
    """Django's log-in, refusing with 429 after too many recent failures (`quiz.login_limits`).

    The check comes before the password is looked at, so a right guess during the lock-out
    tells the guesser nothing."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        block = login_limits.check(
            username=request.POST.get("username", ""),
            ip=login_limits.client_ip(request),
            now=timezone.now(),
        )
        if block is not None:
            return self._refuse(block)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        login_limits.record_failure(
            username=self.request.POST.get("username", ""),
            ip=login_limits.client_ip(self.request),
            now=timezone.now(),
        )
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        login_limits.clear_failures(username=form.get_user().get_username())
        return super().form_valid(form)

    def _refuse(self, block: login_limits.Block) -> HttpResponse:
        minutes = max(1, math.ceil(block.retry_after.total_seconds() / 60))
        who = "this account" if block.reason == "username" else "your network"
        refusal = (
            f"Too many failed log-ins for {who}. Please wait {minutes} minute"
            f"{'s' if minutes != 1 else ''} and try again."
        )
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")[:150]}
        )
        context = self.get_context_data(form=form, refusal=refusal)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(math.ceil(block.retry_after.total_seconds()) or 1)
        return response
