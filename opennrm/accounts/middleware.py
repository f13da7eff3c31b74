"""The sign-in policy: nothing opens until the second factor is given and a temporary password is replaced."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from opennrm.accounts.selectors import STEP_PASSWORD_CHANGE, pending_sign_in_step

# The sign-in pages themselves, by URL name in the "accounts" namespace, per pending step.
_ALLOWED_DURING = {
    "otp_setup": {"login", "logout", "otp_setup", "otp_verify"},
    "otp_verify": {"login", "logout", "otp_setup", "otp_verify"},
    STEP_PASSWORD_CHANGE: {"login", "logout", "password_change"},
}
# Static files, the language switch and the API (which has its own token and session checks) pass untouched.
_EXEMPT_PREFIXES = ("/api/", "/i18n/")


class SignInPolicyMiddleware:
    """Send a signed-in user who still owes a sign-in step to that step's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or self._is_exempt(request.path_info):
            return self.get_response(request)
        step = pending_sign_in_step(user=user)
        if step is None:
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.namespace == "accounts" and match.url_name in _ALLOWED_DURING[step]:
            return self.get_response(request)
        target = reverse(f"accounts:{step}")
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        # django-htmx's middleware runs after this one, so the header is read directly.
        if request.headers.get("HX-Request") == "true":
            # A plain redirect would be followed inside the fragment being swapped; make the browser go.
            return HttpResponseClientRedirect(target)
        return redirect(target)

    @staticmethod
    def _is_exempt(path: str) -> bool:
        return path.startswith(_EXEMPT_PREFIXES) or path.startswith(settings.STATIC_URL)
