"""Who is calling the API: a bearer token issued to a user, or a signed-in browser session.

Routers use `auth=api_auth`; in an endpoint `request.auth` and `request.user` are the User either way.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from opennrm.accounts.models import User
from opennrm.accounts.selectors import api_token_for_secret, pending_sign_in_step
from opennrm.accounts.services import api_token_touch


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer onrm_…`: a token that is not revoked, not expired, and whose user is active.

    A user who must replace a temporary password is refused too: until they have chosen their own, the
    account is in the hands of whoever read the temporary one.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = api_token_for_secret(secret=token.strip())
        if api_token is None or api_token.user.must_change_password:
            return None
        api_token_touch(token=api_token)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class SignedInSessionAuth(SessionAuth):
    """The browser session of a user who has completed sign-in (second factor, no temporary password).

    The sign-in policy middleware leaves /api/ alone, so the same rule is applied here; CSRF is checked
    by ninja for session calls.
    """

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if pending_sign_in_step(user=user) is not None:
            return None
        return user


bearer_auth = BearerTokenAuth()
session_auth = SignedInSessionAuth()
api_auth = [bearer_auth, session_auth]
