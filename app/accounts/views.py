"""Sign-up, log-in (rate-limited), password reset, profile and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from app.accounts import ratelimits
from app.accounts.backends import PATH as BACKEND
from app.accounts.forms import ProfileForm, SignupForm, TokenForm
from app.accounts.models import ApiToken, User
from app.accounts.services import token_create, token_revoke, user_signup


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
def login_view(request: HttpRequest) -> HttpResponseBase:
    """Django's log-in; the backend applies the limits (`ratelimits.login_refusal`)."""
    response = auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)
    refusal: ratelimits.Refusal | None = getattr(request, "login_refusal", None)
    if refusal is not None:
        form = AuthenticationForm(request, initial={"username": request.POST.get("username")})
        context = {"form": form, "limited": refusal.message}
        response = render(request, "registration/login.html", context, status=429)
        response["Retry-After"] = str(refusal.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("editor:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if ratelimits.limited(request, "signup"):
            form.add_error(None, _("Too many sign-ups from your address; try again later."))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            user = user_signup(
                username=data["username"], email=data["email"], password=data["password1"]
            )
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! You can now suggest claims and evidence."))
            return redirect("editor:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


def password_reset(request: HttpRequest) -> HttpResponseBase:
    """The reset mail's link is built from SITE_URL, never from the request's Host."""
    if request.method == "POST" and ratelimits.limited(request, "password-reset"):
        context = {"form": PasswordResetForm(), "limited": True}
        response = render(request, "registration/password_reset_form.html", context, status=429)
        response["Retry-After"] = "3600"
        return response
    return auth_views.PasswordResetView.as_view(
        success_url=reverse_lazy("accounts:password_reset_done"),
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
        extra_email_context={"site_url": settings.SITE_URL},
    )(request)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Choosing a new password also ends the account's log-in slow-down."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        ratelimits.login_cleared(form.user.get_username())
        return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    roles = [group.name for group in user.groups.all()]
    return render(request, "accounts/profile.html", {"form": form, "roles": roles})


@login_required
@permission_required("accounts.use_api", raise_exception=True)
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List my tokens; a POST creates one and shows its secret exactly once."""
    user = _user(request)
    form = TokenForm(request.POST or None)
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        new_secret = token_create(user=user, name=form.cleaned_data["name"]).secret
        form = TokenForm()
    context = {"form": form, "tokens": user.api_tokens.all(), "new_secret": new_secret}
    # never_cache (above) marks the page no-store: the secret must not sit in a cache.
    return render(request, "accounts/tokens.html", context, status=201 if new_secret else 200)


@login_required
@permission_required("accounts.use_api", raise_exception=True)
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=_user(request))
    token_revoke(token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.display})
    return redirect(reverse("accounts:tokens"))
