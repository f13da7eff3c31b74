"""The coordination API end to end: what it answers, and how it refuses bad input (field names, no tracebacks)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opennrm.accounts.services import api_token_issue
from opennrm.api.api import api
from opennrm.coordination.models import Measure, ProgressReport
from opennrm.coordination.services import meeting_update
from tests.coordination.conftest import PLAN_YAML

BASE = "/api/v1/coordination"
DELAYED_LV = "Mācības kavējas, jo lektori bija pieejami tikai rudenī."


class Api:
    def __init__(self, client, user):
        _token, secret = api_token_issue(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path):
        return self.client.get(BASE + path, **self.headers)

    def send(self, method, path, body):
        return getattr(self.client, method)(
            BASE + path, data=json.dumps(body), content_type="application/json", **self.headers
        )

    def upload(self, content: bytes, filename="plan.yaml", change_note=""):
        data = {"file": SimpleUploadedFile(filename, content), "change_note": change_note}
        return self.client.post(BASE + "/plans/import", data=data, **self.headers)


@pytest.fixture
def as_user(client):
    return lambda user: Api(client, user)


def test_importing_through_the_api_creates_then_versions_the_plan(coord, as_user):
    api_client = as_user(coord.coordinator)
    other = PLAN_YAML.replace("code: test-plan", "code: api-plan")
    created = api_client.upload(other.encode())
    assert created.status_code == 201
    body = created.json()
    assert body["plan"]["code"] == "api-plan" and body["version"] == 1 and body["measures_added"] == 3
    again = api_client.upload(other.replace("target: 3\n", "target: 4\n").encode(), change_note="Four campaigns.")
    assert again.status_code == 200
    assert again.json()["measures_updated"] == 1 and again.json()["version"] == 2
    versions = api_client.get("/plans/api-plan/versions").json()
    assert [(v["number"], v["change_note"]) for v in versions] == [(2, "Four campaigns."), (1, "First version.")]


def test_a_bad_file_is_refused_with_every_problem(coord, as_user):
    bad = PLAN_YAML.replace("code: test-plan", "code: bad-plan").replace("responsible: test-ngo", "responsible: x")
    response = as_user(coord.coordinator).upload(bad.replace("unit: people", "unit: " + "u" * 60).encode())
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "file" and body["detail"] == "The plan was not imported: 2 problems."
    assert any("field responsible: no institution with code 'x'" in p for p in body["problems"])
    assert any("field unit: this is too long (at most 50 characters)" in p for p in body["problems"])
    wrong_type = as_user(coord.coordinator).upload(b"a,b", filename="plan.csv")
    assert wrong_type.json()["problems"] == ["Use a YAML file (.yaml) or the XLSX template (.xlsx)."]


def test_a_plan_reads_with_its_goals_measures_and_periods(coord, as_user):
    body = as_user(coord.observer).get("/plans/test-plan").json()
    assert body["title"]["lv"] == "Testa plāns 2025–2027"
    assert [g["code"] for g in body["goals"]] == ["1", "2"]
    first = body["goals"][0]["measures"][0]
    assert first["responsible"] == "test-inst-a" and first["co_responsible"] == ["test-inst-b"]
    assert first["target"] == "300.00" and first["deadline"] == "2026-12-31"
    assert body["periods"][0]["name"] == "2025"
    assert as_user(coord.observer).get("/plans/no-such").status_code == 404


def test_plan_and_measure_changes_name_the_bad_field(coord, as_user):
    api_client = as_user(coord.coordinator)
    response = api_client.send("patch", "/plans/test-plan", {"change_note": "x", "status": "forgotten"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    response = api_client.send("patch", "/plans/test-plan", {"change_note": "x", "title": None})
    assert (response.status_code, response.json()["field"]) == (400, "title")
    response = api_client.send("patch", "/plans/test-plan", {"change_note": "", "approving_act": "New"})
    assert (response.status_code, response.json()["field"]) == (400, "change_note")
    measure = coord.measures["1.1"].pk
    response = api_client.send("patch", f"/measures/{measure}", {"change_note": "x", "goal": "9"})
    assert (response.status_code, response.json()["field"]) == (400, "goal")
    response = api_client.send("patch", f"/measures/{measure}", {"change_note": "x", "responsible": "nobody"})
    assert (response.status_code, response.json()["field"]) == (400, "responsible")
    response = api_client.send(
        "patch", f"/measures/{measure}", {"change_note": "Moved.", "goal": "2", "co_responsible": ["test-ngo"]}
    )
    assert response.status_code == 200
    assert response.json()["goal"] == "2" and response.json()["co_responsible"] == ["test-ngo"]
    assert Measure.objects.get(pk=measure).goal.code == "2"
    assert api_client.get("/measures/999999").status_code == 404
    assert api_client.get(f"/measures/{2**63}").status_code == 422


def test_a_report_is_submitted_questioned_resubmitted_and_accepted_over_the_api(coord, as_user):
    reporter, coordinator = as_user(coord.reporter_a), as_user(coord.coordinator)
    body = {
        "measure": coord.measures["1.1"].pk,
        "period": coord.period.pk,
        "status": "delayed",
        "narrative": DELAYED_LV,
        "indicator_value": "140",
        "evidence_links": ["https://example.lv/report"],
    }
    submitted = reporter.send("put", "/reports", body)
    assert submitted.status_code == 200
    report = submitted.json()
    assert report["review_state"] == "submitted" and report["narrative"] == DELAYED_LV
    assert report["indicator_value"] == "140.00" and report["institution"] == "test-inst-a"
    queue = coordinator.get(f"/reports?period={coord.period.pk}&review_state=submitted").json()
    assert [r["id"] for r in queue] == [report["id"]]
    asked = coordinator.send("post", f"/reports/{report['id']}/clarification", {"comment": "Kad sāksies?"})
    assert asked.json()["review_state"] == "clarification_requested"
    empty = coordinator.send("post", f"/reports/{report['id']}/clarification", {"comment": ""})
    assert (empty.status_code, empty.json()["field"]) == (400, "comment")
    again = reporter.send("put", "/reports", body | {"narrative": DELAYED_LV + " Sākums 1. oktobrī."})
    assert again.json()["review_state"] == "submitted"
    accepted = coordinator.send("post", f"/reports/{report['id']}/accept", {})
    assert accepted.json()["review_state"] == "accepted"
    history = [(r["action"], r["by"]) for r in accepted.json()["revisions"]]
    assert history == [
        ("submitted", "test.reporter.a"),
        ("clarification_requested", "test.coordinator"),
        ("submitted", "test.reporter.a"),
        ("accepted", "test.coordinator"),
    ]
    late = reporter.send("put", "/reports", body)
    assert late.status_code == 400


def test_report_input_errors_name_the_field(coord, as_user):
    reporter = as_user(coord.reporter_a)
    body = {"measure": coord.measures["1.1"].pk, "period": coord.period.pk, "status": "on_track"}
    cases = [
        (body | {"evidence_links": ["not a link"]}, 400, "evidence_links"),
        (body | {"status": "delayed", "narrative": ""}, 400, "narrative"),
        (body | {"status": "great"}, 422, "status"),
        (body | {"indicator_value": "lots"}, 422, "indicator_value"),
        (body | {"measure": 999999}, 404, None),
        ({"period": coord.period.pk, "status": "on_track"}, 422, "measure"),
    ]
    for payload, status, field in cases:
        response = reporter.send("put", "/reports", payload)
        assert response.status_code == status, (payload, response.content)
        if status == 400:
            assert response.json()["field"] == field
        elif status == 422:
            assert field in [error["field"] for error in response.json()["errors"]]
    assert not ProgressReport.objects.exists()


def test_a_draft_over_the_api_stays_with_its_institution(coord, as_user):
    body = {"measure": coord.measures["1.1"].pk, "period": coord.period.pk, "status": "on_track", "submit": False}
    draft = as_user(coord.reporter_a).send("put", "/reports", body).json()
    assert draft["review_state"] == "draft"
    assert as_user(coord.coordinator).get(f"/reports/{draft['id']}").status_code == 404
    assert as_user(coord.coordinator).get("/reports").json() == []


def test_my_measures_and_measures_by_institution(coord, as_user):
    mine = as_user(coord.reporter_a).get("/measures?mine=true").json()
    assert [m["code"] for m in mine] == ["1.1", "2.1"]
    assert as_user(coord.observer).get("/measures?mine=true").json() == []
    of_b = as_user(coord.observer).get("/measures?institution=test-inst-b").json()
    assert [m["code"] for m in of_b] == ["1.1", "1.2"]
    unknown = as_user(coord.observer).get("/measures?institution=nope")
    assert (unknown.status_code, unknown.json()["field"]) == (400, "institution")


def test_progress_by_goal_and_institution(coord, as_user):
    as_user(coord.reporter_b).send(
        "put", "/reports", {"measure": coord.measures["1.2"].pk, "period": coord.period.pk, "status": "done"}
    )
    body = as_user(coord.observer).get(f"/plans/test-plan/progress?period={coord.period.pk}").json()
    assert body["period"] == "2025"
    assert body["total"] == {"done": 1, "not_reported": 2}
    assert body["by_goal"]["1"] == {"done": 1, "not_reported": 1}
    assert body["by_institution"]["test-inst-b"] == {"done": 1, "not_reported": 1}


def test_minutes_and_attendance_only_for_the_working_group(group, as_user):
    meeting_update(meeting=group.meeting_held, by=group.coordinator, minutes="Test minutes (internal).")
    for user in (group.member, group.coordinator):
        body = as_user(user).get(f"/meetings/{group.meeting_held.pk}").json()
        assert body["minutes"] == "Test minutes (internal)."
        assert len(body["attendance"]) == 4 and body["attendance"][0]["present"] is None
        assert body["decisions"][0]["number"] == "2025/1"
    for user in (group.observer, group.reporter_a):
        body = as_user(user).get(f"/meetings/{group.meeting_held.pk}").json()
        assert body["minutes"] is None and body["documents"] is None and body["attendance"] is None
        assert body["decisions"][0]["tasks"][0]["owner_institution"] == "test-inst-a"


def test_meetings_decisions_and_tasks_over_the_api(group, as_user):
    coordinator = as_user(group.coordinator)
    created = coordinator.send("post", "/meetings", {"starts_at": "2027-02-01T10:00:00+02:00", "place": "Room 3"})
    assert created.status_code == 201 and created.json()["status"] == "planned"
    too_early = coordinator.send("post", f"/meetings/{created.json()['id']}/decisions", {"text": "Early."})
    assert (too_early.status_code, too_early.json()["field"]) == (400, "starts_at")
    bad_owner = coordinator.send(
        "post",
        f"/meetings/{group.meeting_held.pk}/decisions",
        {"text": "With a task.", "tasks": [{"owner_institution": "nobody", "text": "x"}]},
    )
    assert (bad_owner.status_code, bad_owner.json()["field"]) == (400, "tasks.0.owner_institution")
    recorded = coordinator.send(
        "post",
        f"/meetings/{group.meeting_held.pk}/decisions",
        {"text": "With a task.", "tasks": [{"owner_institution": "test-inst-b", "text": "Report.", "deadline": None}]},
    )
    assert recorded.status_code == 201 and recorded.json()["number"] == "2025/2"
    done = as_user(group.member).send("post", f"/decision-tasks/{group.task.pk}/done", {"note": "Sent."})
    assert done.status_code == 200 and done.json()["done_note"] == "Sent."
    twice = as_user(group.member).send("post", f"/decision-tasks/{group.task.pk}/done", {})
    assert (twice.status_code, twice.json()["field"]) == (400, "task")
    register = as_user(group.observer).get("/decisions").json()
    assert [d["number"] for d in register] == ["2025/1", "2025/2"]
    members = as_user(group.observer).get("/working-group").json()["members"]
    assert [m["institution"] for m in members] == ["test-inst-a", "test-inst-b", "test-ministry", "test-ngo"]


def test_no_working_group_yet(coord, as_user):
    assert as_user(coord.observer).get("/working-group").status_code == 404
    response = as_user(coord.coordinator).send("post", "/meetings", {"starts_at": "2027-02-01T10:00:00+02:00"})
    assert response.status_code == 400


def test_every_endpoint_is_in_the_openapi_schema_with_its_own_operation_id():
    schema = api.get_openapi_schema()
    operations = [
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith(BASE)
        for operation in methods.values()
    ]
    assert len(operations) == 23 and len(set(operations)) == 23
    assert all(operation.startswith("opennrm_coordination_api_coordination_") for operation in operations)
