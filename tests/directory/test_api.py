import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from tests.factories import ContactPointFactory, InstitutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.directory.api_urls")]

BASE = "/api/v1/directory"
SITUATION = {
    "municipality": "beta",
    "stage": "referral",
    "population": "adult",
    "nationality": "third_country_national",
}


@pytest.fixture
def api_client(client, alpha_plain):
    force_login_verified(client, alpha_plain)
    return client


@pytest.mark.parametrize("path", ["/institutions", "/institutions/police", "/municipalities", "/who-to-call"])
def test_anonymous_is_refused(client, world, path):
    response = client.get(BASE + path, SITUATION if path == "/who-to-call" else None)
    assert response.status_code == 401


def test_bearer_token_works(client, world, alpha_plain):
    _token, secret = api_token_issue(user=alpha_plain, name="test integration")
    response = client.get(f"{BASE}/municipalities", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert client.get(f"{BASE}/municipalities", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_municipalities(api_client, world):
    response = api_client.get(f"{BASE}/municipalities")
    assert [m["code"] for m in response.json()] == ["alpha", "beta", "gamma"]
    assert response.json()[0]["names"]["lv"] == "alpha (lv)"


def test_institutions_are_keyset_paginated(api_client, world):
    first = api_client.get(f"{BASE}/institutions", {"limit": 3}).json()
    assert [i["code"] for i in first["items"]] == ["border", "oc-alpha", "oc-beta"]
    assert first["next_after"] == "oc-beta"
    rest = api_client.get(f"{BASE}/institutions", {"limit": 10, "after": first["next_after"]}).json()
    assert [i["code"] for i in rest["items"]] == [
        "police",
        "region-north",
        "region-south",
        "ss-alpha",
        "ss-beta",
    ]
    assert rest["next_after"] is None


def test_institution_filters(api_client, world):
    def codes(**filters):
        return [i["code"] for i in api_client.get(f"{BASE}/institutions", filters).json()["items"]]

    assert codes(municipality="alpha") == ["oc-alpha", "region-north", "ss-alpha"]
    assert codes(type="police") == ["police"]
    assert codes(q="region") == ["region-north", "region-south"]


def test_bad_limit_names_the_field(api_client, world):
    response = api_client.get(f"{BASE}/institutions", {"limit": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_institution_detail_shows_staff_contacts(api_client, world):
    body = api_client.get(f"{BASE}/institutions/police").json()
    assert body["type"] == "police" and body["scope"] == "national"
    points = {p["label"]: p for p in body["contact_points"]}
    assert set(points) == {"Police hotline", "Police duty desk"}
    assert points["Police hotline"]["round_the_clock"] is True
    assert points["Police duty desk"]["audience"] == "professionals"


def test_missing_institution_is_404(api_client, world):
    assert api_client.get(f"{BASE}/institutions/police-old").status_code == 404
    assert api_client.get(f"{BASE}/institutions/nothing").status_code == 404


def test_who_to_call(api_client, world):
    response = api_client.get(f"{BASE}/who-to-call", SITUATION)
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == 1 and body["nationality"] == "third_country_national"
    codes = [e["institution"]["code"] if e["institution"] else None for e in body["entries"]]
    assert codes == ["ss-beta", "region-south", "police", "border", None]
    border = body["entries"][3]
    assert border["description"] == "Border guard refers foreigners"
    assert border["functions"] == [{"id": "refer", "name": "Refer"}]
    social = body["entries"][0]
    assert social["legal_bases"][0]["citation"] == "Test Law No. 1 of 2001"
    assert body["entries"][4]["institution_type"] == "court"


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"municipality": "atlantis"}, 400, "municipality"),
        ({"stage": "nostage"}, 400, "stage"),
        ({"population": "elder"}, 422, "population"),
        ({"nationality": "martian"}, 422, "nationality"),
    ],
)
def test_who_to_call_bad_situation_names_the_field(api_client, world, change, status, field):
    response = api_client.get(f"{BASE}/who-to-call", {**SITUATION, **change})
    assert response.status_code == status
    body = response.json()
    fields = [body.get("field")] + [error["field"] for error in body.get("errors", [])]
    assert field in fields


def test_list_query_count_does_not_grow_with_institutions(api_client, world):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert api_client.get(f"{BASE}/institutions").status_code == 200
        return len(context)

    few = queries()
    for n in range(12):
        extra = InstitutionFactory(code=f"extra-{n:02d}", type=world["types"]["police"], scope="national")
        ContactPointFactory(institution=extra)
    assert queries() == few


def test_openapi_documents_the_endpoints():
    from tests.directory.api_urls import test_api

    paths = test_api.get_openapi_schema()["paths"]
    assert {"/api/v1/directory/institutions", "/api/v1/directory/who-to-call"} <= set(paths)


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("/institutions", {"q": "police\x00"}, "q"),
        ("/institutions", {"q": "p" * 101}, "q"),
        ("/institutions", {"after": "oc-beta\x00"}, "after"),
        ("/institutions", {"after": "x" * 101}, "after"),
        ("/institutions", {"municipality": "alpha\x00"}, "municipality"),
        ("/institutions", {"municipality": "a" * 5000}, "municipality"),
        ("/institutions", {"type": "police; drop"}, "type"),
        ("/who-to-call", {**SITUATION, "municipality": "beta\x00"}, "municipality"),
        ("/who-to-call", {**SITUATION, "stage": "r" * 101}, "stage"),
        ("/institutions/police%00", None, "code"),
        ("/institutions/" + "p" * 101, None, "code"),
    ],
)
def test_absurd_strings_are_refused_naming_the_field(api_client, world, path, query, field):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(BASE + path, query)
    assert response.status_code == 422
    body = response.json()
    assert field in [error["field"] for error in body["errors"]]
    assert field in body["detail"]
    # Nothing of the refused value reached a query (the session and user lookups run before validation).
    assert not any("\x00" in query["sql"] or "ppppp" in query["sql"] for query in queries.captured_queries)


def test_valid_codes_still_pass(api_client, world):
    assert api_client.get(f"{BASE}/institutions/region-north").status_code == 200
    body = api_client.get(f"{BASE}/institutions", {"q": "region", "after": "region-north"}).json()
    assert [item["code"] for item in body["items"]] == ["region-south"]
