"""Password sign-in, lockout after repeated failures, sign-out, and their audit events."""

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from opennrm.audit.models import AuditEvent
from tests.accounts.helpers import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-password-123"


def test_login_page_renders_labelled_fields(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html


def test_wrong_password_is_refused_with_a_message_and_audited_without_the_password(client, coordinator):
    response = sign_in(client, coordinator.username, WRONG_PASSWORD)
    assert response.status_code == 200
    assert "The user name or the password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    # A known account is recorded as the subject (so its institution sees the attempt), not as typed text.
    assert (event.object_type, event.object_id) == ("user", str(coordinator.pk))
    assert event.institution == coordinator.institution
    assert event.new_values is None
    assert event.actor is None
    assert event.ip_address == "127.0.0.1"
    assert WRONG_PASSWORD not in json.dumps([event.old_values, event.new_values, event.purpose])


def test_unknown_user_answers_like_a_wrong_password(client, coordinator):
    unknown = sign_in(client, "nobody.here", WRONG_PASSWORD).content.decode()
    assert "The user name or the password is not correct." in unknown
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_unknown_user_name_is_stored_only_as_a_keyed_hash_that_correlates(client, coordinator, settings):
    # Someone typing their password into the user name field must not leave it in the audit log.
    typed = "Secret-Typed-Into-Name-1"
    sign_in(client, typed, WRONG_PASSWORD)
    sign_in(client, typed, WRONG_PASSWORD)
    sign_in(client, "someone.else", WRONG_PASSWORD)
    events = list(AuditEvent.objects.filter(action="auth.login_failed").order_by("seq"))
    assert len(events) == 3
    assert typed not in json.dumps([(e.old_values, e.new_values, e.object_id) for e in events])
    first, again, other = (e.new_values["username_hmac"] for e in events)
    assert first == again != other
    assert len(first) == 16 and all(e.object_id == "" for e in events)
    # Keyed: without the server's secret the value cannot be recomputed from a guess.
    import hashlib

    assert first != hashlib.sha256(typed.encode()).hexdigest()[:16]
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    sign_in(client, typed, WRONG_PASSWORD)
    latest = AuditEvent.objects.filter(action="auth.login_failed").order_by("-seq").first()
    assert latest.new_values["username_hmac"] != first


def test_user_name_typed_in_another_case_is_recorded_as_that_account(client, coordinator):
    sign_in(client, coordinator.username.upper(), WRONG_PASSWORD)
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_id == str(coordinator.pk) and event.new_values is None


def test_empty_form_names_the_missing_fields(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_username_error"' in html
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()


def test_a_role_without_sensitive_capabilities_signs_in_without_a_second_factor(client, coordinator):
    response = sign_in(client, coordinator.username)
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == coordinator
    assert event.institution == coordinator.institution


def test_next_is_followed_only_on_this_site(client, coordinator):
    tokens = reverse("accounts:tokens")
    response = client.post(
        reverse("accounts:login"),
        {"username": coordinator.username, "password": TEST_PASSWORD, "next": tokens},
    )
    assert response.url == tokens
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": coordinator.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("core:home")


def test_inactive_user_cannot_sign_in(client, coordinator):
    coordinator.is_active = False
    coordinator.save()
    response = sign_in(client, coordinator.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures_even_with_the_right_password(client, coordinator):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert sign_in(client, coordinator.username, WRONG_PASSWORD).status_code == 200
    fifth = sign_in(client, coordinator.username, WRONG_PASSWORD)
    assert fifth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in fifth.templates]
    assert "administrator" in fifth.content.decode()
    assert "Wait 15 minutes" in fifth.content.decode()

    right = sign_in(client, coordinator.username)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session

    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 6
    lockouts = AuditEvent.objects.filter(action="auth.lockout")
    assert lockouts.count() == 2
    assert lockouts.first().object_id == str(coordinator.pk)
    assert lockouts.first().new_values is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    everything = json.dumps(list(AuditEvent.objects.values("old_values", "new_values")))
    assert WRONG_PASSWORD not in everything and TEST_PASSWORD not in everything


def test_lockout_is_per_user_name_and_address(client, coordinator, case_worker):
    for _ in range(5):
        sign_in(client, coordinator.username, WRONG_PASSWORD)
    # Another account from the same address is not blocked, nor the same account from another address.
    assert sign_in(client, case_worker.username).status_code == 302
    client.logout()
    assert sign_in(client, coordinator.username, REMOTE_ADDR="192.0.2.10").status_code == 302


def test_success_clears_earlier_failures(client, coordinator):
    for _ in range(3):
        sign_in(client, coordinator.username, WRONG_PASSWORD)
    assert sign_in(client, coordinator.username).status_code == 302
    assert not AccessAttempt.objects.filter(username=coordinator.username, failures_since_start__gt=0).exists()


def test_logout_is_post_only_and_audited(client, coordinator):
    sign_in(client, coordinator.username)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="auth.logout").actor == coordinator


def test_signed_in_user_visiting_login_goes_on(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("accounts:login")).url == reverse("core:home")
