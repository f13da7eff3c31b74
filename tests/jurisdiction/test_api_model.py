"""The model API: authentication, visibility of drafts, content, and the structured diff."""

import pytest
from django.urls import path

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.api.api import api
from opennrm.jurisdiction.api import router
from opennrm.jurisdiction.models import ModelVersion
from tests.jurisdiction.views_fixtures import *  # noqa: F403 - the fixtures
from tests.jurisdiction.views_fixtures import make_version

# The integrator mounts the router in opennrm/api/api.py; until then the tests mount it themselves.
if not any(prefix.strip("/") == "model" for prefix, _router in api._routers):
    api.add_router("/model/", router)
urlpatterns = [path("api/v1/", api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BASE = "/api/v1/model"


def bearer(user) -> dict:
    _token, secret = api_token_issue(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("url", ["/versions", "/published", "/versions/1", "/versions/1/diff"])
def test_anonymous_callers_are_refused(client, published, url):
    assert client.get(BASE + url).status_code == 401


def test_published_version_with_content(client, published, plain_user):
    response = client.get(f"{BASE}/published", **bearer(plain_user))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 1 and body["status"] == "published" and body["pack_code"] == "testland"
    assert body["content"]["pack"]["name"]["en"] == "Testland model"
    assert body["content_hash"] == published.content_hash


def test_no_published_version_is_not_found(client, testland, plain_user):
    response = client.get(f"{BASE}/published", **bearer(plain_user))
    assert response.status_code == 404
    assert "published" in response.json()["detail"]


def test_versions_hide_drafts_from_callers_without_view_drafts(client, draft, plain_user, workgroup_user):
    plain = client.get(f"{BASE}/versions", **bearer(plain_user)).json()
    assert [v["number"] for v in plain] == [1]
    group = client.get(f"{BASE}/versions", **bearer(workgroup_user)).json()
    assert [(v["number"], v["status"], v["based_on"]) for v in group] == [
        (2, "draft", 1),
        (1, "published", None),
    ]


def test_a_draft_reads_as_missing_without_view_drafts(client, draft, plain_user, workgroup_user):
    assert client.get(f"{BASE}/versions/2", **bearer(plain_user)).status_code == 404
    assert client.get(f"{BASE}/versions/2/diff", **bearer(plain_user)).status_code == 404
    response = client.get(f"{BASE}/versions/2", **bearer(workgroup_user))
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_unknown_version_is_not_found(client, published, plain_user):
    assert client.get(f"{BASE}/versions/42", **bearer(plain_user)).status_code == 404


def test_diff_against_published_is_structured_per_type_and_stage(client, draft, workgroup_user):
    response = client.get(f"{BASE}/versions/2/diff", **bearer(workgroup_user))
    assert response.status_code == 200
    body = response.json()
    assert (body["old_number"], body["new_number"], body["is_empty"]) == (1, 2, False)
    [type_change] = body["institution_types"]
    assert type_change["institution_type"] == "social_service"
    [stage_change] = type_change["stages"]
    assert stage_change["stage"] == "recognition" and stage_change["kind"] == "changed"
    assert stage_change["changes"] == [
        {
            "field": "description.en",
            "old": "Notices indicators.",
            "new": "Notices indicators and asks questions.",
        }
    ]


def test_diff_against_a_chosen_version(client, published, plain_user):
    published.status = ModelVersion.Status.SUPERSEDED
    published.save()
    make_version(number=2, status=ModelVersion.Status.PUBLISHED)
    body = client.get(f"{BASE}/versions/2/diff?against=1", **bearer(plain_user)).json()
    assert body["is_empty"] is True and body["institution_types"] == []


def test_bad_against_names_the_parameter(client, published, plain_user):
    response = client.get(f"{BASE}/versions/1/diff?against=latest", **bearer(plain_user))
    assert response.status_code == 422
    assert "against" in response.json()["detail"]


def test_signed_in_browser_session_works(client, published, plain_user):
    force_login_verified(client, plain_user)
    assert client.get(f"{BASE}/versions").status_code == 200
