"""Audit of sign-in events that only Django's and django-axes' signals see.

A successful or failed password check and a lockout happen inside `django.contrib.auth.authenticate` and
django-axes, not in a service of ours, so the signals are the one place to record them. Connected in
`AccountsConfig.ready`.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from opennrm.audit.services import audit_record, client_ip

SIGN_IN_PURPOSE = "sign-in"
MAX_ATTEMPTED_USERNAME = 150
# 64 bits: enough that two different typed names practically never share a value, too short to be a password hash.
USERNAME_HMAC_HEX = 16


def username_fingerprint(username: str) -> str:
    """A keyed hash of a typed user name, so repeated attempts with it correlate without keeping the text.

    The text may be a password typed into the wrong field or a person's name; a plain hash of it could be
    reversed by guessing, a keyed one only with the server's secret key. A new SECRET_KEY starts new values.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), b"opennrm.sign-in.username\n" + username.encode(), hashlib.sha256)
    return digest.hexdigest()[:USERNAME_HMAC_HEX]


def _account_for(username: str):
    from opennrm.accounts.models import User

    if not username:
        return None
    # User names are unique regardless of case (`user_create`), so a match either way is that account.
    accounts = User.objects.select_related("unit__institution")
    return accounts.filter(username=username).first() or accounts.filter(username__iexact=username).first()


def _record_attempt(*, action: str, username: str, ip_address: str | None) -> None:
    # The typed text is never stored: it may be a password typed into the wrong field.
    username = username[:MAX_ATTEMPTED_USERNAME]
    account = _account_for(username)
    if account is not None:
        # An attack on a known account: the account is the subject, so its institution's auditors see it.
        audit_record(
            action=action,
            object_type="user",
            object_id=account.pk,
            purpose=SIGN_IN_PURPOSE,
            ip_address=ip_address,
            institution=account.institution,
        )
        return
    audit_record(
        action=action,
        new_values={"username_hmac": username_fingerprint(username)},
        purpose=SIGN_IN_PURPOSE,
        ip_address=ip_address,
    )


def _attempted_username(credentials: dict | None) -> str:
    return str((credentials or {}).get("username") or "")


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(
        action="auth.login",
        actor=user,
        object_type="user",
        object_id=user.pk,
        purpose=SIGN_IN_PURPOSE,
        ip_address=client_ip(request),
    )


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    _record_attempt(
        action="auth.login_failed", username=_attempted_username(credentials), ip_address=client_ip(request)
    )


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_record(
        action="auth.logout",
        actor=user,
        object_type="user",
        object_id=user.pk,
        purpose=SIGN_IN_PURPOSE,
        ip_address=client_ip(request),
    )


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    _record_attempt(action="auth.lockout", username=str(username or ""), ip_address=ip_address or client_ip(request))


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_user_logged_in, dispatch_uid="opennrm.accounts.audit.login")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="opennrm.accounts.audit.login_failed")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="opennrm.accounts.audit.logout")
    user_locked_out.connect(on_user_locked_out, dispatch_uid="opennrm.accounts.audit.lockout")
