"""The statistics API: the same tables and the same disclosure control as the dashboard."""

import pytest

from opennrm.accounts.models import Role
from opennrm.accounts.services import api_token_issue
from opennrm.stats.release import release_build
from opennrm.stats.services.release import release_publish, release_withdraw
from tests.factories import UserFactory
from tests.stats.test_report import YEAR, seed_year

TABLES = f"/api/v1/stats/years/{YEAR}/tables"
LATEST = "/api/v1/stats/releases/latest"


@pytest.fixture
def seeded(case_world, make_fact):
    seed_year(make_fact)
    return case_world


def bearer(user) -> dict:
    _token, secret = api_token_issue(user=user, name="Statistics dashboard")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_list_of_tables(client, seeded):
    response = client.get(TABLES, **bearer(seeded.rapporteur))
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == YEAR and body["year_from"] == YEAR - 4
    assert body["method"]["threshold"] == 5 and body["method"]["dp"] is None
    ids = [table["id"] for table in body["tables"]]
    assert ids == list(release_build(year=YEAR).tables)
    first = body["tables"][0]
    assert first == {
        "id": "victims_by_year_sex",
        "kind": "count",
        "title": "Registered victims by year and sex",
        "caption": "Registered victims by year and sex, 2020–2024",
    }


def test_one_table_with_suppressed_cells_that_carry_no_value(client, seeded):
    response = client.get(f"{TABLES}/victims_by_form_sex", **bearer(seeded.rapporteur))
    assert response.status_code == 200
    body = response.json()
    assert body["row_dimension"] == "form" and body["column_dimension"] == "sex"
    assert [c["code"] for c in body["columns"]] == ["Feminine", "Masculine", "total"]
    table = release_build(year=YEAR).table("victims_by_form_sex")
    for row in body["rows"]:
        for column, cell in zip(body["columns"][:2], row["cells"][:2], strict=True):
            published = table.cell(row["code"], column["code"])
            assert cell["display"] == published.display
            assert cell["value"] == published.count
            assert cell["suppressed"] == published.suppressed
    small = next(row for row in body["rows"] if row["code"] == "SexualExploitation")["cells"][1]
    assert small == {"value": None, "display": "< 5", "suppressed": "primary"}
    assert [cell["value"] for cell in body["totals"]["cells"]] == [22, 12, 34]
    assert any("counted under each" in note for note in body["notes"])


def test_duration_table(client, seeded):
    body = client.get(f"{TABLES}/referral_response_time", **bearer(seeded.rapporteur)).json()
    assert body["kind"] == "duration" and body["unit"] == "hours"
    row = body["rows"][0]
    assert row["code"] == "service_provider"
    assert [cell["value"] for cell in row["cells"]] == [16, 7.8, 11.5, 15.2]


def test_labels_follow_accept_language(client, seeded):
    body = client.get(f"{TABLES}/victims_by_form_sex", HTTP_ACCEPT_LANGUAGE="lv", **bearer(seeded.rapporteur)).json()
    assert [c["label"] for c in body["columns"]][:2] == ["Sieviete", "Vīrietis"]


def test_unknown_table_is_404(client, seeded):
    assert client.get(f"{TABLES}/no_such_table", **bearer(seeded.rapporteur)).status_code == 404


def test_bad_year_is_422_naming_the_field(client, seeded):
    response = client.get("/api/v1/stats/years/99/tables", **bearer(seeded.rapporteur))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"


def test_the_published_release_is_public(client, seeded):
    assert client.get(LATEST).status_code == 404
    published = release_publish(year=YEAR, by=seeded.rapporteur)
    response = client.get(LATEST)
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == YEAR
    assert body["method"]["dp"]["epsilon"] == 1.0
    assert "Random noise was added" in body["method"]["dp"]["statement"]
    assert {table["id"] for table in body["tables"]} <= set(release_build(year=YEAR, public=True).tables)
    for table in body["tables"]:
        for row in table["rows"]:
            for cell in row["cells"]:
                assert (cell["value"] is None) == bool(cell["suppressed"]) or table["kind"] == "duration"
    release_withdraw(release=published, by=seeded.rapporteur)
    assert client.get(LATEST).status_code == 404


def test_statistician_reads_tables(client, seeded):
    statistician = UserFactory(roles=[Role.objects.get(code="statistician")])
    assert client.get(TABLES, **bearer(statistician)).status_code == 200
