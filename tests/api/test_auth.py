"""API authentication: bearer tokens and signed-in sessions; errors as JSON without tracebacks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from ninja import NinjaAPI, Router, Schema
from ninja.testing import TestClient

from opennrm.accounts.models import ApiToken, Role
from opennrm.accounts.services import api_token_issue, api_token_revoke
from opennrm.accounts.testing import force_login_verified
from opennrm.api.api import api
from opennrm.api.auth import api_auth
from opennrm.api.errors import install_error_handlers
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.factories import InstitutionFactory, RoleFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture
def user():
    unit = UnitFactory(institution=InstitutionFactory(code="test-police"))
    roles = [RoleFactory(code="police_officer", capabilities=["cases.view", "personal_data.view"])]
    return UserFactory(username="test.officer", unit=unit, roles=roles)


@pytest.fixture
def coordinator():
    return UserFactory(
        username="test.coord", roles=[RoleFactory(code="national_coordinator", capabilities=["model.edit"])]
    )


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_no_credentials_is_401(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize(
    "header", ["Bearer onrm_deadbeef_nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500]
)
def test_bad_token_is_401(client, user, header):
    assert client.get(ME, HTTP_AUTHORIZATION=header).status_code == 401


def test_good_token_is_the_user(client, user):
    token, secret = api_token_issue(user=user, name="Case system")
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "username": "test.officer",
        "institution": "test-police",
        "roles": ["police_officer"],
        "capabilities": ["cases.view", "personal_data.view"],
        "two_factor_required": True,
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(client, user):
    token, secret = api_token_issue(user=user, name="Case system")
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    first = token.last_used_at
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_revoked_token_is_401(client, user):
    token, secret = api_token_issue(user=user, name="Case system")
    api_token_revoke(token=token, by=None)
    assert client.get(ME, **bearer(secret)).status_code == 401


def test_expired_token_is_401(client, user):
    token, secret = api_token_issue(user=user, name="Case system", expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ME, **bearer(secret)).status_code == 401


def test_token_of_a_disabled_user_is_401(client, user):
    _token, secret = api_token_issue(user=user, name="Case system")
    user.is_active = False
    user.save()
    assert client.get(ME, **bearer(secret)).status_code == 401


def test_token_of_a_user_who_must_change_password_is_401(client, user):
    # Until a temporary password is replaced, the account is in the hands of whoever read it.
    _token, secret = api_token_issue(user=user, name="Case system")
    user.must_change_password = True
    user.save()
    assert client.get(ME, **bearer(secret)).status_code == 401
    user.must_change_password = False
    user.save()
    assert client.get(ME, **bearer(secret)).status_code == 200


def test_token_without_an_expiry_date_is_401(client, user):
    token, secret = api_token_issue(user=user, name="Case system")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert client.get(ME, **bearer(secret)).status_code == 401


def test_token_acts_only_with_roles_in_force(client, user):
    _token, secret = api_token_issue(user=user, name="Case system")
    Role.objects.filter(code="police_officer").update(institution_types=["state_police"])
    body = client.get(ME, **bearer(secret)).json()
    assert body["roles"] == [] and body["capabilities"] == []
    unit = user.unit
    unit.is_active = False
    unit.save()
    assert client.get(ME, **bearer(secret)).json()["capabilities"] == []


def test_bearer_call_reads_the_user_and_roles_in_few_queries(client, user, django_assert_max_num_queries):
    _token, secret = api_token_issue(user=user, name="Case system")
    client.get(ME, **bearer(secret))
    # The token with its user, unit, institution and type in one query, the roles in one more, the
    # last-used time not rewritten within the minute; nothing per capability check.
    with django_assert_max_num_queries(2):
        assert client.get(ME, **bearer(secret)).status_code == 200


def test_session_works_for_a_fully_signed_in_user(client, user):
    force_login_verified(client, user)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_session_without_the_second_factor_is_401(client, user):
    client.force_login(user)  # a password only: the second step is still owed
    assert client.get(ME).status_code == 401


def test_session_with_a_temporary_password_is_401(client, coordinator):
    coordinator.must_change_password = True
    coordinator.save()
    force_login_verified(client, coordinator)
    assert client.get(ME).status_code == 401


def test_session_of_a_fully_signed_in_user_works(client, coordinator):
    force_login_verified(client, coordinator)
    assert client.get(ME).json()["institution"].startswith("test-institution-")


def test_me_is_in_the_openapi_schema_with_both_auth_methods():
    schema = api.get_openapi_schema()
    assert "/api/v1/me" in schema["paths"]
    security = schema["paths"]["/api/v1/me"]["get"]["security"]
    assert {"BearerTokenAuth": []} in security and {"SignedInSessionAuth": []} in security


# --- error mapping, on an API made only for this test with the same handlers


class _In(Schema):
    name: str
    count: int


_router = Router(auth=api_auth)


@_router.post("/fail/{kind}")
def _fail(request, kind: str, payload: _In):
    errors = {
        "application": ApplicationError("The name is taken.", field="name"),
        "notfound": NotFoundOrForbidden(),
        "forbidden": Forbidden("You may not do this."),
        "crash": RuntimeError("secret internals"),
    }
    raise errors[kind]


_errors_api = NinjaAPI(urls_namespace="test-errors")
install_error_handlers(_errors_api)
_errors_api.add_router("", _router)


@pytest.fixture
def errors_client(coordinator):
    test_client = TestClient(_errors_api)
    _token, secret = api_token_issue(user=coordinator, name="test")
    return test_client, {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("application", 400, {"detail": "The name is taken.", "field": "name"}),
        ("notfound", 404, {"detail": "Not found."}),
        ("forbidden", 403, {"detail": "You may not do this.", "field": None}),
        ("crash", 500, {"detail": "Something went wrong on the server."}),
    ],
)
def test_domain_errors_map_to_json(errors_client, kind, status, body):
    test_client, headers = errors_client
    response = test_client.post(f"/fail/{kind}", json={"name": "x", "count": 1}, headers=headers)
    assert response.status_code == status
    assert response.json() == body
    assert "Traceback" not in response.content.decode() and "secret internals" not in response.content.decode()


def test_validation_error_names_the_fields(errors_client):
    test_client, headers = errors_client
    response = test_client.post("/fail/application", json={"count": "many"}, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert {error["field"] for error in body["errors"]} == {"name", "count"}
    assert "name" in body["detail"] and "count" in body["detail"]


def test_the_real_api_uses_the_same_handlers(rf):
    response = api.on_exception(rf.get(ME), NotFoundOrForbidden())
    assert response.status_code == 404
    assert api.on_exception(rf.get(ME), ApplicationError("Bad.", field="x")).status_code == 400
