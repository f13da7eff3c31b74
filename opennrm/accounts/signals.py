"""Audit of sign-in events that only Django's and django-axes' signals see.

A successful or failed password check and a lockout happen inside `django.contrib.auth.authenticate` and
django-axes, not in a service of ours, so the signals are the one place to record them. Connected in
`AccountsConfig.ready`.
"""

from __future__ import annotations

from opennrm.audit.services import audit_record, client_ip

SIGN_IN_PURPOSE = "sign-in"
# The user name as typed is kept (it may be an attack on someone's account) but never the password.
MAX_ATTEMPTED_USERNAME = 150


def _attempted_username(credentials: dict | None) -> str:
    username = (credentials or {}).get("username") or ""
    return str(username)[:MAX_ATTEMPTED_USERNAME]


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
    audit_record(
        action="auth.login_failed",
        new_values={"username": _attempted_username(credentials)},
        purpose=SIGN_IN_PURPOSE,
        ip_address=client_ip(request),
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
    audit_record(
        action="auth.lockout",
        new_values={"username": str(username or "")[:MAX_ATTEMPTED_USERNAME]},
        purpose=SIGN_IN_PURPOSE,
        ip_address=ip_address or client_ip(request),
    )


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_user_logged_in, dispatch_uid="opennrm.accounts.audit.login")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="opennrm.accounts.audit.login_failed")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="opennrm.accounts.audit.logout")
    user_locked_out.connect(on_user_locked_out, dispatch_uid="opennrm.accounts.audit.lockout")
