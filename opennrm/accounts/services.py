"""Changing accounts: users and their roles, passwords, the second factor, API tokens.

Every function here is one transaction that also writes its audit event. Secrets (passwords, TOTP keys,
token secrets) never reach the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.models import ApiToken, Role, User
from opennrm.accounts.selectors import (
    api_token_hash,
    can_manage_users,
    confirmed_totp_devices,
    within_powers_of,
)
from opennrm.audit.services import audit_record
from opennrm.core.capabilities import ADMINISTRATIVE_CAPABILITIES
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.directory.models import Unit

# Stored as data, not shown as interface text, so it is kept in one language.
AUDIT_PURPOSE = "account administration"
SIGN_IN_PURPOSE = "sign-in"
# No look-alike characters (0/O, 1/l/I), so a password read out over the phone is typed right first time.
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOKEN_PREFIX_BYTES = 4
TOKEN_NAME_MAX = 100
TOKEN_SCHEME = "onrm"
# A forgotten integration token must not work for ever: every token expires, by default after about a quarter.
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365
# Why tokens were revoked, as stored in the audit event.
REVOKE_BY_OWNER = "revoked by its owner"
REVOKE_BY_OPERATOR = "revoked by the operator"
REVOKE_PASSWORD_RESET = "password reset by an administrator"
REVOKE_PASSWORD_CHANGE = "password changed"


def _check_manager(*, by: User | None, user: User) -> None:
    # `by=None` is the operator at the command line (or the demo loader), who already controls the server.
    if by is None:
        return
    if not can_manage_users(user=by):
        raise Forbidden(gettext("You may not manage user accounts."))
    if user.institution is None or user.institution.pk != by.institution.pk:
        raise NotFoundOrForbidden()


def _check_powers(*, by: User | None, user: User, roles: list[Role] | None = None) -> None:
    # An administrator who could reset the password of, or hand roles to, someone with administrative powers
    # beyond their own could sign in as that person: a takeover (core/capabilities.py). Compared with every role
    # the target holds, in force or not, because a disabled role or a closed unit can come back.
    if by is None:
        return
    if by.pk is not None and by.pk == user.pk:
        raise Forbidden(gettext("Your own password and roles cannot be changed here. Ask another administrator."))
    own = by.capabilities()
    if user.pk is not None and not within_powers_of(by=by, user=user):
        raise Forbidden(
            gettext(
                "%(username)s holds administrative permissions that you do not have, "
                "so you may not change their account."
            )
            % {"username": user.get_username()}
        )
    if roles is not None:
        beyond = sorted(
            role.code for role in roles if (frozenset(role.capabilities) - own) & ADMINISTRATIVE_CAPABILITIES
        )
        if beyond:
            raise Forbidden(
                gettext(
                    "You may not give roles with administrative permissions that you do not have yourself: %(roles)s."
                )
                % {"roles": ", ".join(beyond)}
            )


def _role_codes(roles: Iterable[Role]) -> list[str]:
    return sorted(role.code for role in roles)


def _check_roles(*, roles: list[Role], unit: Unit | None) -> None:
    institution_type = unit.institution.type.code if unit is not None else None
    for role in roles:
        if not role.is_active:
            raise ApplicationError(
                gettext("The role '%(role)s' is no longer in use.") % {"role": role.code}, field="roles"
            )
        if role.institution_types and institution_type not in role.institution_types:
            raise ApplicationError(
                gettext("Staff of this institution may not hold the role '%(role)s'.") % {"role": role.code},
                field="roles",
            )


def _check_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password") from error


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    roles: Iterable[Role],
    password: str | None = None,
    by: User | None = None,
) -> User:
    """Create a member of staff in `unit` with `roles`; without a password the account cannot sign in yet."""
    username = (username or "").strip()
    if not username:
        raise ApplicationError(gettext("Enter a user name."), field="username")
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="username") from error
    if len(username) > 150:
        raise ApplicationError(gettext("Use at most 150 characters."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(gettext("This user name is already taken."), field="username")
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ApplicationError(gettext("Enter a valid e-mail address."), field="email") from error
    if unit is None or not unit.is_active or not unit.institution.is_active:
        raise ApplicationError(gettext("Choose an active unit."), field="unit")
    roles = list(roles)
    _check_roles(roles=roles, unit=unit)
    user = User(username=username, email=email, first_name=first_name or "", last_name=last_name or "", unit=unit)
    _check_manager(by=by, user=user)
    _check_powers(by=by, user=user, roles=roles)
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user=user)
        user.set_password(password)
    user.save()
    user.roles.set(roles)
    audit_record(
        action="user.create",
        actor=by,
        object_type="user",
        object_id=user.pk,
        new_values={"username": user.username, "unit": unit.pk, "roles": _role_codes(roles)},
        purpose=AUDIT_PURPOSE,
        institution=unit.institution,
    )
    return user


@transaction.atomic
def user_invite(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    roles: Iterable[Role],
    by: User,
    ip_address: str | None = None,
) -> tuple[User, str]:
    """An administrator adds a colleague: the account and a one-time temporary password (returned once)."""
    user = user_create(
        username=username, email=email, first_name=first_name, last_name=last_name, unit=unit, roles=roles, by=by
    )
    return user, user_password_reset(user=user, by=by, ip_address=ip_address)


@transaction.atomic
def user_roles_set(*, user: User, roles: Iterable[Role], by: User | None) -> User:
    """Replace the user's roles; each must be one that staff of the user's institution type may hold."""
    _check_manager(by=by, user=user)
    roles = list(roles)
    _check_powers(by=by, user=user, roles=roles)
    _check_roles(roles=roles, unit=user.unit)
    old = _role_codes(user.roles.all())
    new = _role_codes(roles)
    if old != new:
        user.roles.set(roles)
        audit_record(
            action="user.roles_set",
            actor=by,
            object_type="user",
            object_id=user.pk,
            old_values={"roles": old},
            new_values={"roles": new},
            purpose=AUDIT_PURPOSE,
            institution=user.institution,
        )
    return user


def _temporary_password() -> str:
    groups = ("".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


@transaction.atomic
def user_password_reset(*, user: User, by: User | None, ip_address: str | None = None) -> str:
    """Give the user a one-time temporary password (returned once, never stored) and lift any lockout."""
    from axes.utils import reset as axes_reset

    _check_manager(by=by, user=user)
    if by is not None and by.pk == user.pk:
        raise Forbidden(gettext("Change your own password on the password change page."))
    _check_powers(by=by, user=user)
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    axes_reset(username=user.get_username())
    # Whoever knew the old password may have issued tokens with it; they must not outlive the reset.
    _api_tokens_revoke_all(user=user, by=by, reason=REVOKE_PASSWORD_RESET, ip_address=ip_address)
    audit_record(
        action="user.password_reset",
        actor=by,
        object_type="user",
        object_id=user.pk,
        new_values={"username": user.username, "must_change_password": True, "lockout_cleared": True},
        purpose=AUDIT_PURPOSE,
        ip_address=ip_address,
        institution=user.institution,
    )
    return password


@transaction.atomic
def user_two_factor_reset(*, user: User, by: User | None, ip_address: str | None = None) -> int:
    """Remove the user's authenticators (a lost phone): they enrol a new one at their next sign-in.

    Stricter than a password reset: whoever could reset both could enrol their own phone and sign in as the
    user, so only the operator at the command line, or an administrator holding every capability the user
    holds, may do it. Returns how many authenticators were removed.
    """
    _check_manager(by=by, user=user)
    _check_powers(by=by, user=user)
    if by is not None and not user.assigned_capabilities() <= by.capabilities():
        raise Forbidden(
            gettext("Only an administrator with all of %(username)s's permissions may reset their two-step sign-in.")
            % {"username": user.get_username()}
        )
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        action="user.two_factor_reset",
        actor=by,
        object_type="user",
        object_id=user.pk,
        new_values={"username": user.username, "authenticators_removed": removed},
        purpose=AUDIT_PURPOSE,
        ip_address=ip_address,
        institution=user.institution,
    )
    return removed


@transaction.atomic
def user_password_change(*, user: User, password: str, ip_address: str | None = None) -> User:
    """The user sets a new password of their own choice; a temporary password stops being required."""
    _check_password(password, user=user)
    user.set_password(password)
    was_temporary = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _api_tokens_revoke_all(user=user, by=user, reason=REVOKE_PASSWORD_CHANGE, ip_address=ip_address)
    audit_record(
        action="user.password_change",
        actor=user,
        object_type="user",
        object_id=user.pk,
        old_values={"must_change_password": was_temporary},
        new_values={"must_change_password": False},
        purpose=SIGN_IN_PURPOSE,
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (made on first call, same key until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str, ip_address: str | None = None) -> bool:
    """Confirm enrolment with a code from the authenticator app; False (nothing changes) if wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise NotFoundOrForbidden()
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        action="auth.otp_enrolled",
        actor=user,
        object_type="user",
        object_id=user.pk,
        new_values={"device": device.persistent_id},
        purpose=SIGN_IN_PURPOSE,
        ip_address=ip_address,
    )
    return True


def totp_verify(*, user: User, token: str, ip_address: str | None = None) -> TOTPDevice | None:
    """The confirmed device that accepts `token`, or None; both outcomes are audited."""
    token = (token or "").strip().replace(" ", "")
    # Not one transaction: django-otp's throttling counter must survive a wrong code.
    matched = None
    for device in confirmed_totp_devices(user=user):
        if device.verify_token(token):
            matched = device
            break
    audit_record(
        action="auth.otp_verified" if matched else "auth.otp_failed",
        actor=user,
        object_type="user",
        object_id=user.pk,
        purpose=SIGN_IN_PURPOSE,
        ip_address=ip_address,
    )
    return matched


def totp_throttled(*, user: User) -> bool:
    """True while every device of the user refuses codes because of recent wrong ones."""
    devices = list(confirmed_totp_devices(user=user))
    return bool(devices) and all(not device.verify_is_allowed()[0] for device in devices)


def _token_snapshot(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "user": token.user.get_username(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, expires_at: datetime | None = None, by: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a bearer token acting as `user`, expiring by default in 90 days; the secret is returned once."""
    if by is not None and by.pk != user.pk:
        raise NotFoundOrForbidden()
    name = (name or "").strip()
    if not name:
        raise ApplicationError(gettext("Give the token a name, e.g. the system that will use it."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise ApplicationError(gettext("Use at most %(count)d characters.") % {"count": TOKEN_NAME_MAX}, field="name")
    if not user.is_active:
        raise ApplicationError(gettext("The user account is not active."), field="user")
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ApplicationError(gettext("The expiry date must be in the future."), field="expires_at")
    if expires_at > now + timedelta(days=TOKEN_MAX_DAYS):
        raise ApplicationError(
            gettext("A token can be valid for at most %(days)d days.") % {"days": TOKEN_MAX_DAYS},
            field="expires_at",
        )
    prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
    # The readable scheme and prefix let secret scanners and people recognise a leaked token.
    secret = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=api_token_hash(secret), expires_at=expires_at
    )
    audit_record(
        action="api_token.issue",
        actor=by,
        object_type="api_token",
        object_id=token.pk,
        new_values=_token_snapshot(token),
        purpose=AUDIT_PURPOSE,
        institution=user.institution,
    )
    return token, secret


def _api_token_revoke(*, token: ApiToken, by: User | None, reason: str, ip_address: str | None = None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        action="api_token.revoke",
        actor=by,
        object_type="api_token",
        object_id=token.pk,
        new_values={**_token_snapshot(token), "reason": reason},
        purpose=AUDIT_PURPOSE,
        ip_address=ip_address,
        institution=token.user.institution,
    )


def _api_tokens_revoke_all(*, user: User, by: User | None, reason: str, ip_address: str | None) -> None:
    # Expired tokens are revoked too: it costs nothing and the list then shows plainly why they stopped.
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk")
    for token in active:
        token.user = user
        _api_token_revoke(token=token, by=by, reason=reason, ip_address=ip_address)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke the token at once; revoking a revoked token changes nothing."""
    if by is not None and by.pk != token.user_id:
        raise NotFoundOrForbidden()
    if token.revoked_at is not None:
        return token
    _api_token_revoke(token=token, by=by, reason=REVOKE_BY_OPERATOR if by is None else REVOKE_BY_OWNER)
    return token


LAST_USED_RESOLUTION_SECONDS = 60


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the token was used; at most once a minute, so busy integrations do not write each call."""
    now = timezone.now()
    if token.last_used_at is not None and (now - token.last_used_at).total_seconds() < LAST_USED_RESOLUTION_SECONDS:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
