"""The rapporteur's pages: dashboard, table downloads, report downloads, publishing and withdrawing."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from opennrm.accounts.models import Role
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.stats.models import PublishedRelease
from opennrm.stats.release import release_build
from tests.factories import UserFactory
from tests.stats.test_report import YEAR, seed_year


def dashboard_url() -> str:
    return reverse("stats:dashboard")


@pytest.fixture
def seeded(case_world, make_fact):
    seed_year(make_fact)
    return case_world


def signed_in(client, user):
    force_login_verified(client, user)
    return client


@pytest.fixture
def statistician(case_world):
    return UserFactory(username="test.statistician", roles=[Role.objects.get(code="statistician")])


def test_dashboard_shows_every_table_with_chart_and_downloads(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(dashboard_url(), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Statistics reports, 2024" in html
    assert '<option value="2024" selected>' in html
    # Key figures, the legend of the marks, a chart with its text alternative and the table after it.
    release = release_build(year=YEAR)
    registered = release.table("victims_by_age_sex").total.display
    assert f"<dt>Registered victims</dt><dd>{registered}</dd>" in html
    assert "Signs used in the tables" in html
    assert 'aria-labelledby="chart-victims-by-age-sex-title chart-victims-by-age-sex-desc"' in html
    assert "<caption>Registered victims by age band and sex, 2024</caption>" in html
    assert "&lt; 5" in html
    for table_id in ("victims_by_year_sex", "pathway", "referral_response", "screenings_by_type_outcome"):
        assert f"{reverse('stats:table_download', args=[table_id])}?year=2024&amp;format=csv" in html
        assert f"{reverse('stats:table_download', args=[table_id])}?year=2024&amp;format=xlsx" in html
    # The annual report in every language and format.
    for language in ("lv", "en", "ru"):
        for file_format in ("html", "pdf", "xlsx"):
            assert f"{reverse('stats:report')}?year=2024&amp;language={language}&amp;format={file_format}" in html
    # The rapporteur may publish; the page says how.
    assert reverse("stats:publish") in html


def test_dashboard_never_shows_personal_data(client, seeded):
    html = signed_in(client, seeded.rapporteur).get(dashboard_url(), {"year": YEAR}).content.decode()
    assert "htcds:TEST" not in html
    assert "/cases/" not in html


def test_statistician_sees_the_dashboard_without_publishing(client, seeded, statistician):
    html = signed_in(client, statistician).get(dashboard_url(), {"year": YEAR}).content.decode()
    assert "Registered victims by year and sex" in html
    assert reverse("stats:publish") not in html


def test_bad_year_is_refused_with_a_message(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(dashboard_url(), {"year": "1066"})
    assert response.status_code == 400
    assert "Choose one of the years in the list." in response.content.decode()


def test_table_downloads_as_csv(client, seeded):
    url = reverse("stats:table_download", args=["victims_by_form_sex"])
    response = signed_in(client, seeded.rapporteur).get(url, {"year": YEAR, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="opennrm-victims-by-form-sex-2024.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Registered victims by form of exploitation and sex, 2024"]
    header = rows[1]
    assert header == ["Form of exploitation", "Female", "Male", "Total"]
    by_label = {row[0]: row for row in rows[2:] if len(row) == len(header)}
    # Exactly what the release publishes, cell for cell: numbers, "< 5" and "x".
    table = release_build(year=YEAR).table("victims_by_form_sex")
    for code, label in (("SexualExploitation", "Sexual exploitation"), ("ForcedLabour", "Forced labour")):
        for column, sex in ((1, "Feminine"), (2, "Masculine")):
            assert by_label[label][column] == table.cell(code, sex).display
        assert by_label[label][3] == table.row_total_for(code).display
    assert by_label["Sexual exploitation"][2] == "< 5"
    assert by_label["Total"] == ["Total", "22", "12", "34"]
    notes = [row[0] for row in rows if len(row) == 1][1:]
    assert any("counted under each" in note for note in notes)
    assert any("“< 5”" in note for note in notes)


def test_table_downloads_as_xlsx(client, seeded):
    url = reverse("stats:table_download", args=["referral_response"])
    response = signed_in(client, seeded.rapporteur).get(url, {"year": YEAR, "format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    header = rows[2]
    assert header[0] == "Referred to" and header[-1] == "Overdue share"
    provider = next(row for row in rows if row[0] == "Social rehabilitation service provider")
    assert provider[header.index("Total")] == 16
    assert provider[header.index("Overdue")] == 6
    assert provider[-1] == 37.5


@pytest.mark.parametrize(
    "table_id,query,status",
    [
        ("no_such_table", {"year": YEAR, "format": "csv"}, 404),
        ("pathway", {"year": YEAR, "format": "docx"}, 400),
        ("pathway", {"year": "x", "format": "csv"}, 400),
        ("pathway", {"format": "csv"}, 400),
    ],
)
def test_bad_downloads_are_refused(client, seeded, table_id, query, status):
    response = signed_in(client, seeded.rapporteur).get(reverse("stats:table_download", args=[table_id]), query)
    assert response.status_code == status
    if status == 400:
        assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize("file_format,content_type", [("html", "text/html"), ("xlsx", "application/vnd")])
@pytest.mark.parametrize("language", ["lv", "en", "ru"])
def test_report_downloads(client, seeded, language, file_format, content_type):
    response = signed_in(client, seeded.rapporteur).get(
        reverse("stats:report"), {"year": YEAR, "language": language, "format": file_format}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert f'filename="opennrm-annual-report-2024-{language}.{file_format}"' in response["Content-Disposition"]


def test_report_downloads_as_pdf(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(
        reverse("stats:report"), {"year": YEAR, "language": "lv", "format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_bad_report_request_names_the_field(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(
        reverse("stats:report"), {"year": YEAR, "language": "de", "format": "pdf"}
    )
    assert response.status_code == 400
    assert "Choose Latvian, English or Russian." in response.content.decode()


def test_publish_page_states_the_noise_before_publishing(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(reverse("stats:publish"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Publish the statistics of 2024" in html
    assert "Differential privacy" in html and "ε = 1.0" in html
    assert "Registered victims by year and sex" in html


def test_publishing_needs_the_confirmation(client, seeded):
    response = signed_in(client, seeded.rapporteur).post(reverse("stats:publish"), {"year": YEAR})
    assert response.status_code == 400
    assert "Tick the box to confirm that the tables may be published." in response.content.decode()
    assert not PublishedRelease.objects.exists()


def test_publish_then_withdraw(client, seeded):
    client = signed_in(client, seeded.rapporteur)
    response = client.post(reverse("stats:publish"), {"year": YEAR, "confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{dashboard_url()}?year=2024"
    published = PublishedRelease.objects.get()
    assert published.year == YEAR and published.published_by == seeded.rapporteur
    html = response.content.decode()
    assert "The statistics of 2024 are published on the public site." in html
    assert "Random noise was added to every number" in html
    assert AuditEvent.objects.filter(action="stats.release_publish").exists()

    withdraw = reverse("stats:withdraw", args=[published.pk])
    assert "Withdraw this release from the public site." in client.get(withdraw).content.decode()
    assert client.post(withdraw, {}).status_code == 400
    published.refresh_from_db()
    assert published.withdrawn_at is None
    response = client.post(withdraw, {"confirm": "on"}, follow=True)
    assert "The release of 2024 is withdrawn from the public site." in response.content.decode()
    published.refresh_from_db()
    assert published.withdrawn_at is not None
    # A second withdrawal is refused with the service's message, nothing changes.
    again = client.post(withdraw, {"confirm": "on"})
    assert again.status_code == 400
    assert "already withdrawn" in again.content.decode()


def test_withdrawing_a_missing_release_is_404(client, seeded):
    response = signed_in(client, seeded.rapporteur).get(reverse("stats:withdraw", args=[999999]))
    assert response.status_code == 404
