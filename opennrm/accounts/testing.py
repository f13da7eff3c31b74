"""Helpers for tests of other apps: sign a user in as if they had completed every sign-in step.

A user whose role sees personal data is sent to the second-factor page until the session is verified,
so a bare `client.force_login(user)` is not enough for them.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def force_login_verified(client, user) -> TOTPDevice:
    """`client.force_login(user)` plus a confirmed authenticator that the session counts as verified."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
