"""Two-step sign-in: compulsory for personal-data roles, enrolment with a QR code, a code at each sign-in."""

from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from tests.accounts.helpers import sign_in, totp_code, totp_code_for_step

pytestmark = pytest.mark.django_db


def test_personal_data_role_requires_two_factor_and_coordinator_does_not(case_worker, coordinator):
    assert case_worker.requires_two_factor is True
    assert coordinator.requires_two_factor is False


def test_first_sign_in_sends_to_setup_and_nothing_else_opens(client, case_worker):
    response = sign_in(client, case_worker.username)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))
    for url in (reverse("core:home"), reverse("accounts:tokens"), reverse("accounts:password_change")):
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert blocked.url.startswith(reverse("accounts:otp_setup")), url


def test_htmx_request_gets_a_client_redirect(client, case_worker):
    sign_in(client, case_worker.username)
    response = client.get(reverse("core:home"), headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith(reverse("accounts:otp_setup"))


def test_setup_shows_inline_qr_svg_and_key_for_manual_entry(client, case_worker):
    sign_in(client, case_worker.username)
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<script" not in html.split('<main id="main"')[1]
    device = TOTPDevice.objects.get(user=case_worker, confirmed=False)
    key = b32encode(device.bin_key).decode()
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in html
    # Reloading the page keeps the same key, so a half-finished enrolment is not invalidated.
    client.get(reverse("accounts:otp_setup"))
    assert TOTPDevice.objects.filter(user=case_worker).count() == 1


def test_wrong_setup_code_is_refused_and_changes_nothing(client, case_worker):
    sign_in(client, case_worker.username)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=case_worker)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:otp_setup"), {"token": wrong})
    assert response.status_code == 200
    assert "This code is not correct" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    not_digits = client.post(reverse("accounts:otp_setup"), {"token": "abc"})
    assert "Enter the six digits" in not_digits.content.decode()


def test_setup_then_verify_at_the_next_sign_in(client, case_worker, settings):
    sign_in(client, case_worker.username)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=case_worker)
    response = client.post(reverse("accounts:otp_setup"), {"token": totp_code(device)})
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_enrolled", actor=case_worker).count() == 1

    client.post(reverse("accounts:logout"))
    response = sign_in(client, case_worker.username)
    assert response.url.startswith(reverse("accounts:otp_verify"))
    # With a confirmed device the setup page cannot be used to enrol a second one without the first.
    assert client.get(reverse("accounts:otp_setup")).url.startswith(reverse("accounts:otp_verify"))
    assert client.get(reverse("core:home")).url.startswith(reverse("accounts:otp_verify"))

    # The code just used for enrolment is not accepted again; the next one is.
    replay = client.post(reverse("accounts:otp_verify"), {"token": totp_code_for_step(device, device.last_t)})
    assert replay.status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=case_worker).count() == 1
    # Without waiting out the throttle that the wrong code started.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    response = client.post(reverse("accounts:otp_verify"), {"token": totp_code(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_verified", actor=case_worker).count() == 1


def test_wrong_codes_are_throttled(client, case_worker):
    device = TOTPDevice.objects.create(user=case_worker, name="phone", confirmed=True)
    sign_in(client, case_worker.username)
    client.post(reverse("accounts:otp_verify"), {"token": "000000" if totp_code(device) != "000000" else "111111"})
    response = client.post(reverse("accounts:otp_verify"), {"token": totp_code(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("core:home")).status_code == 302


def test_coordinator_may_enrol_voluntarily_and_then_needs_the_code(client, coordinator):
    sign_in(client, coordinator.username)
    assert client.get(reverse("core:home")).status_code == 200
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 200
    assert "Two-step sign-in protects your account" in response.content.decode()
    device = TOTPDevice.objects.get(user=coordinator)
    client.post(reverse("accounts:otp_setup"), {"token": totp_code(device)})
    client.post(reverse("accounts:logout"))
    assert sign_in(client, coordinator.username).url.startswith(reverse("accounts:otp_verify"))


def test_exempt_paths_pass_while_the_second_factor_is_due(client, case_worker):
    sign_in(client, case_worker.username)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/en/"}).status_code == 302
    assert client.get("/api/v1/me").status_code == 401  # the API's own rule, not a redirect
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_helper_for_other_apps_signs_in_verified(client, case_worker):
    force_login_verified(client, case_worker)
    assert client.get(reverse("core:home")).status_code == 200
