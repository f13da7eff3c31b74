"""API tokens: the services, the user's own page and the `opennrm token` command."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.models import ApiToken
from opennrm.accounts.services import api_token_issue, api_token_revoke
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
    response = client.post(reverse("accounts:tokens"), {"action": "issue", "name": "Reporting", "days": "30"})
    assert response.status_code == 200
    secret = response.context["issued"]["secret"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get(user=coordinator)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert secret not in client.get(reverse("accounts:tokens")).content.decode()


def test_issue_on_the_page_with_bad_days_names_the_field(client, coordinator):
    force_login_verified(client, coordinator)
    response = client.post(reverse("accounts:tokens"), {"action": "issue", "name": "x", "days": "0"})
    assert 'id="id_days_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_on_the_page_only_own_token(client, coordinator, case_worker):
    theirs, _ = api_token_issue(user=case_worker, name="Theirs")
    mine, _ = api_token_issue(user=coordinator, name="Mine")
    force_login_verified(client, coordinator)
    assert (
        client.post(reverse("accounts:tokens"), {"action": "revoke", "token": theirs.pk}).status_code == 404
    )
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
    assert token.expires_at is not None


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
