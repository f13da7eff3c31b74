"""Sign-in pages (password, second factor, password change), user administration and own API tokens."""

from __future__ import annotations

from base64 import b32encode
from datetime import timedelta

import qrcode
import qrcode.image.svg
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from opennrm.accounts import selectors, services
from opennrm.accounts.forms import ApiTokenIssueForm, LoginForm, OtpTokenForm, UserInviteForm
from opennrm.audit.services import client_ip
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _continue(request):
    """Go to the sign-in step still due, carrying the page the user was heading for; else to that page."""
    next_url = _next_url(request)
    step = selectors.pending_sign_in_step(user=request.user)
    if step is None:
        return redirect(next_url)
    return redirect(f"{reverse(f'accounts:{step}')}?{urlencode({'next': next_url})}")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return _continue(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through `authenticate` with the request: django-axes counts failures and refuses locked-out users.
        user = authenticate(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None:
            login(request, user)
            return _continue(request)
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, None, getattr(request, "axes_credentials", None))
        form.add_error(None, gettext("The user name or the password is not correct."))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, gettext("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=12, border=4)
    # Generated here from our own data and escaped by the XML writer, so it is safe to inline.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    user = request.user
    if selectors.confirmed_totp_devices(user=user).exists():
        if user.is_verified():
            messages.info(request, gettext("Two-step sign-in is already set up for your account."))
            return _continue(request)
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device = services.totp_device_pending(user=user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("token", gettext("Too many wrong codes. Wait a minute, then enter a new code."))
        elif services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["token"], ip_address=client_ip(request)
        ):
            otp_login(request, device)
            messages.success(request, gettext("Two-step sign-in is set up. You will need a code at every sign-in."))
            return _continue(request)
        else:
            form.add_error("token", gettext("This code is not correct. Check the time on your phone and try again."))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": _qr_svg(device.config_url),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "required": user.requires_two_factor,
    }
    return render(request, "accounts/otp_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if not selectors.confirmed_totp_devices(user=user).exists():
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
    if user.is_verified():
        return _continue(request)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_throttled(user=user):
            form.add_error("token", gettext("Too many wrong codes. Wait a minute, then enter a new code."))
        else:
            device = services.totp_verify(user=user, token=form.cleaned_data["token"], ip_address=client_ip(request))
            if device is not None:
                otp_login(request, device)
                return _continue(request)
            form.add_error("token", gettext("This code is not correct. Check the time on your phone and try again."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(user=request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_password_change(
                user=request.user, password=form.cleaned_data["new_password1"], ip_address=client_ip(request)
            )
        except ApplicationError as error:
            form.add_error("new_password1", error.message)
        else:
            # Keeps this session signed in (other sessions of the user end with the old password).
            update_session_auth_hash(request, user)
            messages.success(request, gettext("Your password has been changed."))
            return _continue(request)
    context = {"form": form, "next": _next_url(request), "forced": request.user.must_change_password}
    return render(request, "accounts/password_change.html", context)


def _require_user_manager(request) -> None:
    if not selectors.can_manage_users(user=request.user):
        raise PermissionDenied


@login_required
def users(request):
    _require_user_manager(request)
    managed = list(selectors.users_managed_by(user=request.user))
    context = {
        "users": managed,
        "resettable": {u.pk for u in managed if selectors.within_powers_of(by=request.user, user=u)},
        "institution": request.user.institution,
    }
    return render(request, "accounts/users.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_invite(request):
    _require_user_manager(request)
    form = UserInviteForm(
        request.POST or None,
        units=selectors.units_of(user=request.user),
        roles=selectors.roles_assignable_by(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_invite(**form.cleaned_data, by=request.user, ip_address=client_ip(request))
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            context = {"managed_user": user, "password": password, "created": True}
            return render(request, "accounts/password_reset_done.html", context)
    return render(request, "accounts/user_invite.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@login_required
@require_POST
def user_password_reset(request, user_id: int):
    _require_user_manager(request)
    try:
        user = selectors.access_managed_user(by=request.user, user_id=user_id)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    try:
        password = services.user_password_reset(user=user, by=request.user, ip_address=client_ip(request))
    except NotFoundOrForbidden as error:
        raise Http404 from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("accounts:users")
    return render(request, "accounts/password_reset_done.html", {"managed_user": user, "password": password})


def _password_confirmed(request, password: str) -> bool:
    user = authenticate(request=request, username=request.user.get_username(), password=password)
    return user is not None and user.pk == request.user.pk


@never_cache
@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    form = ApiTokenIssueForm()
    issued = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            token = selectors.access_own_api_token(user=request.user, token_id=int(request.POST.get("token", "")))
        except (ValueError, NotFoundOrForbidden) as error:
            raise Http404 from error
        services.api_token_revoke(token=token, by=request.user)
        messages.success(request, gettext("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("accounts:tokens")
    if request.method == "POST":
        form = ApiTokenIssueForm(request.POST)
        # Through `authenticate` with the request, so django-axes counts wrong passwords here as at sign-in.
        if form.is_valid() and not _password_confirmed(request, form.cleaned_data["password"]):
            if getattr(request, "axes_locked_out", False):
                return get_lockout_response(request, None, getattr(request, "axes_credentials", None))
            form.add_error("password", gettext("The password is not correct."))
        if form.is_valid():
            expires_at = timezone.now() + timedelta(days=form.cleaned_data["days"])
            try:
                token, secret = services.api_token_issue(
                    user=request.user, name=form.cleaned_data["name"], expires_at=expires_at, by=request.user
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                issued = {"token": token, "secret": secret}
                form = ApiTokenIssueForm()
    context = {
        "form": form,
        "issued": issued,
        "api_tokens": selectors.api_tokens_of(user=request.user),
        "now": timezone.now(),
        "max_days": services.TOKEN_MAX_DAYS,
    }
    return render(request, "accounts/tokens.html", context)
