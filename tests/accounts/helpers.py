from django.urls import reverse
from django_otp.oath import TOTP, totp

from tests.factories import TEST_PASSWORD


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or `steps_ahead` periods later), computed from the device's key."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def sign_in(client, username: str, password: str = TEST_PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def totp_code_for_step(device, t: int) -> str:
    """The code of time step `t` (e.g. `device.last_t`, the step of the code accepted last)."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    generator.time = device.t0 + t * device.step + 1
    return f"{generator.token():06d}"
