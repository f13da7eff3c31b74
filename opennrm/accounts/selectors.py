"""Reading accounts: who an administrator may manage, which sign-in step is still due, API token look-up."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.models import ApiToken, Role, User
from opennrm.core.capabilities import ADMINISTRATIVE_CAPABILITIES, Capability
from opennrm.core.errors import NotFoundOrForbidden

# What `pending_sign_in_step` answers: the URL name (in the "accounts" namespace) of the step still due.
STEP_OTP_SETUP = "otp_setup"
STEP_OTP_VERIFY = "otp_verify"
STEP_PASSWORD_CHANGE = "password_change"


def confirmed_totp_devices(*, user: User) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def needs_second_factor(*, user: User) -> bool:
    """A personal-data role makes the second factor compulsory; who enrolled voluntarily uses it too."""
    return user.requires_two_factor or confirmed_totp_devices(user=user).exists()


def pending_sign_in_step(*, user) -> str | None:
    """The sign-in step this signed-in user must still complete before anything else, or None.

    The second factor comes first, so that a password alone never opens even the password-change page.
    `user.is_verified` is set by django-otp's middleware on the request's user.
    """
    if user is None or not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if not (callable(is_verified) and is_verified()) and needs_second_factor(user=user):
        return STEP_OTP_VERIFY if confirmed_totp_devices(user=user).exists() else STEP_OTP_SETUP
    if user.must_change_password:
        return STEP_PASSWORD_CHANGE
    return None


def can_manage_users(*, user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.institution is not None
        and user.has_capability(Capability.USERS_MANAGE)
    )


def users_managed_by(*, user: User) -> QuerySet[User]:
    """The staff of the administrator's own institution; nobody else's."""
    if not can_manage_users(user=user):
        return User.objects.none()
    return (
        User.objects.filter(unit__institution_id=user.unit.institution_id)
        # What `User.active_roles` reads, so listing the roles costs no query per user.
        .select_related("unit__institution__type")
        .prefetch_related("roles")
        .order_by("username")
    )


def within_powers_of(*, by: User, user: User) -> bool:
    """True if `by` may look after `user`: `user` holds (in force or not) no administrative power `by` lacks."""
    beyond = user.assigned_capabilities() - by.capabilities()
    return not (beyond & ADMINISTRATIVE_CAPABILITIES)


def access_managed_user(*, by: User, user_id: int) -> User:
    """The user `user_id` if `by` may manage them; missing and foreign users answer the same."""
    user = users_managed_by(user=by).filter(pk=user_id).first()
    if user is None:
        raise NotFoundOrForbidden()
    return user


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def access_own_api_token(*, user: User, token_id: int) -> ApiToken:
    token = api_tokens_of(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFoundOrForbidden()
    return token


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_for_secret(*, secret: str) -> ApiToken | None:
    """The usable token with this secret: not revoked, not expired, its user active; else None."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user__unit__institution__type")
        .prefetch_related("user__roles")
        .filter(key_hash=api_token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Every token expires; one without a date can only be corrupt data and is refused.
    if token.expires_at is None or token.expires_at <= timezone.now():
        return None
    return token


def roles_assignable_by(*, user: User) -> list[Role]:
    """Roles `user` may give colleagues: in use, allowed for their institution type, no power they lack."""
    institution = user.institution
    if institution is None:
        return []
    own = user.capabilities()
    return [
        role
        for role in Role.objects.filter(is_active=True).order_by("code")
        if (not role.institution_types or institution.type.code in role.institution_types)
        and not ((frozenset(role.capabilities) - own) & ADMINISTRATIVE_CAPABILITIES)
    ]


def units_of(*, user: User) -> list:
    """The active units of the user's institution, where an administrator may add colleagues."""
    institution = user.institution
    return list(institution.units.filter(is_active=True).order_by("code")) if institution is not None else []
