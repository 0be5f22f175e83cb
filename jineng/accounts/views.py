"""Login, logout and second-factor pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    """Log in with username and password; lockout is handled by django-axes."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol or verify a TOTP device (placeholder until the accounts UI lands)."""
    return render(request, "accounts/second_factor.html", {})
