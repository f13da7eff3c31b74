"""Forced password change after a reset, the password change page, and the idle timeout of a session."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from tests.accounts.helpers import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Passphrase-for-2026"


def test_must_change_password_blocks_other_pages(client, coordinator):
    coordinator.must_change_password = True
    coordinator.save()
    response = sign_in(client, coordinator.username)
    assert response.url.startswith(reverse("accounts:password_change"))
    blocked = client.get(reverse("accounts:tokens"))
    assert blocked.status_code == 302
    assert blocked.url.startswith(reverse("accounts:password_change"))
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    assert "temporary password" in page.content.decode()


def test_second_factor_comes_before_the_password_change(client, case_worker):
    case_worker.must_change_password = True
    case_worker.save()
    assert sign_in(client, case_worker.username).url.startswith(reverse("accounts:otp_setup"))
    assert client.get(reverse("accounts:password_change")).url.startswith(reverse("accounts:otp_setup"))


def test_password_change_clears_the_flag_and_keeps_the_session(client, case_worker):
    case_worker.must_change_password = True
    case_worker.save()
    force_login_verified(client, case_worker)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    case_worker.refresh_from_db()
    assert case_worker.must_change_password is False
    assert case_worker.check_password(NEW_PASSWORD)
    # Still signed in and still verified: the second factor is not asked again.
    assert client.get(reverse("accounts:tokens")).status_code == 200
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor == case_worker
    assert event.new_values == {"must_change_password": False}
    assert NEW_PASSWORD not in str(event.new_values) + str(event.old_values)


def test_bad_password_change_names_the_field_and_changes_nothing(client, coordinator):
    force_login_verified(client, coordinator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong-old-password", "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_old_password_error"' in html
    assert 'id="id_new_password2_error"' in html
    coordinator.refresh_from_db()
    assert coordinator.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_session_age_is_the_idle_timeout_renewed_on_every_request(client, coordinator):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    force_login_verified(client, coordinator)
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=2))
    assert client.get(reverse("accounts:tokens")).status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    # Activity pushed the expiry a whole idle period ahead again.
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_idle_session_expires(client, coordinator):
    force_login_verified(client, coordinator)
    assert client.get(reverse("accounts:tokens")).status_code == 200
    key = client.session.session_key
    # As if the user had been away longer than the idle timeout.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
