"""The screening API at /api/v1/screening/: the same contract as `opennrm screen`, errors naming the field."""

import json

import pytest

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.screening.models import Screening
from tests.screening.fixtures import adult_set, indicator_ids

# The fixtures (a small published model with sets, a directory, two members of staff) live in web_fixtures.
pytest_plugins = ["tests.screening.web_fixtures"]
pytestmark = pytest.mark.django_db

BASE = "/api/v1/screening"
ADULT = adult_set()


def _post(client, path, body, **extra):
    return client.post(BASE + path, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def api_client(client, social_worker):
    force_login_verified(client, social_worker)
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/sets"), ("get", "/sets/test_adult_labour/indicators"), ("post", "/evaluate"), ("post", "/screenings")],
)
def test_anonymous_is_refused(client, screening_world, method, path):
    if method == "get":
        response = client.get(BASE + path)
    else:
        response = _post(client, path, {"set": "test_adult_labour", "answers": {}})
    assert response.status_code == 401
    assert Screening.objects.count() == 0


def test_any_role_with_a_bearer_token_may_screen(client, police_officer):
    _token, secret = api_token_issue(user=police_officer, name="test integration")
    response = client.get(f"{BASE}/sets", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert client.get(f"{BASE}/sets", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_sets(api_client):
    sets = api_client.get(f"{BASE}/sets").json()
    assert [s["id"] for s in sets] == [
        "test_adult_labour",
        "test_adult_sexual",
        "test_child_labour",
        "test_sham_marriage",
        "test_forced_return",
    ]
    assert sets[0] == {
        "id": "test_adult_labour",
        "title": ADULT["title"]["en"],
        "population": "adult",
        "forms": ["labour"],
        "context": "general",
    }


def test_indicators(api_client):
    rows = api_client.get(f"{BASE}/sets/test_adult_labour/indicators").json()
    assert [r["id"] for r in rows] == indicator_ids(ADULT)
    assert rows[0] == {
        "id": "tal_deceived_about_job",
        "dimension": "deceptive_recruitment",
        "strength": "strong",
        "question": "Was the person misled about the kind of work?",
    }


def test_indicators_in_the_request_language(api_client):
    rows = api_client.get(f"{BASE}/sets/test_adult_labour/indicators", HTTP_ACCEPT_LANGUAGE="lv").json()
    assert rows[0]["question"].startswith("[lv] ")


def test_indicators_of_an_unknown_set(api_client):
    response = api_client.get(f"{BASE}/sets/nope/indicators")
    assert response.status_code == 400
    assert response.json()["field"] == "set" and "nope" in response.json()["detail"]


def test_evaluate_has_the_cli_shape(api_client):
    answers = {i: "yes" for i in ("tal_deceived_about_job", "tal_deceived_about_pay")}
    response = _post(api_client, "/evaluate", {"set": "test_adult_labour", "answers": answers})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"set", "outcome", "dimensions", "missing"}
    assert body["set"] == "test_adult_labour" and body["outcome"] == "partial"
    assert body["dimensions"]["deceptive_recruitment"] == {
        "present": True,
        "strong": 1,
        "medium": 1,
        "weak": 0,
        "indicators": ["tal_deceived_about_job", "tal_deceived_about_pay"],
    }
    assert body["missing"][0] == "Deceptive recruitment is established; nothing yet on exploitative conditions."


def test_evaluate_unknown_set_indicator_and_value(api_client):
    response = _post(api_client, "/evaluate", {"set": "nope", "answers": {}})
    assert response.status_code == 400 and response.json()["field"] == "set"
    response = _post(api_client, "/evaluate", {"set": "test_adult_labour", "answers": {"tal_nothing": "yes"}})
    assert response.status_code == 400
    assert response.json()["field"] == "answers.tal_nothing" and "tal_nothing" in response.json()["detail"]
    response = _post(
        api_client, "/evaluate", {"set": "test_adult_labour", "answers": {"tal_deceived_about_job": "maybe"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answers.tal_deceived_about_job"
    response = _post(api_client, "/evaluate", {"answers": {}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "set"


def test_save(api_client, social_worker):
    body = {"answers": {"test_adult_labour": {"tal_deceived_about_job": "yes", "tal_threats": "no"}}}
    response = _post(api_client, "/screenings", body)
    assert response.status_code == 201, response.json()
    saved = Screening.objects.get()
    assert response.json() == {
        "id": saved.pk,
        "sets": ["test_adult_labour"],
        "outcome": "partial",
        "model_version": 1,
        "institution_type": "social_service",
        "municipality": "alpha",
        "screened_on": saved.screened_on.isoformat(),
    }
    assert saved.answers == body["answers"]
    event = AuditEvent.objects.get(action="screening.save")
    assert event.actor == social_worker and "tal_deceived_about_job" not in json.dumps(event.new_values)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"answers": {}}, 422, "answers"),
        ({"answers": {"nope": {}}}, 400, "set"),
        ({"answers": {"test_adult_labour": {"tal_nothing": "yes"}}}, 400, "answers.tal_nothing"),
        ({"answers": {"test_adult_labour": {"tal_threats": "perhaps"}}}, 422, "answers.test_adult_labour.tal_threats"),
        # No personal data or free text is accepted: there is no field for it, and an unknown key is refused.
        ({"answers": {"test_adult_labour": {}}, "name": "Jānis"}, 422, "name"),
    ],
)
def test_save_refuses_bad_input(api_client, body, status, field):
    response = _post(api_client, "/screenings", body)
    assert response.status_code == status
    if status == 400:
        assert response.json()["field"] == field
    else:
        assert response.json()["errors"][0]["field"] == field
    assert Screening.objects.count() == 0
