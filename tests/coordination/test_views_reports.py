"""Progress reports through the pages: a reporter submits (Latvian text intact), the coordinator asks for
clarification, the reporter answers, the coordinator accepts; history is kept; bad input is refused at its field."""

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.coordination.models import ProgressReport, ProgressReportRevision, ReviewState

NARRATIVE_LV = "Pasākums kavējas, jo mācību telpas nav pieejamas; ņemsim vērā ārējās ekspertīzes ieteikumus."
ANSWER_LV = "Precizējums: telpas būs pieejamas no 1. marta; apmācīti 120 speciālisti (ģimenes ārsti, skolotāji)."


def _report_url(coord, code="1.1"):
    return reverse(
        "coordination:report_form", kwargs={"measure_id": coord.measures[code].pk, "period_id": coord.period.pk}
    )


def _submit(client, coord, **changes):
    data = {
        "status": "delayed",
        "narrative": NARRATIVE_LV,
        "indicator_value": "120",
        "evidence_links": "https://example.lv/zinojums\nhttps://example.lv/zinas",
        "action": "submit",
    }
    data.update(changes)
    return client.post(_report_url(coord), data)


def test_the_whole_review_cycle(client, coord):
    force_login_verified(client, coord.reporter_a)
    mine = client.get(reverse("coordination:my_reports"))
    assert mine.status_code == 200
    assert [measure.code for measure, _report in mine.context["rows"]] == ["1.1", "2.1"]

    response = _submit(client, coord)
    report = ProgressReport.objects.get(measure=coord.measures["1.1"], institution=coord.inst_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:report", kwargs={"report_id": report.pk})
    assert report.narrative == NARRATIVE_LV
    assert report.review_state == ReviewState.SUBMITTED
    assert str(report.indicator_value) == "120.00"
    assert report.evidence_links == ["https://example.lv/zinojums", "https://example.lv/zinas"]
    page = client.get(response["Location"]).content.decode()
    assert NARRATIVE_LV in page

    client.logout()
    force_login_verified(client, coord.coordinator)
    queue = client.get(reverse("coordination:review_queue"))
    assert list(queue.context["reports"]) == [report]
    review_url = reverse("coordination:report_review", kwargs={"report_id": report.pk})
    # Asking for clarification needs a question.
    response = client.post(review_url, {"decision": "clarify", "comment": ""})
    assert response.status_code == 400
    assert response.context["review_form"].errors["comment"] == ["Say what the institution should clarify."]
    response = client.post(review_url, {"decision": "clarify", "comment": "Lūdzu, norādiet, kad telpas būs pieejamas."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.CLARIFICATION_REQUESTED

    client.logout()
    force_login_verified(client, coord.reporter_a)
    mine = client.get(reverse("coordination:my_reports"))
    assert list(mine.context["to_clarify"]) == [report]
    form_page = client.get(_report_url(coord)).content.decode()
    assert "Lūdzu, norādiet, kad telpas būs pieejamas." in form_page
    response = _submit(client, coord, narrative=ANSWER_LV)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED
    assert report.narrative == ANSWER_LV

    client.logout()
    force_login_verified(client, coord.coordinator)
    response = client.post(review_url, {"decision": "accept", "comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    actions = list(ProgressReportRevision.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["submitted", "clarification_requested", "submitted", "accepted"]
    history = client.get(reverse("coordination:report", kwargs={"report_id": report.pk})).content.decode()
    assert "Lūdzu, norādiet, kad telpas būs pieejamas." in history
    assert NARRATIVE_LV in history  # the first narrative, as it then stood

    client.logout()
    force_login_verified(client, coord.reporter_a)
    # An accepted report is final: its form sends the reporter to the report.
    response = client.get(_report_url(coord))
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:report", kwargs={"report_id": report.pk})


def test_a_delayed_measure_without_a_narrative_is_refused_and_nothing_is_saved(client, coord):
    force_login_verified(client, coord.reporter_a)
    response = _submit(client, coord, narrative="")
    assert response.status_code == 400
    assert "why the measure is delayed" in " ".join(response.context["form"].errors["narrative"])
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"evidence_links": "ftp://example.lv/x"}, "evidence_links", "is not a web address"),
        ({"indicator_value": "daudz"}, "indicator_value", "is not a number"),
        ({"status": "lost"}, "status", "Select a valid choice"),
    ],
)
def test_bad_report_input_is_refused_at_its_field(client, coord, changes, field, message):
    force_login_verified(client, coord.reporter_a)
    response = _submit(client, coord, **changes)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not ProgressReport.objects.exists()


def test_a_decimal_comma_is_read_as_a_number(client, coord):
    force_login_verified(client, coord.reporter_a)
    response = _submit(client, coord, status="on_track", indicator_value="12,5")
    assert response.status_code == 302
    assert str(ProgressReport.objects.get().indicator_value) == "12.50"


def test_a_draft_is_seen_only_by_its_institution(client, coord):
    force_login_verified(client, coord.reporter_a)
    response = _submit(client, coord, action="save")
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.review_state == ReviewState.DRAFT
    url = reverse("coordination:report", kwargs={"report_id": report.pk})
    assert client.get(url).status_code == 200
    for other in (coord.coordinator, coord.observer, coord.reporter_b):
        client.logout()
        force_login_verified(client, other)
        assert client.get(url).status_code == 404


def test_a_reporter_cannot_report_for_a_measure_of_another_institution(client, coord):
    force_login_verified(client, coord.reporter_b)
    url = reverse(
        "coordination:report_form", kwargs={"measure_id": coord.measures["2.1"].pk, "period_id": coord.period.pk}
    )
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "done", "narrative": "", "action": "submit"}).status_code == 403
    assert not ProgressReport.objects.exists()


def test_the_co_responsible_institution_reports_too(client, coord):
    force_login_verified(client, coord.reporter_b)
    response = _submit(client, coord, status="on_track", narrative="Līdzatbildīgās iestādes ziņojums.")
    assert response.status_code == 302
    assert ProgressReport.objects.get().institution == coord.inst_b


def test_the_reports_list_shows_submitted_and_missing_reports(client, coord):
    force_login_verified(client, coord.reporter_a)
    _submit(client, coord)
    client.logout()
    force_login_verified(client, coord.observer)
    response = client.get(reverse("coordination:reports"), {"period": coord.period.pk})
    assert response.status_code == 200
    assert [r.measure.code for r in response.context["reports"]] == ["1.1"]
    missing = {(slot.measure.code, slot.institution.code) for slot in response.context["missing"]}
    assert ("1.1", "test-inst-b") in missing and ("1.1", "test-inst-a") not in missing
    response = client.get(reverse("coordination:reports"), {"period": coord.period.pk, "state": "accepted"})
    assert list(response.context["reports"]) == []


def test_only_the_coordinator_reviews(client, coord):
    force_login_verified(client, coord.reporter_a)
    _submit(client, coord)
    report = ProgressReport.objects.get()
    for user in (coord.reporter_a, coord.member, coord.observer):
        client.logout()
        force_login_verified(client, user)
        response = client.post(
            reverse("coordination:report_review", kwargs={"report_id": report.pk}), {"decision": "accept"}
        )
        assert response.status_code == 403
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED
