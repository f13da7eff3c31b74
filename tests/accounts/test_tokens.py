"""API tokens: the services, the user's own page and the `opennrm token` command."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.models import ApiToken
from opennrm.accounts.selectors import api_token_for_secret
from opennrm.accounts.services import (
    REVOKE_PASSWORD_CHANGE,
    REVOKE_PASSWORD_RESET,
    api_token_issue,
    api_token_revoke,
    user_password_change,
    user_password_reset,
)
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ISSUE = {"action": "issue", "name": "Reporting", "days": "30", "password": TEST_PASSWORD}


def test_issue_stores_only_hash_and_prefix(coordinator):
    token, secret = api_token_issue(user=coordinator, name="Case system")
    assert secret.startswith(f"onrm_{token.prefix}_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(stored)
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.new_values["prefix"] == token.prefix
    assert secret not in str(event.new_values)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"name": " "}, "name"), ({"name": "x" * 101}, "name"), ({"expires_at": "past"}, "expires_at")],
)
def test_issue_refuses_bad_input(coordinator, kwargs, field):
    if kwargs.get("expires_at") == "past":
        kwargs = {"name": "ok", "expires_at": timezone.now() - timedelta(minutes=1)}
    with pytest.raises(ApplicationError) as error:
        api_token_issue(user=coordinator, **kwargs)
    assert error.value.field == field
    assert not ApiToken.objects.exists()


def test_every_token_expires_within_a_year(coordinator):
    token, _secret = api_token_issue(user=coordinator, name="Default")
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    token, _secret = api_token_issue(user=coordinator, name="Longest", expires_at=timezone.now() + timedelta(days=365))
    with pytest.raises(ApplicationError) as error:
        api_token_issue(user=coordinator, name="Too long", expires_at=timezone.now() + timedelta(days=366))
    assert error.value.field == "expires_at" and "365" in error.value.message
    assert ApiToken.objects.count() == 2


def test_nobody_issues_or_revokes_tokens_for_someone_else(coordinator, case_worker):
    with pytest.raises(NotFoundOrForbidden):
        api_token_issue(user=coordinator, name="x", by=case_worker)
    token, _secret = api_token_issue(user=coordinator, name="x")
    with pytest.raises(NotFoundOrForbidden):
        api_token_revoke(token=token, by=case_worker)
    api_token_revoke(token=token, by=coordinator)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


# --- the page: anonymous → own tokens only → issue and revoke


def test_tokens_page_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("accounts:tokens")).url.startswith(reverse("accounts:login"))


def test_tokens_page_lists_only_own_tokens(client, coordinator, case_worker):
    api_token_issue(user=coordinator, name="Mine")
    api_token_issue(user=case_worker, name="Theirs")
    force_login_verified(client, coordinator)
    html = client.get(reverse("accounts:tokens")).content.decode()
    assert "Mine" in html and "Theirs" not in html


def test_issue_on_the_page_shows_the_secret_once(client, coordinator):
    force_login_verified(client, coordinator)
    response = client.post(reverse("accounts:tokens"), {**ISSUE, "days": "30"})
    assert response.status_code == 200
    secret = response.context["issued"]["secret"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get(user=coordinator)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert secret not in client.get(reverse("accounts:tokens")).content.decode()


def test_issue_on_the_page_with_bad_days_names_the_field(client, coordinator):
    force_login_verified(client, coordinator)
    for days in ("0", "366", "many"):
        response = client.post(reverse("accounts:tokens"), {**ISSUE, "days": days})
        assert 'id="id_days_error"' in response.content.decode(), days
    assert not ApiToken.objects.exists()


def test_issue_on_the_page_without_days_lasts_90_days(client, coordinator):
    force_login_verified(client, coordinator)
    assert 'value="90"' in client.get(reverse("accounts:tokens")).content.decode()
    client.post(reverse("accounts:tokens"), {**ISSUE, "days": ""})
    token = ApiToken.objects.get(user=coordinator)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_issue_on_the_page_needs_the_password_again(client, coordinator):
    force_login_verified(client, coordinator)
    html = client.get(reverse("accounts:tokens")).content.decode()
    assert '<label for="id_password">' in html
    missing = client.post(reverse("accounts:tokens"), {**ISSUE, "password": ""})
    wrong = client.post(reverse("accounts:tokens"), {**ISSUE, "password": "not-my-password-1"})
    assert 'id="id_password_error"' in missing.content.decode()
    assert "The password is not correct." in wrong.content.decode()
    assert wrong.context["issued"] is None
    assert not ApiToken.objects.exists()
    assert "not-my-password-1" not in str(list(AuditEvent.objects.values("new_values")))


def test_revoke_on_the_page_only_own_token(client, coordinator, case_worker):
    theirs, _ = api_token_issue(user=case_worker, name="Theirs")
    mine, _ = api_token_issue(user=coordinator, name="Mine")
    force_login_verified(client, coordinator)
    assert client.post(reverse("accounts:tokens"), {"action": "revoke", "token": theirs.pk}).status_code == 404
    assert client.post(reverse("accounts:tokens"), {"action": "revoke", "token": "abc"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.post(reverse("accounts:tokens"), {"action": "revoke", "token": mine.pk}).status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


# --- the command


def run(*args) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_cli_issue_prints_only_the_token(coordinator):
    output = run("issue", "--user", coordinator.username, "--name", "Nightly export", "--days", "7")
    lines = output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("onrm_")
    token = ApiToken.objects.get(user=coordinator)
    assert token.name == "Nightly export"
    assert token.key_hash == hashlib.sha256(lines[0].encode()).hexdigest()
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_cli_issue_without_days_lasts_90_days(coordinator):
    run("issue", "--user", coordinator.username)
    token = ApiToken.objects.get(user=coordinator)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_cli_list_and_revoke(coordinator):
    token, secret = api_token_issue(user=coordinator, name="Integration")
    listing = run("list", "--user", coordinator.username)
    assert token.prefix in listing and "active" in listing and secret not in listing
    assert "is revoked" in run("revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in run("list", "--user", coordinator.username)
    assert "already revoked" in run("revoke", secret)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("issue", "--user", "no.such.user"), "no user 'no.such.user'"),
        (("list", "--user", "no.such.user"), "no user 'no.such.user'"),
        (("revoke", "deadbeef"), "no token starts with 'deadbeef'"),
        (("issue", "--user", "test.coordinator", "--days", "0"), "--days must be a whole number"),
        (("issue", "--user", "test.coordinator", "--days", "366"), "from 1 to 365"),
        (("issue", "--user", "test.coordinator", "--name", " "), "--name:"),
    ],
)
def test_cli_bad_input_is_a_clear_error(coordinator, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


def test_cli_inactive_user_gets_no_token():
    user = UserFactory(username="test.gone", is_active=False)
    with pytest.raises(CommandError, match="not active"):
        run("issue", "--user", user.username)


# --- a new password ends every token issued with the old one


def test_password_reset_revokes_all_active_tokens_with_a_reason(unit, admin_role):
    admin = UserFactory(username="test.reset.admin", unit=unit, roles=[admin_role])
    member = UserFactory(username="test.member", unit=unit)
    first, first_secret = api_token_issue(user=member, name="One")
    second, _ = api_token_issue(user=member, name="Two")
    already, _ = api_token_issue(user=member, name="Old")
    api_token_revoke(token=already, by=None)
    others, _ = api_token_issue(user=admin, name="Not theirs")
    user_password_reset(user=member, by=admin, ip_address="192.0.2.10")
    for token in (first, second):
        token.refresh_from_db()
        assert token.revoked_at is not None
    others.refresh_from_db()
    assert others.revoked_at is None
    events = AuditEvent.objects.filter(action="api_token.revoke", new_values__reason=REVOKE_PASSWORD_RESET)
    assert {event.object_id for event in events} == {str(first.pk), str(second.pk)}
    assert all(event.actor == admin and event.ip_address == "192.0.2.10" for event in events)
    assert api_token_for_secret(secret=first_secret) is None


def test_refused_password_reset_revokes_nothing(unit, admin_role, auditor_role):
    admin = UserFactory(username="test.weak.admin", unit=unit, roles=[admin_role])
    stronger = UserFactory(username="test.stronger", unit=unit, roles=[auditor_role])
    token, _ = api_token_issue(user=stronger, name="Kept")
    with pytest.raises(Forbidden):
        user_password_reset(user=stronger, by=admin)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_password_change_revokes_all_own_tokens(client, coordinator):
    token, _ = api_token_issue(user=coordinator, name="Integration")
    force_login_verified(client, coordinator)
    new_password = "a-brand-new-password-77"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.actor == coordinator and event.new_values["reason"] == REVOKE_PASSWORD_CHANGE


def test_password_change_refused_keeps_the_tokens(coordinator):
    token, _ = api_token_issue(user=coordinator, name="Integration")
    with pytest.raises(ApplicationError):
        user_password_change(user=coordinator, password="short")
    token.refresh_from_db()
    assert token.revoked_at is None
